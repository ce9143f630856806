"""Build network; travel areas."""

from qgis.core import (
    QgsProcessingParameterBoolean,
    QgsProcessingParameterFile,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterNumber,
    QgsProcessingParameterString,
)

from .base import CapaCityMetroAlgorithm


class BuildNetwork(CapaCityMetroAlgorithm):
    NAME = "buildnetwork"
    DISPLAY = "Build network"
    HELP = ("Builds walking, cycling and driving graphs from an OpenStreetMap .pbf file (highway tags, maxspeed, "
            "oneway, ferries) or from a line layer (topology from coincident end points), keeps the largest "
            "strongly connected component and saves the network (.cmnet) for the other tools.")
    SOURCE = "SOURCE"
    SPEED_FIELD = "SPEED_FIELD"
    ONEWAY_FIELD = "ONEWAY_FIELD"
    MODES_FIELD = "MODES_FIELD"

    def initAlgorithm(self, config=None):  # noqa: N802
        self.addParameter(QgsProcessingParameterFile(self.SOURCE, self.tr("OpenStreetMap .pbf file or line layer")))
        for key, label in ((self.SPEED_FIELD, self.tr("Line layers: car speed field (km/h)")),
                           (self.ONEWAY_FIELD, self.tr("Line layers: one-way field")),
                           (self.MODES_FIELD, self.tr("Line layers: allowed modes field"))):
            self.addParameter(QgsProcessingParameterString(key, label, optional=True))
        self.addParameter(QgsProcessingParameterFileDestination(
            self.OUTPUT, self.tr("Network file"), self.tr("CapaCityMetro network (*.cmnet)")))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        core = self.core()
        output = self.parameterAsFileOutput(parameters, self.OUTPUT, context)
        network = self.call(
            core.Network.build,
            self.parameterAsFile(parameters, self.SOURCE, context),
            speed_field=self.field(parameters, self.SPEED_FIELD, context),
            oneway_field=self.field(parameters, self.ONEWAY_FIELD, context),
            modes_field=self.field(parameters, self.MODES_FIELD, context),
        )
        self.call(network.save, output)
        for mode, m in network.info()["modes"].items():
            feedback.pushInfo(f"{mode}: {m['nodes']} nodes, {m['edges']} edges, {m['islands_dropped']} islands dropped")
        return {self.OUTPUT: output}


class TravelAreas(CapaCityMetroAlgorithm):
    NAME = "travelareas"
    DISPLAY = "Travel areas"
    HELP = ("For each service, the area from which it can be reached within each time band, on a road network: "
            "a time surface on a grid whose cells join the network at the nearest street, contoured by marching "
            "squares (the approach of R5 and OpenTripPlanner). Bands are cumulative.")
    BANDS = "BANDS"
    CELL_M = "CELL_M"
    DISSOLVE = "DISSOLVE"

    def initAlgorithm(self, config=None):  # noqa: N802
        self.add_services()
        self.add_travel(network_optional=False)
        self.addParameter(QgsProcessingParameterString(self.BANDS, self.tr("Time bands (minutes, comma separated)"),
                                                       defaultValue="5,10,15,30"))
        self.addParameter(QgsProcessingParameterNumber(
            self.CELL_M, self.tr("Grid cell (metres; 0 for 50 walking, 75 cycling, 100 driving)"),
            QgsProcessingParameterNumber.Double, defaultValue=0.0, minValue=0.0))
        self.addParameter(QgsProcessingParameterBoolean(self.DISSOLVE, self.tr("One area per category and band"),
                                                        defaultValue=False))
        self.add_categories()
        self.add_output()

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        core = self.core()
        output = self.parameterAsFileOutput(parameters, self.OUTPUT, context)
        try:
            bands = [float(b) for b in self.parameterAsString(parameters, self.BANDS, context).split(",") if b.strip()]
        except ValueError:
            from qgis.core import QgsProcessingException

            raise QgsProcessingException(self.tr("Time bands must be numbers separated by commas.")) from None
        cell_m = self.parameterAsDouble(parameters, self.CELL_M, context) or None
        result = self.call(
            core.travel_areas,
            self.export(parameters, self.SERVICES, context, feedback),
            self.network(parameters, context),
            mode=self.mode(parameters, context),
            minutes=bands,
            cell_m=cell_m,
            dissolve=self.parameterAsBool(parameters, self.DISSOLVE, context),
            categories=self.category_ids(parameters, context),
            output=output,
            progress=self.progress(feedback),
        )
        if result["unreachable_services"]:
            feedback.reportError(self.tr("Too far from the network, no area: ") + ", ".join(result["unreachable_services"]))
        self.load_on_completion(context, output, ["travel_areas", "services"])
        return {self.OUTPUT: output}
