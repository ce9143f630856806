"""Publish the public page (the bussola)."""

from .base import CapaCityMetroAlgorithm


class PublishPage(CapaCityMetroAlgorithm):
    NAME = "publishpage"
    DISPLAY = "Publish the public page"
    JOB = "web_data"
    SUPPLY = ""
    OUTPUTS = ("Writes a folder: index.html, embed.html and data/ (the desks of the results' <b>services</b> "
               "layer, the places, and per desk a grid of travel times in minutes, up to MAX_MINUTES); no layer.")

    def report(self, result, feedback):
        feedback.pushInfo(f"{result['desks']} desks, {result['places']} places; "
                          f"{sum(result['files'].values()) / 1024:.0f} KiB of data in {result['output_dir']}")
        feedback.pushInfo(f"python -m http.server -d {result['output_dir']}")
