"""What every CapaCityMetro algorithm shares: translation, instances, the
core, and the parameters, made from the core's parameter table
(``core.job_specs()``) so that names, defaults, limits and help are the
core's own; exporting QGIS layers for the core, progress, errors, and
loading the layers the result lists."""

from __future__ import annotations

import importlib
import warnings

from qgis.core import (
    QgsProcessing,
    QgsProcessingAlgorithm,
    QgsProcessingContext,
    QgsProcessingException,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterDefinition,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterFile,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterFolderDestination,
    QgsProcessingParameterNumber,
    QgsProcessingParameterString,
    QgsProcessingUtils,
    QgsSettings,
    QgsVectorFileWriter,
)
from qgis.PyQt.QtCore import QCoreApplication

from ...core import load_core

#: Layer geometry the table names -> QGIS layer types.
GEOMETRIES = {
    "point": [QgsProcessing.TypeVectorPoint],
    "polygon": [QgsProcessing.TypeVectorPolygon],
    "point_or_polygon": [QgsProcessing.TypeVectorPoint, QgsProcessing.TypeVectorPolygon],
    "line": [QgsProcessing.TypeVectorLine],
}
PAIR_SEPARATOR = ":"


def tr(text: str) -> str:
    return QCoreApplication.translate("CapaCityMetro", text)


def language() -> str:
    return (QgsSettings().value("locale/userLocale", "") or "en")[:2]


def key(name: str) -> str:
    """A parameter's key in QGIS: the table's name in capitals."""
    return name.upper()


def label(parameter: dict) -> str:
    """The first sentence of the parameter's help, in Italian or English, with its unit."""
    text = parameter["help_it"] if language() == "it" and parameter["help_it"] else parameter["help_en"]
    first = text.split(". ")[0].rstrip(".")
    return f"{first} ({parameter['unit']})" if parameter["unit"] else first


def numbers_text(parameter: dict) -> str:
    default = parameter["default"] or []
    if parameter["kind"] == "pairs":
        return ", ".join(f"{a:g}{PAIR_SEPARATOR}{b:g}" for a, b in default)
    return ", ".join(f"{v:g}" for v in default)


