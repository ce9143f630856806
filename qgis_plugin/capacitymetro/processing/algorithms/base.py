"""What every CapaCityMetro algorithm shares: translation, instances, the
core, and the parameters, made from the core's parameter table
(``core.job_specs()``) so that names, defaults, limits and help are the
core's own; exporting QGIS layers for the core, progress, errors, and
loading the layers the result lists: styled, named and grouped."""

from __future__ import annotations

import importlib
import sqlite3
import time
import warnings
from contextlib import closing
from pathlib import Path

from qgis.core import (
    QgsLayerTree,
    QgsLayerTreeGroup,
    QgsLayerTreeNode,
    QgsProcessing,
    QgsProcessingAlgorithm,
    QgsProcessingContext,
    QgsProcessingException,
    QgsProcessingFeedback,
    QgsProcessingLayerPostProcessorInterface,
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
    QgsProject,
    QgsSettings,
    QgsVectorFileWriter,
    QgsVectorLayer,
)
from qgis.PyQt.QtCore import QCoreApplication
from qgis.PyQt.QtGui import QIcon

from ...core import HELP_URL, load_core

ICONS = Path(__file__).resolve().parents[2] / "icons"

#: Layer geometry the table names -> QGIS layer types.
GEOMETRIES = {
    "point": [QgsProcessing.TypeVectorPoint],
    "polygon": [QgsProcessing.TypeVectorPolygon],
    "point_or_polygon": [QgsProcessing.TypeVectorPoint, QgsProcessing.TypeVectorPolygon],
    "line": [QgsProcessing.TypeVectorLine],
}
PAIR_SEPARATOR = ":"
#: Decimals shown in the dialog (QGIS shows six): by unit, minutes and metres
#: to a tenth, speeds to a hundredth; of the numbers without a unit, the
#: percentile to a tenth, while the rest keep six (an index threshold may be
#: as small as 0.001, a decay exponent -1.25).
DECIMALS = {"min": 1, "m": 1, "m/s": 2, "percentile": 1}


def tr(text: str) -> str:
    return QCoreApplication.translate("CapaCityMetro", text)


def language() -> str:
    return (QgsSettings().value("locale/userLocale", "") or "en")[:2]


def key(name: str) -> str:
    """A parameter's key in QGIS: the table's name in capitals."""
    return name.upper()


def help_text(parameter: dict) -> str:
    return parameter["help_it"] if language() == "it" and parameter["help_it"] else parameter["help_en"]


def label(parameter: dict) -> str:
    """The first sentence of the parameter's help, in Italian or English, with its unit."""
    first = help_text(parameter).split(". ")[0].rstrip(".")
    return f"{first} ({parameter['unit']})" if parameter["unit"] else first


def numbers_text(parameter: dict) -> str:
    default = parameter["default"] or []
    if parameter["kind"] == "pairs":
        return ", ".join(f"{a:g}{PAIR_SEPARATOR}{b:g}" for a, b in default)
    return ", ".join(f"{v:g}" for v in default)


def population(value: float) -> str:
    """Residents as the CLI prints them: whole, thousands apart by a space."""
    return f"{value:,.0f}".replace(",", " ")


# -- loading the results ------------------------------------------------
#: Marks the layer-tree groups that hold one run's layers.
RUN_GROUP = "capacitymetro/run"
#: Every result post-processor of the session: QGIS keeps only a raw pointer to
#: each (in the run's context), so Python must keep the object alive.
POST_PROCESSORS: list = []


def stored_layers(path: str) -> tuple[dict, set]:
    """What the core wrote beside the data: each layer's title in the QGIS
    language (``capacitymetro_layers``) and the layers with a default style
    (``layer_styles``)."""
    column = "title_it" if language() == "it" else "title_en"
    try:
        with closing(sqlite3.connect(path)) as db:
            titles = {name: title for name, title in db.execute(f"select layer_name, {column} from capacitymetro_layers")
                      if title}
            styled = {name for name, in db.execute("select f_table_name from layer_styles where useAsDefault")}
    except sqlite3.Error:  # not written by the core: the table names serve, with no style
        return {}, set()
    return titles, styled


