"""Needs analysis from the desks' anonymised request records."""

from .base import CapaCityMetroAlgorithm


class NeedsAnalysis(CapaCityMetroAlgorithm):
    NAME = "needsanalysis"
    DISPLAY = "Needs analysis"
    JOB = "needs"
    OUTPUTS = ("Writes <b>needs_zones</b> (per zone and category: requests, rate_per_1000 per 1,000 residents, served, "
               "referred, unmet, bypassing in requests, bypass_extra_min and nearest_min in minutes, the E2SFCA access "
               "and gap_score), <b>needs_flows</b> and <b>needs_referrals</b> (lines, requests), <b>needs_desks</b>, "
               "<b>needs_languages</b>, <b>needs_bypass_languages</b>, <b>needs_monthly</b> and <b>needs_decay</b> "
               "(decay_minutes in minutes). Counts below MIN_COUNT are suppressed.")

    def report(self, result, feedback):
        """The records read, the counts suppressed and the decay fitted to the flows."""
        if result.get("note"):
            feedback.pushWarning(result["note"])
        feedback.pushInfo(self.tr("{records} request records; {suppressed} counts suppressed").format(
            records=f"{result['records']:,}", suppressed=result["suppressed"]))
        decay = result.get("decay")
        if decay:
            feedback.pushInfo(self.tr("Distance decay fitted to the flows: exp(-t / {minutes} min) ± {error}").format(
                minutes=f"{decay['decay_minutes']:.1f}", error=f"{decay['standard_error_minutes']:.1f}"))
