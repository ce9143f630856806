"""What every CapaCityMetro algorithm shares: translation, instances, the
core, exporting QGIS layers for it, progress and errors."""

from __future__ import annotations

from qgis.core import (
    QgsProcessing,
    QgsProcessingAlgorithm,
    QgsProcessingContext,
    QgsProcessingException,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterFile,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterNumber,
    QgsProcessingUtils,
    QgsSettings,
    QgsVectorFileWriter,
)
from qgis.PyQt.QtCore import QCoreApplication

from ...core import load_core

MODES = ("walk", "bike", "car")


def tr(text: str) -> str:
    return QCoreApplication.translate("CapaCityMetro", text)


class CapaCityMetroAlgorithm(QgsProcessingAlgorithm):
    """Subclasses set NAME, DISPLAY and HELP (English; translated by tr)."""

    NAME = ""
    DISPLAY = ""
    HELP = ""

    # Parameter keys shared by several algorithms.
    SERVICES = "SERVICES"
    DEMAND = "DEMAND"
    POPULATION_FIELD = "POPULATION_FIELD"
    ID_FIELD = "ID_FIELD"
    NAME_FIELD = "NAME_FIELD"
    CATEGORIES = "CATEGORIES"
    MINUTES = "MINUTES"
    MODE = "MODE"
    NETWORK = "NETWORK"
    OUTPUT = "OUTPUT"

    def tr(self, text: str) -> str:
        return tr(text)

    def createInstance(self):  # noqa: N802 (QGIS's names)
        return type(self)()

    def name(self):
        return self.NAME

    def displayName(self):  # noqa: N802
        return self.tr(self.DISPLAY)

    def shortHelpString(self):  # noqa: N802
        return self.tr(self.HELP)

    # -- the core -------------------------------------------------------
    @staticmethod
    def core():
        module, message = load_core()
        if module is None:
            raise QgsProcessingException(message)
        return module

    def call(self, function, *args, **kwargs):
        """Runs a core function; its errors become Processing errors with the core's message."""
        core = self.core()
        try:
            return function(*args, **kwargs)
        except core.CancelledError:
            raise QgsProcessingException(self.tr("Cancelled.")) from None
        except core.CapacityMetroError as error:
            raise QgsProcessingException(str(error)) from None

    @staticmethod
    def progress(feedback, start: float = 0.0, end: float = 100.0):
        """A core progress callback: reports to QGIS, and stops when cancelled."""
        def report(done: int, total: int) -> bool:
            if total:
                feedback.setProgress(start + (end - start) * done / total)
            return not feedback.isCanceled()
        return report

    # -- parameters -----------------------------------------------------
    def category_labels(self):
        language = (QgsSettings().value("locale/userLocale", "") or "en")[:2]
        return [c["labels"].get(language, c["labels"]["en"]) for c in self.core().vocabulary()]

    def category_ids(self, parameters, context, key=CATEGORIES):
        """The chosen category ids; None (all) when the parameter is left empty."""
        if parameters.get(key) in (None, "", []):
            return None
        ids = [c["id"] for c in self.core().vocabulary()]
        return [ids[i] for i in self.parameterAsEnums(parameters, key, context)] or None

    def add_services(self):
        self.addParameter(QgsProcessingParameterFeatureSource(
            self.SERVICES, self.tr("Service catalogue (points)"), [QgsProcessing.TypeVectorPoint]))

    def add_demand(self, fields=True):
        self.addParameter(QgsProcessingParameterFeatureSource(
            self.DEMAND, self.tr("Demand units (points or polygons)"),
            [QgsProcessing.TypeVectorPoint, QgsProcessing.TypeVectorPolygon]))
        if fields:
            self.addParameter(QgsProcessingParameterField(
                self.POPULATION_FIELD, self.tr("Population field"), parentLayerParameterName=self.DEMAND,
                type=QgsProcessingParameterField.Numeric))
            self.addParameter(QgsProcessingParameterField(
                self.ID_FIELD, self.tr("Identifier field"), parentLayerParameterName=self.DEMAND, optional=True))
            self.addParameter(QgsProcessingParameterField(
                self.NAME_FIELD, self.tr("Name field"), parentLayerParameterName=self.DEMAND, optional=True))

    def add_categories(self, multiple=True):
        self.addParameter(QgsProcessingParameterEnum(
            self.CATEGORIES, self.tr("Categories (all when none is chosen)") if multiple else self.tr("Category"),
            options=self.category_labels(), allowMultiple=multiple, optional=multiple,
            defaultValue=None if multiple else 0))

    def add_minutes(self, label, default):
        self.addParameter(QgsProcessingParameterNumber(
            self.MINUTES, label, QgsProcessingParameterNumber.Double, defaultValue=default, minValue=0.1))

    def add_travel(self, network_optional=True):
        self.addParameter(QgsProcessingParameterEnum(
            self.MODE, self.tr("Travel mode"), options=[self.tr("Walk"), self.tr("Bike"), self.tr("Car")],
            defaultValue=0))
        self.addParameter(QgsProcessingParameterFile(
            self.NETWORK, self.tr("Road network (.cmnet, OSM .pbf or line layer; straight lines when empty)")
            if network_optional else self.tr("Road network (.cmnet, OSM .pbf or line layer)"),
            optional=network_optional))

    def add_output(self, label=None):
        self.addParameter(QgsProcessingParameterFileDestination(
            self.OUTPUT, label or self.tr("Output GeoPackage"), self.tr("GeoPackage (*.gpkg)")))

    # -- inputs and outputs ---------------------------------------------
    def export(self, parameters, key, context, feedback) -> str:
        """Writes a layer (any provider, CRS kept) to a temporary GeoPackage for the core."""
        layer = self.parameterAsVectorLayer(parameters, key, context)
        if layer is None:
            raise QgsProcessingException(self.tr("Invalid layer: ") + key)
        path = QgsProcessingUtils.generateTempFilename(f"{key.lower()}.gpkg")
        options = QgsVectorFileWriter.SaveVectorOptions()
        options.driverName = "GPKG"
        options.layerName = layer.name() or key.lower()
        error, message, *_ = QgsVectorFileWriter.writeAsVectorFormatV3(layer, path, context.transformContext(), options)
        if error != QgsVectorFileWriter.NoError:
            raise QgsProcessingException(f"{layer.name()}: {message}")
        return path

    def mode(self, parameters, context) -> str:
        return MODES[self.parameterAsEnum(parameters, self.MODE, context)]

    def network(self, parameters, context):
        path = self.parameterAsFile(parameters, self.NETWORK, context)
        if not path:
            return None
        core = self.core()
        return self.call(core.open_network, path)

    def field(self, parameters, key, context):
        return self.parameterAsString(parameters, key, context) or None

    @staticmethod
    def load_on_completion(context, path, layers):
        for layer in layers:
            details = QgsProcessingContext.LayerDetails(layer, context.project(), layer)
            context.addLayerToLoadOnCompletion(f"{path}|layername={layer}", details)
