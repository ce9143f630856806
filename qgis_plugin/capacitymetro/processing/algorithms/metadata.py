"""RNDT metadata records (ISO 19139) of the public layers of a results
GeoPackage. The work is the core package's ``publish.metadata`` module, as
for the CLI's ``capacitymetro publish metadata``; the options are the CLI's,
with the defaults the CLI reads (``MetadataOptions``, ``write_metadata``)."""

import importlib
import importlib.util
import inspect

from qgis.core import (
    QgsProcessingException,
    QgsProcessingOutputNumber,
    QgsProcessingParameterDefinition,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFolderDestination,
    QgsProcessingParameterNumber,
    QgsProcessingParameterString,
    QgsProcessingParameterVectorLayer,
    QgsProviderRegistry,
)

from .base import CapaCityMetroAlgorithm


class WriteMetadata(CapaCityMetroAlgorithm):
    NAME = "writemetadata"
    DISPLAY = "Write RNDT metadata"
    HELP = ("Writes one ISO 19139 metadata record per public map layer of a results GeoPackage, and one for the WMS "
            "when its URL is given, following RNDT 2.0 (the Italian profile of ISO 19115/19139 and INSPIRE): "
            "identifiers prefixed by the iPA code of the administration, titles and abstracts from the results' "
            "schema, extent, CRS, lineage, licence, INSPIRE and GEMET keywords. The public layers are those the "
            "publishing commands serve (counts under the threshold suppressed). A record whose content has not "
            "changed is left as it is, so a catalogue harvesting the folder again updates its records. As the "
            "command line's <b>capacitymetro publish metadata</b>; the records written are listed in the log.")
    RESULTS = "RESULTS"
    OUTPUT = "OUTPUT"
    IPA = "IPA"
    CONTACT_EMAIL = "CONTACT_EMAIL"
    CONTACT_NAME = "CONTACT_NAME"
    ORGANISATION = "ORGANISATION"
    LICENCE = "LICENCE"
    WMS_URL = "WMS_URL"
    RECORDS_URL = "RECORDS_URL"
    SCALE = "SCALE"
    THRESHOLD = "THRESHOLD"
    RECORDS = "RECORDS"

    def module(self):
        return importlib.import_module(f"{self.core().__name__}.publish.metadata")

    def initAlgorithm(self, config=None):  # noqa: N802
        module = self.module()
        defaults = module.MetadataOptions
        threshold = inspect.signature(module.write_metadata).parameters["threshold"].default
        licences = list(module.LICENCES)
        self.addParameter(QgsProcessingParameterVectorLayer(
            self.RESULTS, self.tr("Results GeoPackage (one of its layers, or the file)")))
        self.addParameter(QgsProcessingParameterFolderDestination(self.OUTPUT, self.tr("Folder of the records")))
        self.addParameter(QgsProcessingParameterString(
            self.IPA, self.tr("iPA code of the administration (the prefix of every record's identifier)")))
        self.addParameter(QgsProcessingParameterString(self.CONTACT_EMAIL, self.tr("E-mail of the point of contact")))
        self.addParameter(QgsProcessingParameterString(
            self.CONTACT_NAME, self.tr("Name of the point of contact (a person or an office)"), optional=True))
        self.addParameter(QgsProcessingParameterString(
            self.ORGANISATION, self.tr("Responsible organisation"), defaultValue=defaults.organisation))
        self.addParameter(QgsProcessingParameterEnum(
            self.LICENCE, self.tr("Licence of the data"), options=licences, defaultValue=licences.index(defaults.licence)))
        self.addParameter(QgsProcessingParameterString(
            self.WMS_URL, self.tr("Public WMS URL the layers are served at (the service record needs it)"), optional=True))
        advanced = [
            QgsProcessingParameterString(
                self.RECORDS_URL, self.tr("Public URL the records' folder is served at (default: their file:// addresses)"),
                optional=True),
            QgsProcessingParameterNumber(
                self.SCALE, self.tr("Denominator of the equivalent scale of the layers"),
                QgsProcessingParameterNumber.Integer, defaultValue=defaults.scale, minValue=1),
            QgsProcessingParameterNumber(
                self.THRESHOLD, self.tr("Suppression threshold of the published layers (stated in the lineage)"),
                QgsProcessingParameterNumber.Double, defaultValue=threshold, minValue=0),
        ]
        for definition in advanced:
            definition.setFlags(definition.flags() | QgsProcessingParameterDefinition.FlagAdvanced)
            self.addParameter(definition)
        self.addOutput(QgsProcessingOutputNumber(self.RECORDS, self.tr("Records")))

    def text(self, parameters, name, context):
        """A string parameter, stripped; None when empty (the core's default)."""
        return (self.parameterAsString(parameters, name, context) or "").strip() or None

    def results(self, parameters, context) -> str:
        """The GeoPackage's path, from a file or a GeoPackage layer (its source: path|layername=...)."""
        layer = self.parameterAsVectorLayer(parameters, self.RESULTS, context)
        path = QgsProviderRegistry.instance().decodeUri("ogr", layer.source()).get("path") if layer is not None else None
        if layer is None or layer.providerType() != "ogr" or not path:
            raise QgsProcessingException(self.tr("Not a layer of a GeoPackage file: choose a layer of a CapaCityMetro "
                                                 "results GeoPackage, or the file."))
        return path

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        module = self.module()
        results = self.results(parameters, context)
        ipa = self.text(parameters, self.IPA, context)
        if ipa is None:
            raise QgsProcessingException(self.tr("The iPA code of the administration is required: it prefixes every "
                                                 "record's identifier (e.g. c_l736)."))
        licences = list(module.LICENCES)
        options = {"ipa": ipa, "contact_email": self.text(parameters, self.CONTACT_EMAIL, context),
                   "contact_name": self.text(parameters, self.CONTACT_NAME, context),
                   "licence": licences[self.parameterAsEnum(parameters, self.LICENCE, context)],
                   "wms_url": self.text(parameters, self.WMS_URL, context),
                   "records_url": self.text(parameters, self.RECORDS_URL, context),
                   "scale": self.parameterAsInt(parameters, self.SCALE, context)}
        organisation = self.text(parameters, self.ORGANISATION, context)
        if organisation is not None:
            options["organisation"] = organisation
        out = self.parameterAsFileOutput(parameters, self.OUTPUT, context)
        threshold = self.parameterAsDouble(parameters, self.THRESHOLD, context)
        try:
            done = self.call(module.write_metadata, results, out, module.MetadataOptions(**options),
                             threshold=threshold, feedback=feedback)
        except QgsProcessingException as error:
            if "pyproj" in str(error) and importlib.util.find_spec("pyproj") is None:
                raise QgsProcessingException(str(error) + self.tr(
                    " — for QGIS's Python: install python3-pyproj (Debian, Ubuntu) or run "
                    "/usr/bin/python3 -m pip install pyproj")) from None
            raise
        records = done["records"]
        feedback.pushInfo(self.tr("RNDT records: {changed} of {total} written in {folder}, the others unchanged").format(
            changed=sum(r["changed"] for r in records), total=len(records), folder=done["out_dir"]))
        for record in records:
            what = self.tr("service (WMS)") if record["kind"] == "service" else record["layer"]
            feedback.pushInfo(f"  {what}: {record['file']}  {record['file_identifier']}")
        for warning in done["warnings"]:
            feedback.pushWarning(warning)
        return {self.OUTPUT: out, self.RECORDS: len(records)}
