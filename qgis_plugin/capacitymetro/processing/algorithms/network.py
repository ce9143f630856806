"""Build network; travel areas."""

from .base import CapaCityMetroAlgorithm


class BuildNetwork(CapaCityMetroAlgorithm):
    NAME = "buildnetwork"
    DISPLAY = "Build network"
    JOB = "network_build"

    def report(self, result, feedback):
        feedback.pushInfo(result["status"].replace("_", " "))
        for mode, m in result["info"]["modes"].items():
            feedback.pushInfo(f"{mode}: {m['nodes']} nodes, {m['edges']} edges, {m['islands_dropped']} islands dropped")


class TravelAreas(CapaCityMetroAlgorithm):
    NAME = "travelareas"
    DISPLAY = "Travel areas"
    JOB = "travel_areas"

    def report(self, result, feedback):
        if result["unreachable_services"]:
            no_area = self.tr("No area (too far from the network or from every stop, or no grid cell within the bands): ")
            feedback.reportError(no_area + ", ".join(result["unreachable_services"]))