class ResultRun:
    """One run's layers in the project: together in one layer-tree group named
    after the run, each named so that it is told apart from every other layer
    (inputs, earlier runs)."""

    def __init__(self, algorithm: str, description: str, layers: list):
        self.group_title = tr("CapaCityMetro — {algorithm}").format(algorithm=algorithm)
        self.description = description
        self.layers = layers  # the core's order, kept within each geometry
        self.tables: dict = {}  # layer id -> table
        self.group_name = ""

    def unique_name(self, project: QgsProject, layer, title: str) -> str:
        taken = {other.name() for other in project.mapLayers().values() if other.id() != layer.id()}
        name, n = title, 1
        while name in taken:
            name = f"{title} ({self.description})" if n == 1 else f"{title} ({self.description}, {n})"
            n += 1
        return name

    def group(self, root: QgsLayerTreeGroup, parent: QgsLayerTreeGroup) -> QgsLayerTreeGroup:
        """The run's group, found by its name (unique in the project) wherever
        the layer was added: the desktop adds layers into the group selected
        in the Layers panel, often this one or an earlier run's. Made on top
        where Processing put the first layer (the tree's root, or the user's
        results group, but not inside a run's group); numbered when an
        earlier run's group has the same name."""
        group = root.findGroup(self.group_name) if self.group_name else None
        if group is None:
            while parent.customProperty(RUN_GROUP) and parent.parent() is not None:
                parent = parent.parent()
            self.group_name, n = self.group_title, 2
            while root.findGroup(self.group_name) is not None:
                self.group_name, n = f"{self.group_title} ({n})", n + 1
            group = parent.insertGroup(0, self.group_name)
            group.setCustomProperty(RUN_GROUP, True)
        return group

    def drawing_order(self, node: QgsLayerTreeNode) -> tuple:
        """Points over lines over polygons over tables, as a map is read."""
        layer = node.layer() if QgsLayerTree.isLayer(node) else None
        table = self.tables.get(layer.id()) if layer is not None else None
        return (int(layer.geometryType()) if isinstance(layer, QgsVectorLayer) else 9,
                self.layers.index(table) if table in self.layers else len(self.layers))

    def place(self, project: QgsProject, layer, table: str) -> None:
        node = project.layerTreeRoot().findLayer(layer.id())
        if node is None or layer.id() in self.tables:  # not in the tree, or placed already
            return
        group = self.group(project.layerTreeRoot(), node.parent())
        self.tables[layer.id()] = table
        order = self.drawing_order(node)
        # after the last node drawn before it, not counting itself (the desktop may have added it to the group)
        before = [i for i, child in enumerate(group.children()) if self.drawing_order(child) <= order
                  and not (QgsLayerTree.isLayer(child) and child.layerId() == layer.id())]
        # the clone goes in first: a layer no longer in the tree leaves the project
        group.insertChildNode(before[-1] + 1 if before else 0, node.clone())
        node.parent().removeChildNode(node)


class ResultLayer(QgsProcessingLayerPostProcessorInterface):
    """Finishes a result layer once Processing has loaded it. QGIS 3.22 loads
    it (QgsProcessingUtils.mapLayerFromString) without the default style the
    core stored in the GeoPackage, names it after its table (often an input's
    name, e.g. "services") and puts it at the top of the tree."""

    def __init__(self, run: ResultRun, table: str, title: str, styled: bool):
        super().__init__()
        self.run, self.table, self.title, self.styled = run, table, title, styled

    def postProcessLayer(self, layer, context: QgsProcessingContext, feedback: QgsProcessingFeedback):  # noqa: N802
        if self.styled:
            message, loaded = layer.loadDefaultStyle()
            if not loaded:
                feedback.pushWarning(self.title + ": " + tr("the stored style could not be loaded: ") + message)
            else:
                layer.triggerRepaint()
        project = context.project() or QgsProject.instance()
        layer.setName(self.run.unique_name(project, layer, self.title))
        self.run.place(project, layer, self.table)


