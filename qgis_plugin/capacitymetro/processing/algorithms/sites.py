"""Suggest new sites."""

from .base import CapaCityMetroAlgorithm, language, population


class SuggestSites(CapaCityMetroAlgorithm):
    NAME = "suggestsites"
    DISPLAY = "Suggest new sites"
    JOB = "siting"
    OUTPUTS = ("Writes <b>suggested_sites</b>: points with rank, candidate, population_gained (newly covered for mclp "
               "and lscp, served for the p-median models), covered_before and covered_after in persons (covered: within "
               "COVERED_WITHIN_MINUTES minutes of a service). The layer's abstract and the log say whether the answer is "
               "proven optimal, the gap when TIME_LIMIT_SECONDS stopped the solver, and the heuristic's value beside it.")

    def report(self, result, feedback):
        """The sites chosen, each with the population it adds, and the population covered before and after."""
        category = self.labels().get(result["category"], result["category"])
        feedback.pushInfo(self.tr("{category}: population covered {before} → {after} of {total}").format(
            category=category, before=population(result["covered_before"]), after=population(result["covered_after"]),
            total=population(result["population_total"])))
        for rank, (site, gain) in enumerate(zip(result["sites"], result["gains"]), start=1):
            feedback.pushInfo(f"{rank}. {site}: +{population(gain)}")
        solution = result["solution"]
        feedback.pushInfo(solution["summary_it" if language() == "it" else "summary_en"])
