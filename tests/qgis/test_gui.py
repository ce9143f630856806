"""The plugin as a GIS technician meets it: the real QGIS desktop under Xvfb,
the plugin installed from its zip into a fresh profile, the Processing dialog
of Nearest service filled with the two required inputs and run as its Run
button does. The result must be loaded styled, in the run's group, with no
error shown; the main window and the map are saved as PNG files."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
import zipfile
from pathlib import Path

import pytest

from conftest import PLUGIN_ZIP, ROOT, qgis_env

SOURCE = ROOT / "qgis_plugin" / "capacitymetro"

#: Run inside QGIS (--code) once the main window exists. Each step is polled
#: from the event loop, since the dialog runs the algorithm in a task.
SCRIPT = r"""
import json, os, time, traceback

import numpy as np
import processing
from qgis.core import QgsApplication, QgsProject, QgsVectorLayer
from qgis.PyQt.QtCore import QTimer
from qgis.PyQt.QtGui import QImage
from qgis.PyQt.QtWidgets import QApplication, QDialog, QDoubleSpinBox, QTextEdit
from qgis.utils import active_plugins, iface, plugins

ARGS = json.loads(ARGS_JSON)
found = {"errors": []}
started = time.monotonic()
deadline = started + ARGS["timeout"]


def finish():
    found["seconds_in_qgis"] = round(time.monotonic() - started, 1)
    with open(ARGS["result"], "w") as f:
        json.dump(found, f, indent=1)
    os._exit(0)  # no teardown of the Python plugins, as in the other QGIS tests


def step(function):
    def run(*args):
        try:
            function(*args)
        except Exception:
            found["errors"].append(traceback.format_exc())
            finish()
    return run


def wait(condition, then, what):
    @step
    def poll():
        if condition():
            then()
        elif time.monotonic() > deadline:
            found["errors"].append("timed out waiting for " + what)
            finish()
        else:
            QTimer.singleShot(250, poll)
    QTimer.singleShot(250, poll)


def dialogs():
    # an error in QGIS's Python or a refused run shows as a dialog of its own
    return [(type(w).__name__, w.windowTitle()) for w in QApplication.topLevelWidgets()
            if w.isVisible() and isinstance(w, QDialog) and w is not dialog]


def tree(node):
    # the Layers panel as nested lists: a group is [name, children], a layer its name
    return [[child.name(), tree(child)] if child.children() or not hasattr(child, "layerId") else child.name()
            for child in node.children()]


def describe(layer):
    renderer = layer.renderer()
    return {"type": renderer.type(), "classes": len(renderer.legendSymbolItems()),
            "colours": sorted({i.symbol().color().name() for i in renderer.legendSymbolItems() if i.symbol()})}


@step
def start():
    window = iface.mainWindow()
    window.setGeometry(0, 0, *ARGS["size"])
    provider = QgsApplication.processingRegistry().providerById("capacitymetro")
    found["plugin_active"] = "capacitymetro" in active_plugins
    found["icons"] = {a.name(): not a.icon().isNull() for a in (provider.algorithms() if provider else [])}
    found["icons"]["provider"] = bool(provider) and not provider.icon().isNull()
    show_toolbox()
    global dialog
    dialog = processing.createAlgorithmDialog("capacitymetro:nearestservice",
                                              {"SERVICES": ARGS["services"], "DEMAND": ARGS["demand"]})
    dialog.show()
    QApplication.processEvents()
    dialog.grab().save(ARGS["dialog"])
    wrapper = dialog.mainWidget().wrappers["COUNT_WITHIN_MINUTES"].wrappedWidget()
    found["count_within_minutes_shown"] = (wrapper.findChild(QDoubleSpinBox) or wrapper).text()
    found["help_url"] = dialog.algorithm().helpUrl()
    found["help"] = dialog.algorithm().shortHelpString()
    dialog.algorithmFinished.connect(lambda ok, results: found.update(finished=ok))
    dialog.runAlgorithm()  # what its Run button calls
    wait(lambda: "finished" in found or dialogs(), loaded, "the run")


def show_toolbox():
    # the toolbox open at the plugin's group, as after a search for it
    toolbox = plugins["processing"].toolbox
    toolbox.show()
    view = toolbox.algorithmTree
    for row in range(view.model().rowCount()):
        index = view.model().index(row, 0)
        if index.data() == "CapaCityMetro":
            view.setExpanded(index, True)
            view.scrollTo(index, view.PositionAtTop)


@step
def loaded():
    found["dialogs"] = dialogs()
    log = dialog.findChild(QTextEdit, "txtLog")
    found["log"] = log.toPlainText() if log else ""
    dialog.close()
    project = QgsProject.instance()
    root = project.layerTreeRoot()
    found["layers"] = []
    for layer in project.mapLayers().values():
        node = root.findLayer(layer.id())
        entry = {"name": layer.name(), "source": layer.source(), "group": node.parent().name() if node else None}
        if isinstance(layer, QgsVectorLayer) and layer.isSpatial():
            oracle = QgsVectorLayer(layer.source(), "oracle", "ogr")
            oracle.loadDefaultStyle()
            entry.update(style=describe(layer), oracle=describe(oracle))
        found["layers"].append(entry)
    found["tree"] = tree(root)
    found["message_bar"] = [(item.level(), item.title(), item.text()) for item in iface.messageBar().items()]
    canvas = iface.mapCanvas()
    canvas.zoomToFullExtent()
    canvas.refreshAllLayers()
    canvas.mapCanvasRefreshed.connect(lambda: found.update(drawn=True))
    wait(lambda: found.get("drawn") and not canvas.isDrawing(), saved, "the map")


