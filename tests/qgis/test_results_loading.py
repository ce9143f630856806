"""Results as the Processing dialog leaves them: standalone PyQGIS runs the
algorithm with processing.runAndLoadResults (what the dialog does in 3.22:
load the context's layers, then call their post-processors) into a project
that already holds the inputs. Every loaded layer must carry the GeoPackage's
default style, sit in the run's group and have a name of its own; the log
must summarise the run with the Python API's numbers; the map must show the
style's colours."""

from __future__ import annotations

import json
import shutil
import subprocess

import capacitymetro as cm
import pytest

from conftest import DATA, ROOT, population, qgis_env, rows

SCRIPT = r"""
import json, sys

import numpy as np
from qgis.core import (QgsApplication, QgsMapRendererParallelJob, QgsMapSettings, QgsProcessingFeedback, QgsProject,
                       QgsVectorLayer)
from qgis.PyQt.QtCore import QCoreApplication, QSettings, QSize
from qgis.PyQt.QtGui import QColor, QImage

args = json.loads(sys.argv[1])
# the settings (locale) of the scratch profile, found as QGIS's own main() finds them
QCoreApplication.setOrganizationName("QGIS")
QCoreApplication.setApplicationName("QGIS3")
QSettings.setDefaultFormat(QSettings.IniFormat)
QSettings.setPath(QSettings.IniFormat, QSettings.UserScope, args["profile"])
app = QgsApplication([], False)
app.initQgis()
sys.path[:0] = ["/usr/share/qgis/python/plugins", args["plugins"]]
from processing.core.Processing import Processing
Processing.initialize()
import processing
from capacitymetro.plugin import install_translator
from capacitymetro.processing.provider import CapaCityMetroProvider

translator = install_translator()  # kept: the application does not own it
provider = CapaCityMetroProvider()  # kept: the registry does not own Python providers
QgsApplication.processingRegistry().addProvider(provider)


class Log(QgsProcessingFeedback):
    def __init__(self):
        super().__init__()
        self.lines = []

    def pushInfo(self, info):
        self.lines.append(info)
        super().pushInfo(info)


def describe(layer):
    renderer = layer.renderer()
    if renderer is None:
        return None
    items = renderer.legendSymbolItems()
    return {"type": renderer.type(), "classes": len(items), "dump": renderer.dump(),
            "colours": sorted({item.symbol().color().name() for item in items if item.symbol()})}


project = QgsProject.instance()
inputs = [QgsVectorLayer(path, name, "ogr") for name, path in args["inputs"]]
project.addMapLayers(inputs)
runs = []
for output in args["outputs"]:
    log = Log()
    parameters = dict(args["parameters"], SERVICES=inputs[0].id(), DEMAND=inputs[1].id(), OUTPUT=output)
    processing.runAndLoadResults("capacitymetro:nearestservice", parameters, feedback=log)
    runs.append({"log": log.lines})

root = project.layerTreeRoot()
loaded = []
for layer in project.mapLayers().values():
    if layer.id() in {i.id() for i in inputs}:
        continue
    oracle = QgsVectorLayer(layer.source(), "oracle", "ogr")
    oracle_message, oracle_loaded = oracle.loadDefaultStyle()
    loaded.append({"name": layer.name(), "source": layer.source(), "group": root.findLayer(layer.id()).parent().name(),
                   "spatial": layer.isSpatial(), "style": describe(layer), "oracle": describe(oracle),
                   "oracle_loaded": oracle_loaded})

settings = QgsMapSettings()
settings.setLayers(root.checkedLayers())
settings.setDestinationCrs(inputs[1].crs())
extent = settings.fullExtent()
extent.scale(1.05)
settings.setExtent(extent)
settings.setOutputSize(QSize(900, 900))
settings.setBackgroundColor(QColor("white"))
settings.setFlag(QgsMapSettings.Antialiasing, False)  # symbols' own colours, not blends
job = QgsMapRendererParallelJob(settings)
job.start()
job.waitForFinished()
image = job.renderedImage().convertToFormat(QImage.Format_RGB32)
image.save(args["png"])
bits = image.constBits()
bits.setsize(image.sizeInBytes())
pixels = np.frombuffer(bytes(bits), dtype=np.uint32) & 0xFFFFFF
values, counts = np.unique(pixels, return_counts=True)
drawn = {"#%06x" % v: int(c) for v, c in zip(values, counts)}
print(json.dumps({"inputs": [i.name() for i in inputs], "runs": runs, "loaded": loaded, "drawn": drawn}))
import os
os._exit(0)  # no exitQgis teardown, as in test_plugin's scripts
"""


