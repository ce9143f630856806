"""Validate service catalogue."""

from qgis.core import (
    QgsProcessing,
    QgsProcessingException,
    QgsProcessingOutputNumber,
    QgsProcessingParameterFeatureSource,
)

from .base import CapaCityMetroAlgorithm


class ValidateCatalogue(CapaCityMetroAlgorithm):
    NAME = "validatecatalogue"
    DISPLAY = "Validate service catalogue"
    HELP = ("Checks every service of the catalogue and lists every problem at once, each with its feature and "
            "field: unknown category or language code, malformed ISTAT code, unparsable opening hours "
            "(OpenStreetMap opening_hours syntax), duplicate id, missing or non-point geometry, empty name, "
            "capacity (users per week) not positive. Writes no layer: its outputs are the two counts.")
    SERVICES_COUNT = "SERVICES_COUNT"
    PROBLEMS = "PROBLEMS"

    def initAlgorithm(self, config=None):  # noqa: N802
        self.addParameter(QgsProcessingParameterFeatureSource(
            self.SERVICES, self.tr("Service catalogue (points)"), [QgsProcessing.TypeVectorPoint]))
        self.addOutput(QgsProcessingOutputNumber(self.SERVICES_COUNT, self.tr("Valid services")))
        self.addOutput(QgsProcessingOutputNumber(self.PROBLEMS, self.tr("Problems found")))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        core = self.core()
        path = self.export(parameters, self.SERVICES, context, feedback)
        try:
            services = core.validate(path)
        except core.CatalogueError as error:
            for problem in error.problems:
                feedback.reportError(f"{problem['feature']}, {problem['field']}: {problem['message']}")
            return {self.SERVICES_COUNT: 0, self.PROBLEMS: len(error.problems)}
        except core.CapacityMetroError as error:
            raise QgsProcessingException(str(error)) from None
        feedback.pushInfo(self.tr("All services are valid: ") + str(len(services)))
        return {self.SERVICES_COUNT: len(services), self.PROBLEMS: 0}
