"""Export and import the service catalogue: Open Referral HSDS 3.0 (JSON or
the tabular CSV package), OpenStreetMap (an osmChange draft; candidate desks
from a PBF file) and CSV for spreadsheets. The work is the core package's
``exchange`` module, as for the CLI's ``capacitymetro catalogue``."""

import importlib

from qgis.core import (
    QgsProcessing,
    QgsProcessingContext,
    QgsProcessingOutputNumber,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterFile,
    QgsProcessingParameterFileDestination,
)

from .base import CapaCityMetroAlgorithm


class _Exchange(CapaCityMetroAlgorithm):
    FORMAT = "FORMAT"
    SERVICES_COUNT = "SERVICES_COUNT"
    #: (format id, label) in the order of the FORMAT choices.
    FORMATS = ()

    def exchange(self):
        return importlib.import_module(f"{self.core().__name__}.exchange")

    def add_format(self):
        self.addParameter(QgsProcessingParameterEnum(self.FORMAT, self.tr("Format"),
                                                     [self.tr(label) for _, label in self.FORMATS], defaultValue=0))
        self.addOutput(QgsProcessingOutputNumber(self.SERVICES_COUNT, self.tr("Services")))

    def run(self, function, parameters, context, feedback, *args):
        done = self.call(function, *args, self.FORMATS[self.parameterAsEnum(parameters, self.FORMAT, context)][0],
                         feedback=feedback)
        for warning in done["warnings"]:
            feedback.pushWarning(warning)
        feedback.pushInfo(self.tr("Services written: ") + f"{done['services']} ({done['out']})")
        return done


class ExportCatalogue(_Exchange):
    NAME = "exportcatalogue"
    DISPLAY = "Export service catalogue"
    HELP = ("Writes the catalogue in an exchange format. <b>Open Referral HSDS 3.0</b>: organizations, services, "
            "locations, services at locations, weekly schedules, languages, phones and accessibility, as JSON or as "
            "the tabular package (a folder of CSV files with datapackage.json; give the folder's name as the output); "
            "categories are terms of the taxonomy capacitymetro-categories; the opening-hours rules HSDS cannot say "
            "(public holidays, months, week numbers) are listed as warnings and kept as written in an attribute. "
            "<b>CSV</b> for spreadsheets: categories and languages separated by ;, lon/lat columns. <b>osmChange</b>: "
            "a draft of new OpenStreetMap nodes for review; nothing is uploaded.")
    FORMATS = (("hsds-json", "Open Referral HSDS 3.0, JSON"), ("hsds-csv", "Open Referral HSDS 3.0, CSV package"),
               ("csv", "CSV for spreadsheets"), ("osmchange", "OpenStreetMap osmChange draft"))

    def initAlgorithm(self, config=None):  # noqa: N802
        self.addParameter(QgsProcessingParameterFeatureSource(
            self.SERVICES, self.tr("Service catalogue (points)"), [QgsProcessing.TypeVectorPoint]))
        self.add_format()
        self.addParameter(QgsProcessingParameterFileDestination(
            self.OUTPUT, self.tr("Output file (a folder for the HSDS CSV package)"),
            self.tr("JSON (*.json);;CSV (*.csv);;osmChange (*.osc);;All files (*)")))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        services = self.export(parameters, self.SERVICES, context, feedback)
        out = self.parameterAsFileOutput(parameters, self.OUTPUT, context)
        done = self.run(self.exchange().export_catalogue, parameters, context, feedback, services, out)
        return {self.OUTPUT: out, self.SERVICES_COUNT: done["services"]}


class ImportCatalogue(_Exchange):
    NAME = "importcatalogue"
    DISPLAY = "Import service catalogue"
    HELP = ("Reads an exchange format into a catalogue GeoPackage (layer services) or CSV file, checked by the core. "
            "<b>Open Referral HSDS 3.0</b> JSON, or the tabular package (choose its datapackage.json): weekly "
            "schedules become OpenStreetMap opening_hours (two schedules a day, as a lunch closure, give one rule "
            "with two spans); what opening_hours cannot say is listed as a warning. <b>CSV</b> for spreadsheets. "
            "<b>OpenStreetMap PBF</b>: candidate desks (social facilities for migrants, refugees or outreach, NGO "
            "offices, community centres, language schools, healthcare), ways at their centroid, with categories "
            "guessed from the tags for the office to review; needs pyosmium for QGIS's Python.")
    SOURCE = "SOURCE"
    FORMATS = (("hsds-json", "Open Referral HSDS 3.0, JSON"), ("hsds-csv", "Open Referral HSDS 3.0, CSV package"),
               ("csv", "CSV for spreadsheets"), ("osm-pbf", "OpenStreetMap PBF (candidate desks)"))

    def initAlgorithm(self, config=None):  # noqa: N802
        self.addParameter(QgsProcessingParameterFile(self.SOURCE, self.tr("File to read")))
        self.add_format()
        self.addParameter(QgsProcessingParameterFileDestination(
            self.OUTPUT, self.tr("Catalogue"), self.tr("GeoPackage (*.gpkg);;CSV (*.csv)")))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        source = self.parameterAsFile(parameters, self.SOURCE, context)
        out = self.parameterAsFileOutput(parameters, self.OUTPUT, context)
        done = self.run(self.exchange().import_catalogue, parameters, context, feedback, source, out)
        if out.lower().endswith(".gpkg"):
            context.addLayerToLoadOnCompletion(f"{out}|layername=services", QgsProcessingContext.LayerDetails(
                self.tr("Services (imported)"), context.project(), self.OUTPUT))
        return {self.OUTPUT: out, self.SERVICES_COUNT: done["services"]}
