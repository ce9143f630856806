"""Nearest service per category."""

from .base import CapaCityMetroAlgorithm


class NearestService(CapaCityMetroAlgorithm):
    NAME = "nearestservice"
    DISPLAY = "Nearest service"
    JOB = "coverage"

    def report(self, result, feedback):
        for row in result["summary"]:
            within = ", ".join(f"{m:g} min: {p:,.0f}" for m, p in row["population_within_minutes"].items())
            feedback.pushInfo(f"{row['category']}: {within} / {row['population_total']:,.0f}")
