"""Editing the service catalogue in QGIS: the expression functions the
catalogue's form uses, and what the plugin does for every catalogue layer
(a GeoPackage made by Create catalogue) in the project: the lists of its
multi-select widgets, category labels in the QGIS language, who saves (for
the change history), and the core's validation after every save, listed in
the message bar and the log. Nothing here changes the services' data."""

from __future__ import annotations

import getpass
import importlib

from qgis.core import (
    NULL,
    Qgis,
    QgsExpression,
    QgsMessageLog,
    QgsProject,
    QgsProviderRegistry,
    QgsSettings,
    QgsVectorLayer,
    qgsfunction,
)
from qgis.PyQt.QtCore import QCoreApplication, QDateTime

from .core import load_core

GROUP = "CapaCityMetro"
LOG = "CapaCityMetro"
#: QGIS setting holding the name the change history records; by default the computer's user name.
OPERATOR_SETTING = "capacitymetro/operator"


def tr(text: str) -> str:
    return QCoreApplication.translate("CapaCityMetro", text)


def language() -> str:
    return (QgsSettings().value("locale/userLocale", "") or "en")[:2]


def core():
    """The core package (its errors become the expression's or the log's message)."""
    module, message = load_core()
    if module is None:
        raise RuntimeError(message)
    return module


def catalogue_form():
    """The core package's catalogue_form module (shared with the CLI)."""
    return importlib.import_module(core().__name__ + ".catalogue_form")


def text_of(value) -> str:
    """An expression argument as text; NULL as empty."""
    return "" if value is None or value == NULL else str(value)


# -- expression functions ---------------------------------------------------------------------------
@qgsfunction(args="auto", group=GROUP, handlesnull=True, register=False, referenced_columns=[])
def cm_opening_hours_valid(value, feature, parent):
    """Whether <i>value</i> is an OpenStreetMap <code>opening_hours</code> value as the CapaCityMetro core
    reads it; NULL or empty is valid (the field is optional).
    <h4>Example</h4><code>cm_opening_hours_valid('Mo-Fr 09:00-13:00')</code> &rarr; true"""
    return core().opening_hours_problem(text_of(value)) is None


@qgsfunction(args="auto", group=GROUP, handlesnull=True, register=False, referenced_columns=[])
def cm_opening_hours_text(value, lang, feature, parent):
    """The open times of <i>value</i> (OpenStreetMap <code>opening_hours</code>) this week in words, in
    <i>lang</i>: it, en, fr, ar, bn, uk or zh (English for any other); NULL when <i>value</i> is empty.
    <h4>Example</h4><code>cm_opening_hours_text('Mo-Fr 09:00-13:00', 'it')</code>"""
    hours = text_of(value)
    if not hours.strip():
        return None
    wanted = text_of(lang)[:2]
    known = core().vocabulary()[0]["labels"]
    return core().opening_hours_text(hours, wanted if wanted in known else "en")


@qgsfunction(args="auto", group=GROUP, handlesnull=True, register=False, referenced_columns=[])
def cm_is_open(value, moment, feature, parent):
    """Whether a desk with these <code>opening_hours</code> is open at <i>moment</i> (a date-time, or text
    YYYY-MM-DDTHH:MM), read as wall-clock time; NULL when <i>value</i> is empty.
    <h4>Example</h4><code>cm_is_open("opening_hours", now())</code>"""
    hours = text_of(value)
    if not hours.strip():
        return None
    at = moment.toString("yyyy-MM-ddTHH:mm") if isinstance(moment, QDateTime) else text_of(moment)[:16]
    return core().is_open(hours, at)


FUNCTIONS = (cm_opening_hours_valid, cm_opening_hours_text, cm_is_open)


def register_functions() -> None:
    for function in FUNCTIONS:
        if QgsExpression.isFunctionName(function.name()):
            QgsExpression.unregisterFunction(function.name())
        QgsExpression.registerFunction(function)


def unregister_functions() -> None:
    for function in FUNCTIONS:
        QgsExpression.unregisterFunction(function.name())