@step
def saved():
    QApplication.processEvents()
    iface.mainWindow().grab().save(ARGS["screenshot"])
    iface.mapCanvas().saveAsImage(ARGS["map"])
    image = QImage(ARGS["map"]).convertToFormat(QImage.Format_RGB32)
    bits = image.constBits()
    bits.setsize(image.sizeInBytes())
    values, counts = np.unique(np.frombuffer(bytes(bits), dtype=np.uint32) & 0xFFFFFF, return_counts=True)
    found["map_colours"] = {"#%06x" % v: int(c) for v, c in zip(values, counts)}
    found["final_dialogs"] = dialogs()
    finish()


dialog = None
QTimer.singleShot(0, start)
"""


def stale_files(archive: zipfile.ZipFile) -> list:
    """The plugin's sources that the zip lacks or holds in an older version."""
    names = set(archive.namelist())
    return [name for path in sorted(SOURCE.rglob("*"))
            if path.is_file() and path.suffix != ".qm" and "__pycache__" not in path.parts
            for name in ["capacitymetro/" + path.relative_to(SOURCE).as_posix()]
            if name not in names or archive.read(name) != path.read_bytes()]


def test_nearest_service_from_the_qgis_desktop(demo_gpkg, tmp_path):
    missing = [tool for tool in ("xvfb-run", "qgis") if shutil.which(tool) is None]
    if missing:
        print(f"skipped: {' and '.join(missing)} not installed (`make test` installs them)")
        pytest.skip(f"{', '.join(missing)} not installed")
    services, centres = demo_gpkg[4326]
    profiles = tmp_path / "qgis"
    env = qgis_env(profiles, plugins=None, core=False)  # the core bundled in the zip must serve
    env.pop("QT_QPA_PLATFORM")  # the X server's, not offscreen
    profile = profiles / "profiles" / "default"
    with zipfile.ZipFile(PLUGIN_ZIP) as archive:
        stale = stale_files(archive)
        assert not stale, f"{PLUGIN_ZIP} is older than qgis_plugin/ (`make plugin` rebuilds it): {stale}"
        archive.extractall(profile / "python" / "plugins")
    settings = profile / "QGIS" / "QGIS3.ini"
    settings.write_text(settings.read_text() + "[PythonPlugins]\ncapacitymetro=true\n")
    args = {"services": f"{services}|layername=services", "demand": f"{centres}|layername=town_centres",
            "result": str(tmp_path / "result.json"), "screenshot": str(tmp_path / "qgis-nearest-service.png"),
            "map": str(tmp_path / "map.png"), "dialog": str(tmp_path / "dialog.png"), "size": [1440, 900], "timeout": 240}
    script = tmp_path / "startup.py"
    script.write_text(f"ARGS_JSON = {json.dumps(args)!r}\n" + SCRIPT)
    began = time.monotonic()
    done = subprocess.run(["xvfb-run", "-a", "-s", "-screen 0 1440x900x24", "qgis", "--profiles-path", str(profiles),
                           "--noversioncheck", "--nologo", "--code", str(script)],
                          env=env, capture_output=True, text=True, timeout=330)
    result = tmp_path / "result.json"
    assert result.exists(), f"QGIS wrote no result (exit {done.returncode}):\n{done.stderr[-3000:]}"
    found = json.loads(result.read_text())
    print(f"QGIS desktop: {time.monotonic() - began:.0f} s ({found['seconds_in_qgis']} s after start-up); "
          f"screenshot {args['screenshot']}, map {args['map']}")
    assert not found["errors"], "\n".join(found["errors"])

    # installed from the zip, with its icons, dialog numbers to a tenth, Help to the README
    assert found["plugin_active"]
    assert found["icons"] and all(found["icons"].values()), found["icons"]
    assert found["count_within_minutes_shown"] == "30.0"
    # the Help button opens the README's plugin section, shipped in the zip
    assert found["help_url"].startswith("file://") and found["help_url"].endswith("/help/index.html#qgis-plugin")
    help_page = Path(found["help_url"][len("file://"):].split("#")[0]).read_text(encoding="utf-8")
    assert 'id="qgis-plugin"' in help_page and 'src="docs/qgis-nearest-service.png"' in help_page
    assert all(text in found["help"] for text in ("<b>capacity</b>", "_nearest_min in minutes", "car 30 km/h"))

    # the run succeeded, with no error dialog and no error in the log or the message bar
    assert found["finished"], found["log"]
    assert found["dialogs"] == [] and found["final_dialogs"] == [], found["dialogs"] + found["final_dialogs"]
    assert "Residents: " in found["log"] and "Execution completed" in found["log"], found["log"]
    assert not [item for item in found["message_bar"] if item[0] == 2], found["message_bar"]  # Qgis.Critical

    # the coverage layer: loaded with the GeoPackage's default style, in the run's group, drawn
    group = "CapaCityMetro — Nearest service"
    coverage = next(layer for layer in found["layers"] if layer["source"].endswith("|layername=coverage"))
    assert coverage["style"] == coverage["oracle"] and coverage["style"]["type"] == "graduatedSymbol", coverage
    assert coverage["style"]["classes"] > 1
    titles = ["Services for migrants", "Time to the nearest service", "Summary by category"]
    assert found["tree"] == [[group, titles]], found["tree"]  # one group, not nested, points over the table
    assert coverage["group"] == group
    assert any(found["map_colours"].get(colour, 0) > 0 for colour in coverage["style"]["colours"])
    assert (tmp_path / "qgis-nearest-service.png").stat().st_size > 10_000