class CapaCityMetroAlgorithm(QgsProcessingAlgorithm):
    """Subclasses set NAME and DISPLAY; those that run a core job set JOB
    (its parameters and help come from the core) and may override report()."""

    NAME = ""
    DISPLAY = ""
    HELP = ""
    JOB = ""

    SERVICES = "SERVICES"
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
        if not self.JOB:
            return self.tr(self.HELP)
        spec = self.spec()
        lines = [spec["help_it"] if language() == "it" else spec["help_en"], ""]
        for p in spec["parameters"]:
            help_text = p["help_it"] if language() == "it" and p["help_it"] else p["help_en"]
            lines.append(f"<b>{key(p['name'])}</b>: {help_text}")
        return "<br>".join(lines)

    # -- the core -------------------------------------------------------
    @staticmethod
    def core():
        module, message = load_core()
        if module is None:
            raise QgsProcessingException(message)
        return module

    def spec(self) -> dict:
        return next(s for s in self.core().job_specs() if s["name"] == self.JOB)

    def call(self, function, *args, feedback=None, **kwargs):
        """Runs a core function; its errors become Processing errors with the
        core's message, its warnings (implausible input) go to the log."""
        core = self.core()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", core.CapacityMetroWarning)
            try:
                result = function(*args, **kwargs)
            except core.CancelledError:
                raise QgsProcessingException(self.tr("Cancelled.")) from None
            except core.CapacityMetroError as error:
                raise QgsProcessingException(str(error)) from None
        for warning in caught:
            if feedback is not None and issubclass(warning.category, core.CapacityMetroWarning):
                feedback.pushWarning(str(warning.message))
        return result

    @staticmethod
    def progress(feedback, start: float = 0.0, end: float = 100.0):
        """A core progress callback: reports to QGIS, and stops when cancelled."""
        def report(done: int, total: int) -> bool:
            if total:
                feedback.setProgress(start + (end - start) * done / total)
            return not feedback.isCanceled()
        return report

    def category_labels(self):
        return [c["labels"].get(language(), c["labels"]["en"]) for c in self.core().vocabulary()]

    # -- parameters from the table --------------------------------------
    def initAlgorithm(self, config=None):  # noqa: N802
        for parameter in self.spec()["parameters"]:
            definition = self.definition(parameter)
            if parameter["advanced"]:
                definition.setFlags(definition.flags() | QgsProcessingParameterDefinition.FlagAdvanced)
            self.addParameter(definition)

    def definition(self, p: dict):
        name, kind, default = key(p["name"]), p["kind"], p["default"]
        optional = not p["required"] and default is None
        text = label(p)
        if kind == "layer":
            return QgsProcessingParameterFeatureSource(name, text, GEOMETRIES[p["geometry"]], optional=optional)
        if kind == "field":
            # optional even with a default: the core applies it, and the parent layer may be absent
            return QgsProcessingParameterField(name, text, defaultValue=default, parentLayerParameterName=key(p["parent"]),
                                               optional=not p["required"])
        if kind == "file":
            return QgsProcessingParameterFile(name, text, optional=optional)
        if kind == "output":
            network = self.JOB == "network_build"
            file_filter = self.tr("CapaCityMetro network (*.cmnet)") if network else self.tr("GeoPackage (*.gpkg)")
            return QgsProcessingParameterFileDestination(name, text, file_filter)
        if kind == "folder":
            return QgsProcessingParameterFolderDestination(name, text)
        if kind in ("number", "integer"):
            number = QgsProcessingParameterNumber.Integer if kind == "integer" else QgsProcessingParameterNumber.Double
            definition = QgsProcessingParameterNumber(name, text, number, defaultValue=default, optional=optional)
            if p["min"] is not None:
                definition.setMinimum(p["min"])
            if p["max"] is not None:
                definition.setMaximum(p["max"])
            return definition
        if kind == "bool":
            return QgsProcessingParameterBoolean(name, text, defaultValue=default)
        if kind == "choice":
            return QgsProcessingParameterEnum(name, text, options=p["choices"], defaultValue=p["choices"].index(default))
        if kind in ("category", "categories"):
            multiple = kind == "categories"
            return QgsProcessingParameterEnum(name, text, options=self.category_labels(), allowMultiple=multiple,
                                              optional=multiple, defaultValue=None)
        if kind in ("numbers", "pairs"):
            return QgsProcessingParameterString(name, text, defaultValue=numbers_text(p))
        if kind == "files":
            return QgsProcessingParameterString(name, text + " (" + self.tr("paths separated by ;") + ")", optional=True)
        return QgsProcessingParameterString(name, text, defaultValue=default, optional=not p["required"])

    def value(self, p: dict, parameters, context, feedback):
        """A parameter's value for the core, or None to leave the core's default."""
        name, kind = key(p["name"]), p["kind"]
        if kind == "layer":
            if self.parameterAsVectorLayer(parameters, name, context) is None:
                return None
            return self.export(parameters, name, context, feedback)
        if kind in ("output", "folder"):
            return self.parameterAsFileOutput(parameters, name, context)
        if parameters.get(name) in (None, "", []):
            return None
        if kind in ("field", "text"):
            return self.parameterAsString(parameters, name, context) or None
        if kind == "file":
            return self.parameterAsFile(parameters, name, context) or None
        if kind == "files":
            return [f.strip() for f in self.parameterAsString(parameters, name, context).split(";") if f.strip()] or None
        if kind == "number":
            return self.parameterAsDouble(parameters, name, context)
        if kind == "integer":
            return self.parameterAsInt(parameters, name, context)
        if kind == "bool":
            return self.parameterAsBool(parameters, name, context)
        if kind == "choice":
            return p["choices"][self.parameterAsEnum(parameters, name, context)]
        ids = [c["id"] for c in self.core().vocabulary()]
        if kind == "category":
            return ids[self.parameterAsEnum(parameters, name, context)]
        if kind == "categories":
            return [ids[i] for i in self.parameterAsEnums(parameters, name, context)] or None
        return self.numbers(p, self.parameterAsString(parameters, name, context))

    def numbers(self, p: dict, text: str):
        try:
            items = [item.strip() for item in text.split(",") if item.strip()]
            if p["kind"] == "pairs":
                return [[float(x) for x in item.split(PAIR_SEPARATOR)] for item in items]
            return [float(item) for item in items]
        except ValueError:
            raise QgsProcessingException(
                f"{key(p['name'])}: " + self.tr("numbers separated by commas (pairs as minutes:weight)")) from None

    # -- running --------------------------------------------------------
    def job_function(self):
        core = self.core()
        if self.JOB == "web_data":  # the privacy step and the page around the core's data
            return importlib.import_module(core.__name__ + ".publish.web").publish_web
        return {"coverage": core.coverage, "travel_areas": core.travel_areas, "accessibility": core.accessibility,
                "siting": core.suggest_sites, "network_build": core.build_network}[self.JOB]

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        options, outputs = {}, {}
        for p in self.spec()["parameters"]:
            value = self.value(p, parameters, context, feedback)
            if value is not None:
                options[p["name"]] = value
            if p["kind"] in ("output", "folder"):
                outputs[key(p["name"])] = value
        if self.JOB != "network_build":
            options["progress"] = self.progress(feedback)
        result = self.call(self.job_function(), feedback=feedback, **options)
        self.report(result, feedback)
        output = options.get("output")
        for layer in result.get("layers", []):
            details = QgsProcessingContext.LayerDetails(layer, context.project(), layer)
            context.addLayerToLoadOnCompletion(f"{output}|layername={layer}", details)
        return outputs

    def report(self, result, feedback):
        """Tells the user what the job found; the default says nothing."""

    # -- inputs ---------------------------------------------------------
    def export(self, parameters, name, context, feedback) -> str:
        """Writes a layer (any provider, CRS kept) to a temporary GeoPackage for the core."""
        layer = self.parameterAsVectorLayer(parameters, name, context)
        if layer is None:
            raise QgsProcessingException(self.tr("Invalid layer: ") + name)
        path = QgsProcessingUtils.generateTempFilename(f"{name.lower()}.gpkg")
        options = QgsVectorFileWriter.SaveVectorOptions()
        options.driverName = "GPKG"
        options.layerName = layer.name() or name.lower()
        error, message, *_ = QgsVectorFileWriter.writeAsVectorFormatV3(layer, path, context.transformContext(), options)
        if error != QgsVectorFileWriter.NoError:
            raise QgsProcessingException(f"{layer.name()}: {message}")
        return path
