"""Publish the public page (the bussola)."""

from .base import CapaCityMetroAlgorithm


class PublishPage(CapaCityMetroAlgorithm):
    NAME = "publishpage"
    DISPLAY = "Publish the public page"
    JOB = "web_data"

    def report(self, result, feedback):
        feedback.pushInfo(f"{result['desks']} desks, {result['places']} places; "
                          f"{sum(result['files'].values()) / 1024:.0f} KiB of data in {result['output_dir']}")
        feedback.pushInfo(f"python -m http.server -d {result['output_dir']}")
