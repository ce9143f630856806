"""The service catalogue: validate it, create an empty one with its editing form, list its changes."""

from qgis.core import (
    QgsProcessing,
    QgsProcessingContext,
    QgsProcessingException,
    QgsProcessingOutputNumber,
    QgsProcessingParameterDateTime,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterVectorLayer,
    QgsProviderRegistry,
)

from ...editing import catalogue_form
from .base import CapaCityMetroAlgorithm, language


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


class CreateCatalogue(CapaCityMetroAlgorithm):
    NAME = "createcatalogue"
    DISPLAY = "Create catalogue"
    HELP = ("Writes an empty service catalogue: a GeoPackage whose <b>services</b> layer (points, WGS 84) opens with "
            "its editing form: tabs for identity, categories and languages, opening hours, contacts and "
            "accessibility; lists to pick categories (labels in the QGIS language) and languages; checks with "
            "Italian and English messages (name, categories and municipality required, 6-digit ISTAT code, e-mail "
            "and web address, opening hours in OpenStreetMap syntax); a new service gets an id, and every save its "
            "date. Every change is kept in the <b>services_history</b> table (who, when, old and new values): see "
            "Catalogue changes since date. After each save the plugin checks the catalogue and lists every problem.")
    OUTPUT = "OUTPUT"

    def initAlgorithm(self, config=None):  # noqa: N802
        self.addParameter(QgsProcessingParameterFileDestination(self.OUTPUT, self.tr("Catalogue"),
                                                                self.tr("GeoPackage (*.gpkg)")))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        form = catalogue_form()
        path = self.parameterAsFileOutput(parameters, self.OUTPUT, context)
        # the dialog has asked before replacing a file
        created = str(self.call(form.create_catalogue, path, language(), overwrite=True))
        details = QgsProcessingContext.LayerDetails(self.tr("Services for migrants"), context.project(), form.LAYER)
        context.addLayerToLoadOnCompletion(f"{created}|layername={form.LAYER}", details)
        feedback.pushInfo(self.tr("Catalogue written: ") + created)
        return {self.OUTPUT: created}


class CatalogueChanges(CapaCityMetroAlgorithm):
    NAME = "cataloguechanges"
    DISPLAY = "Catalogue changes since date"
    HELP = ("Lists the changes made to a catalogue (made by Create catalogue) since a date: when (UTC), who (the "
            "name in the QGIS setting capacitymetro/operator, by default the computer's user name; none for changes "
            "made outside QGIS), which service, and per field the old and the new value. The changes stay in the "
            "catalogue's <b>services_history</b> table, which QGIS opens as a table.")
    CATALOGUE = "CATALOGUE"
    SINCE = "SINCE"
    CHANGES = "CHANGES"

    def initAlgorithm(self, config=None):  # noqa: N802
        self.addParameter(QgsProcessingParameterVectorLayer(self.CATALOGUE, self.tr("Catalogue (services layer)"),
                                                            [QgsProcessing.TypeVectorPoint]))
        self.addParameter(QgsProcessingParameterDateTime(self.SINCE, self.tr("Changes since (UTC)"),
                                                         QgsProcessingParameterDateTime.Date))
        self.addOutput(QgsProcessingOutputNumber(self.CHANGES, self.tr("Changes")))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        form = catalogue_form()
        layer = self.parameterAsVectorLayer(parameters, self.CATALOGUE, context)
        if layer is None:
            raise QgsProcessingException(self.tr("Invalid layer: ") + self.CATALOGUE)
        path = QgsProviderRegistry.instance().decodeUri("ogr", layer.source()).get("path") or layer.source()
        since = self.parameterAsDateTime(parameters, self.SINCE, context).date().toString("yyyy-MM-dd")
        found = self.call(form.changes, path, since)
        for line in form.format_changes(found).splitlines():
            feedback.pushInfo(line)
        return {self.CHANGES: len(found)}