@pytest.fixture(scope="module")
def plugin_copy(tmp_path_factory):
    """The source plugin with its Italian strings compiled from the .ts, as the
    Makefile does, so that strings added since the last build are translated."""
    if shutil.which("lrelease") is None:
        pytest.skip("lrelease (qttools5-dev-tools) is not installed")
    folder = tmp_path_factory.mktemp("plugins")
    plugin = folder / "capacitymetro"
    shutil.copytree(ROOT / "qgis_plugin" / "capacitymetro", plugin, ignore=shutil.ignore_patterns("__pycache__", "*.qm"))
    subprocess.run(["lrelease", "-silent", str(plugin / "i18n" / "capacitymetro_it.ts"), "-qm",
                    str(plugin / "i18n" / "capacitymetro_it.qm")], check=True)
    return folder


@pytest.mark.parametrize("locale, group", [("en", "CapaCityMetro — Nearest service"),
                                           ("it", "CapaCityMetro — Servizio più vicino")])
def test_results_load_styled_grouped_named_and_summarised(plugin_copy, demo_gpkg, tmp_path, locale, group):
    services, centres = demo_gpkg[4326]
    first, second = tmp_path / "nearest.gpkg", tmp_path / "again.gpkg"
    # the inputs take the names QGIS would give the results: the table's, and the coverage layer's title
    title = "Tempo al servizio più vicino" if locale == "it" else "Time to the nearest service"
    env = qgis_env(tmp_path / "profile", plugins=None, locale=locale)
    args = {"plugins": str(plugin_copy), "png": str(tmp_path / "map.png"), "outputs": [str(first), str(second)],
            "profile": str(tmp_path / "profile" / "profiles" / "default"),
            "inputs": [["services", f"{services}|layername=services"], [title, f"{centres}|layername=town_centres"]],
            "parameters": {"POPULATION_FIELD": "population", "ID_FIELD": "istat_code", "NAME_FIELD": "name", "MODE": 2}}
    done = subprocess.run(["/usr/bin/python3", "-c", SCRIPT, json.dumps(args)], capture_output=True, text=True,
                          timeout=300, env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    found = json.loads(done.stdout.strip().splitlines()[-1])

    # every result layer of both runs, styled as the GeoPackage's default style says
    assert {layer["source"] for layer in found["loaded"]} == \
        {f"{path}|layername={table}" for path in (first, second) for table in ("services", "coverage", "summary")}
    for layer in found["loaded"]:
        assert layer["style"] == layer["oracle"], layer["name"]
        if layer["spatial"]:
            assert layer["oracle_loaded"] and layer["style"]["type"] in ("RuleRenderer", "graduatedSymbol")
    # one group per run, named after it; the second run's numbered
    for path, name in ((first, group), (second, f"{group} (2)")):
        assert {layer["group"] for layer in found["loaded"] if layer["source"].startswith(f"{path}|")} == {name}
    # named by their titles, never as an input or another result
    names = [layer["name"] for layer in found["loaded"]]
    assert len(set(names)) == len(names) and not set(names) & set(found["inputs"])
    column = "title_it" if locale == "it" else "title_en"
    titles = dict(rows(first, f"select layer_name, {column} from capacitymetro_layers"))
    by_source = {layer["source"]: layer["name"] for layer in found["loaded"]}
    assert by_source[f"{first}|layername=services"] == titles["services"]
    assert by_source[f"{first}|layername=coverage"] == f"{title} (nearest)"
    assert by_source[f"{second}|layername=services"] == f"{titles['services']} (again)"

    # the log's summary has the Python API's numbers
    expected = cm.coverage(DATA / "services.csv", DATA / "town_centres.csv", "population", id_field="istat_code",
                           name_field="name", mode="car")
    log = found["runs"][0]["log"]
    names = expected["demand"]["name"]
    for row in expected["summary"]:
        line = next(line for line in log if line.startswith(row["labels"][locale] + ": "))
        total = row["population_total"]
        for reached in row["population_within_minutes"].values():
            assert f"{population(reached)} ({100 * reached / total:.0f}%)" in line, line
        assert all(names[i] in line for i in row["worst_served"][:3]), line
    residents = "Residenti" if locale == "it" else "Residents"
    assert f"{residents}: {population(expected['summary'][0]['population_total'])} in {len(names)} " in "\n".join(log)

    # the map shows each styled layer's colours
    assert (tmp_path / "map.png").stat().st_size > 0
    for layer in found["loaded"]:
        if layer["spatial"]:
            assert any(found["drawn"].get(colour, 0) > 0 for colour in layer["style"]["colours"]), layer["name"]
