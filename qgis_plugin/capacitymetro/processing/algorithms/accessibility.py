"""Accessibility index; service gaps."""

from qgis.core import QgsProcessingParameterEnum, QgsProcessingParameterField, QgsProcessingParameterNumber, QgsProcessingParameterString

from .base import CapaCityMetroAlgorithm

METHODS = ("2sfca", "e2sfca", "3sfca", "gravity")


class AccessibilityIndex(CapaCityMetroAlgorithm):
    NAME = "accessibility"
    DISPLAY = "Accessibility index"
    HELP = ("Floating-catchment accessibility per category, with service capacity as supply and the population "
            "field as demand: 2SFCA (Luo and Wang 2003), E2SFCA (Luo and Qi 2009; 0-10 min 1.00, 10-20 min "
            "0.68, 20-30 min 0.22), 3SFCA (Wan, Zou and Sternberg 2012) or gravity (Shen 1998). Also writes "
            "the service gaps. A time equal to the catchment counts as within.")
    METHOD = "METHOD"
    DECAY = "DECAY"
    SERVED_MINUTES = "SERVED_MINUTES"
    ZONE_FIELD = "ZONE_FIELD"

    def initAlgorithm(self, config=None):  # noqa: N802
        self.add_services()
        self.add_demand()
        self.addParameter(QgsProcessingParameterEnum(
            self.METHOD, self.tr("Method"),
            options=[self.tr("Two-step floating catchment (2SFCA)"), self.tr("Enhanced 2SFCA (E2SFCA)"),
                     self.tr("Three-step floating catchment (3SFCA)"), self.tr("Gravity model (Shen)")],
            defaultValue=1))
        self.add_minutes(self.tr("Catchment (minutes; E2SFCA uses its zones)"), 30.0)
        self.addParameter(QgsProcessingParameterString(
            self.DECAY, self.tr("Decay (e.g. power:-1:60, exponential:600, gaussian:900; seconds)"), optional=True))
        self.addParameter(QgsProcessingParameterNumber(
            self.SERVED_MINUTES, self.tr("Unserved: no service within (minutes)"), QgsProcessingParameterNumber.Double,
            defaultValue=30.0, minValue=0.1))
        self.addParameter(QgsProcessingParameterField(
            self.ZONE_FIELD, self.tr("Zone field for the gap ranking (e.g. municipality)"),
            parentLayerParameterName=self.DEMAND, optional=True))
        self.add_categories()
        self.add_travel()
        self.add_output()

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        core = self.core()
        output = self.parameterAsFileOutput(parameters, self.OUTPUT, context)
        result = self.call(
            core.accessibility,
            self.export(parameters, self.SERVICES, context, feedback),
            self.export(parameters, self.DEMAND, context, feedback),
            self.parameterAsString(parameters, self.POPULATION_FIELD, context),
            method=METHODS[self.parameterAsEnum(parameters, self.METHOD, context)],
            minutes=self.parameterAsDouble(parameters, self.MINUTES, context),
            decay=self.field(parameters, self.DECAY, context),
            served_minutes=self.parameterAsDouble(parameters, self.SERVED_MINUTES, context),
            categories=self.category_ids(parameters, context),
            id_field=self.field(parameters, self.ID_FIELD, context),
            name_field=self.field(parameters, self.NAME_FIELD, context),
            zone_field=self.field(parameters, self.ZONE_FIELD, context),
            mode=self.mode(parameters, context),
            network=self.network(parameters, context),
            output=output,
            progress=self.progress(feedback),
        )
        self.report(result, feedback)
        self.load_on_completion(context, output, ["accessibility", "gaps_by_zone"])
        return {self.OUTPUT: output}

    def report(self, result, feedback):
        for category, values in result["categories"].items():
            feedback.pushInfo(f"{category}: max {values['access'].max():.4g}")


class ServiceGaps(AccessibilityIndex):
    NAME = "servicegaps"
    DISPLAY = "Service gaps"
    HELP = ("Per demand unit and category: population with no service within the time, population in the lowest "
            "fifth by accessibility, and a gap score (unserved plus half of the served population in the lowest "
            "fifth), summed and ranked per zone (e.g. municipality).")

    def report(self, result, feedback):
        for category, values in result["categories"].items():
            worst = ", ".join(zone for zone, *_ in values["by_zone"][:3])
            feedback.pushInfo(f"{category}: {worst}")