# -- catalogue layers ------------------------------------------------------------------------------
def catalogue_path(layer) -> str:
    """The GeoPackage of a catalogue's services layer, or '' for any other layer."""
    if not isinstance(layer, QgsVectorLayer) or layer.providerType() != "ogr":
        return ""
    parts = QgsProviderRegistry.instance().decodeUri("ogr", layer.source())
    path, table = parts.get("path", ""), parts.get("layerName") or ""
    form = catalogue_form()
    if not path.lower().endswith(".gpkg") or table not in ("", form.LAYER) or not form.is_catalogue(path):
        return ""
    return path


def operator() -> str:
    return QgsSettings().value(OPERATOR_SETTING, "") or getpass.getuser()


def problem_line(layer_name: str, problem: dict) -> str:
    return tr("{layer}, service {feature}, field {field}: {message}").format(
        layer=layer_name, feature=problem["feature"] or "-", field=problem["field"] or "-", message=problem["message"])


class CatalogueLayers:
    """Follows the project's catalogue layers. ``message_bar`` is the
    desktop's (None when headless: the log only)."""

    def __init__(self, message_bar=None):
        self.message_bar = message_bar
        self.layers: dict = {}  # layer id -> GeoPackage path
        self.reports: list = []  # every validation report, for tests and the log

    def start(self) -> None:
        register_functions()
        QgsProject.instance().layersAdded.connect(self.added)
        self.added(QgsProject.instance().mapLayers().values())

    def stop(self) -> None:
        QgsProject.instance().layersAdded.disconnect(self.added)
        unregister_functions()

    def added(self, layers) -> None:
        for layer in layers:
            path = catalogue_path(layer)
            if path and layer.id() not in self.layers:
                self.attach(layer, path)

    def attach(self, layer: QgsVectorLayer, path: str) -> None:
        self.layers[layer.id()] = path
        self.link_lists(layer, path)
        layer.beforeCommitChanges.connect(lambda *_: self.saving(path, operator()))
        layer.afterCommitChanges.connect(lambda: self.saved(layer, path))
        layer.afterRollBack.connect(lambda: self.saving(path, None))
        layer.willBeDeleted.connect(lambda: self.layers.pop(layer.id(), None))

    def link_lists(self, layer: QgsVectorLayer, path: str) -> None:
        """The multi-select widgets' value layers, from the same GeoPackage (added to the
        project, not to the Layers panel, when not there), with category labels in the QGIS language."""
        form = catalogue_form()
        project = QgsProject.instance()
        for field, table in (("categories", form.CATEGORIES), ("languages", form.LANGUAGES)):
            index = layer.fields().indexOf(field)
            setup = layer.editorWidgetSetup(index)
            if index < 0 or setup.type() != "ValueRelation":
                continue
            source = f"{path}|layername={table}"
            values = next((other for other in project.mapLayers().values() if other.source() == source), None)
            if values is None:
                values = QgsVectorLayer(source, table, "ogr")
                project.addMapLayer(values, False)
            config = dict(setup.config(), Layer=values.id(), LayerName=values.name(), LayerSource=source)
            if field == "categories":
                config["Value"] = form.label_column(language())
            layer.setEditorWidgetSetup(index, type(setup)("ValueRelation", config))

    def saving(self, path: str, name) -> None:
        try:
            catalogue_form().set_operator(path, name)
        except Exception as error:  # noqa: BLE001 (the history then records no name; the save goes on)
            self.log(tr("The change history cannot record who saves: ") + str(error), Qgis.Warning)

    def saved(self, layer: QgsVectorLayer, path: str) -> None:
        """Clears who saves, then validates the saved catalogue with the core."""
        self.saving(path, None)
        module = core()
        try:
            module.validate_catalogue(path, catalogue_form().LAYER)
            problems = []
        except module.CatalogueError as error:
            problems = [problem_line(layer.name(), p) for p in error.problems]
        except module.CapacityMetroError as error:
            problems = [f"{layer.name()}: {error}"]
        self.reports.append(problems)
        if not problems:
            self.log(layer.name() + ": " + tr("saved; the catalogue is valid."), Qgis.Info)
            return
        for line in problems:
            self.log(line, Qgis.Warning)
        summary = tr("{count} problem(s) in the saved catalogue (nothing was changed): ").format(count=len(problems))
        if self.message_bar is not None:
            self.message_bar.pushMessage(GROUP, summary + problems[0], "\n".join(problems), Qgis.Warning, 0)

    @staticmethod
    def log(text: str, level) -> None:
        QgsMessageLog.logMessage(text, LOG, level)
