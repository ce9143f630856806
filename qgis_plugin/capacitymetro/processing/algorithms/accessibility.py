"""Accessibility index; service gaps (one core job, two reports)."""

from .base import CapaCityMetroAlgorithm


class AccessibilityIndex(CapaCityMetroAlgorithm):
    NAME = "accessibility"
    DISPLAY = "Accessibility index"
    JOB = "accessibility"

    def report(self, result, feedback):
        for category, values in result["categories"].items():
            feedback.pushInfo(f"{category}: max {values['access'].max():.4g}")


class ServiceGaps(AccessibilityIndex):
    NAME = "servicegaps"
    DISPLAY = "Service gaps"

    def report(self, result, feedback):
        for category, values in result["categories"].items():
            worst = ", ".join(zone for zone, *_ in values["by_zone"][:3])
            feedback.pushInfo(f"{category}: {worst}")
