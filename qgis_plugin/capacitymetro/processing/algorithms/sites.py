"""Suggest new sites."""

from .base import CapaCityMetroAlgorithm


class SuggestSites(CapaCityMetroAlgorithm):
    NAME = "suggestsites"
    DISPLAY = "Suggest new sites"
    JOB = "siting"

    def report(self, result, feedback):
        for rank, (site, gain) in enumerate(zip(result["sites"], result["gains"]), start=1):
            feedback.pushInfo(f"{rank}. {site}: +{gain:,.0f}")
