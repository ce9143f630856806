"""Suggest new sites."""

from .base import CapaCityMetroAlgorithm, population


class SuggestSites(CapaCityMetroAlgorithm):
    NAME = "suggestsites"
    DISPLAY = "Suggest new sites"
    JOB = "siting"
    OUTPUTS = ("Writes <b>suggested_sites</b>: points with rank, candidate, population_gained, covered_before and "
               "covered_after in persons (covered: within COVERED_WITHIN_MINUTES minutes of a service).")

    def report(self, result, feedback):
        """The sites chosen, each with the population it adds, and the population covered before and after."""
        category = self.labels().get(result["category"], result["category"])
        feedback.pushInfo(self.tr("{category}: population covered {before} → {after} of {total}").format(
            category=category, before=population(result["covered_before"]), after=population(result["covered_after"]),
            total=population(result["population_total"])))
        for rank, (site, gain) in enumerate(zip(result["sites"], result["gains"]), start=1):
            feedback.pushInfo(f"{rank}. {site}: +{population(gain)}")
