"""Accessibility index; service gaps (one core job, two reports)."""

from .base import CapaCityMetroAlgorithm, population


class AccessibilityIndex(CapaCityMetroAlgorithm):
    NAME = "accessibility"
    DISPLAY = "Accessibility index"
    JOB = "accessibility"
    SUPPLY = ("Supply: the services' <b>capacity</b> field (users per week; 1 when empty), counted in each of its "
              "<b>categories</b>; demand: POPULATION_FIELD (persons).")
    OUTPUTS = ("Writes <b>accessibility</b>, per demand unit and category: <i>category</i>_access in supply per "
               "person (capacity over the population in reach, weighted by time); _unserved, _low_access and "
               "_gap_score in persons; <b>gaps_by_zone</b>: per category and zone, rank, unserved, low_access, "
               "gap_score in persons.")
    #: How many of the worst zones (by gap score) the summary names.
    WORST_ZONES = 0

    def report(self, result, feedback):
        """Per category: the population with no service within reach, the total
        gap score and the highest index (or, for the gaps, the worst zones)."""
        labels, total = self.labels(), population(result["population"].sum())
        for category in [c for c in labels if c in result["categories"]]:  # in the vocabulary's order
            values = result["categories"][category]
            line = self.tr("{category}: unserved {unserved} of {total}; gap score total {score}").format(
                category=labels[category], unserved=population(values["unserved"].sum()), total=total,
                score=population(values["gap_score"].sum()))
            if self.WORST_ZONES:
                worst = ", ".join(zone for zone, *_ in values["by_zone"][:self.WORST_ZONES])
                line += "; " + self.tr("worst zones: ") + worst
            else:
                line += "; " + self.tr("highest index: ") + f"{values['access'].max():.4g}"
            feedback.pushInfo(line)


class ServiceGaps(AccessibilityIndex):
    NAME = "servicegaps"
    DISPLAY = "Service gaps"
    WORST_ZONES = 3