class CapaCityMetroAlgorithm(QgsProcessingAlgorithm):
    """Subclasses set NAME and DISPLAY; those that run a core job set JOB
    (its parameters and help come from the core) and may override report()."""

    NAME = ""
    DISPLAY = ""
    HELP = ""
    JOB = ""
    #: What the services' capacity means to the algorithm.
    SUPPLY = ("The services' <b>capacity</b> field (users per week) is not used here: every service counts alike; "
              "a service counts for each of its <b>categories</b> (ids separated by ;).")
    #: The layers (or files) written, with their fields' units; by hand, since
    #: the core reports the layer names only after a run.
    OUTPUTS = ""

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

    def icon(self):
        return QIcon(self.svgIconPath())

    def svgIconPath(self):  # noqa: N802
        return str(ICONS / f"{self.NAME}.svg")

    def helpUrl(self):  # noqa: N802
        return HELP_URL

    def shortHelpString(self):  # noqa: N802
        """What it does, what the capacity is to it, what it writes in which
        units and at what speeds; each parameter's full help is its tooltip."""
        if not self.JOB:
            return self.tr(self.HELP)
        spec = self.spec()
        parts = [spec["help_it"] if language() == "it" else spec["help_en"]]
        parts += [self.tr(text) for text in (self.SUPPLY, self.OUTPUTS) if text]
        mode = next((p for p in spec["parameters"] if p["name"] == "mode"), None)
        if mode is not None:
            parts.append(self.speeds(mode["choices"]))
        parts.append(self.tr("Each parameter's tooltip has its full help."))
        return "".join(f"<p>{part}</p>" for part in parts)

    def speeds(self, modes: list) -> str:
        """The straight-line speeds, from the core so that they are not copied."""
        def km_h(mode):
            text = f"{self.core().default_speed_m_s(mode) * 3.6:.3g} km/h"
            return text.replace(".", ",") if language() == "it" else text
        return self.tr("Without a network, travel is a straight line times a detour factor at {speeds}; transit: "
                       "rides by the GTFS timetables, walking legs at {walk}. On a network, at its roads' speeds.").format(
            speeds=", ".join(f"{mode} {km_h(mode)}" for mode in modes if mode != "transit"), walk=km_h("transit"))

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

    def labels(self) -> dict:
        """Category id -> its name in the QGIS language."""
        return {c["id"]: c["labels"].get(language(), c["labels"]["en"]) for c in self.core().vocabulary()}

    def category_labels(self):
        return list(self.labels().values())

    # -- parameters from the table --------------------------------------
    def initAlgorithm(self, config=None):  # noqa: N802
        for parameter in self.spec()["parameters"]:
            definition = self.definition(parameter)
            definition.setHelp(help_text(parameter))  # the dialog's tooltip
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
            decimals = 0 if kind == "integer" else DECIMALS.get(p["unit"] or p["name"])
            if decimals is not None:
                definition.setMetadata({"widget_wrapper": {"decimals": decimals}})
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
                "siting": core.suggest_sites, "network_build": core.build_network, "needs": core.needs}[self.JOB]

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
        if result.get("layers"):
            self.load_on_completion(output, result["layers"], context)
        return outputs

    def load_on_completion(self, output: str, layers: list, context: QgsProcessingContext) -> None:
        """Asks Processing to load the result layers, each with the post-processor
        that styles, names and groups it."""
        titles, styled = stored_layers(output)
        temporary = Path(QgsProcessingUtils.tempFolder()).resolve() in Path(output).resolve().parents
        run = ResultRun(self.displayName(), time.strftime("%H:%M") if temporary else Path(output).stem, layers)
        for layer in layers:
            title = titles.get(layer, layer)
            details = QgsProcessingContext.LayerDetails(title, context.project(), layer)
            details.forceName = True
            processor = ResultLayer(run, layer, title, layer in styled)
            POST_PROCESSORS.append(processor)
            details.setPostProcessor(processor)
            context.addLayerToLoadOnCompletion(f"{output}|layername={layer}", details)

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
