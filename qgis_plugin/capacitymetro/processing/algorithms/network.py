"""Build network; travel areas."""

from .base import CapaCityMetroAlgorithm


class BuildNetwork(CapaCityMetroAlgorithm):
    NAME = "buildnetwork"
    DISPLAY = "Build network"
    JOB = "network_build"
    SUPPLY = ""
    OUTPUTS = "Writes one network file (.cmnet), with the lengths in metres and the times in seconds; no layer."

    def report(self, result, feedback):
        feedback.pushInfo(result["status"].replace("_", " "))
        for mode, m in result["info"]["modes"].items():
            feedback.pushInfo(f"{mode}: {m['nodes']} nodes, {m['edges']} edges, {m['islands_dropped']} islands dropped")


class TravelAreas(CapaCityMetroAlgorithm):
    NAME = "travelareas"
    DISPLAY = "Travel areas"
    JOB = "travel_areas"
    OUTPUTS = ("Writes <b>services</b> (the catalogue as read) and <b>travel_areas</b>: one polygon per service (or, "
               "with DISSOLVE, per category) and band; band_min in minutes.")

    def speeds(self, modes):
        """No straight lines here: the core refuses travel areas without a network or timetables."""
        return self.tr("Needs a road network (NETWORK) or mode transit: the speeds are the network's roads' "
                       "or the timetables'.")

    def report(self, result, feedback):
        if result["unreachable_services"]:
            no_area = self.tr("No area (too far from the network or from every stop, or no grid cell within the bands): ")
            feedback.reportError(no_area + ", ".join(result["unreachable_services"]))
