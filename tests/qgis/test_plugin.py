"""The QGIS plugin: every algorithm through qgis_process against the Python API
on the same inputs; standalone PyQGIS; CRS independence; the plugin zip; the
missing-core message; the Italian translation."""

from __future__ import annotations

import re
import subprocess
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import capacitymetro as cm
import numpy as np
import pytest

from conftest import DATA, PLUGIN_ZIP, ROOT, population, qgis_env, qgis_process, rows

PLUGIN = ROOT / "qgis_plugin" / "capacitymetro"


def test_plugin_version_matches_the_core():
    assert re.search(r"^version=(.+)$", (PLUGIN / "metadata.txt").read_text(), re.M).group(1) == cm.__version__


def test_provider_lists_every_algorithm(qgis):
    listing = qgis_process(qgis.env, "list").stdout
    found = sorted(re.findall(r"capacitymetro:(\w+)", listing))
    assert found == ["accessibility", "buildnetwork", "cataloguechanges", "createcatalogue", "exportcatalogue",
                     "importcatalogue", "nearestservice", "needsanalysis", "publishpage", "servicegaps", "suggestsites",
                     "travelareas", "validatecatalogue", "writemetadata"]


def test_publish_page_equals_the_python_api(qgis, tmp_path):
    from capacitymetro.publish.web import publish_web

    results = cm.run_demo(tmp_path / "demo")["output"]
    qgis("publishpage", RESULTS=results, OUTPUT_DIR=tmp_path / "site", BASEMAP_URL="none")
    expected = publish_web(results, tmp_path / "py-site", basemap_url="none")
    assert (tmp_path / "site" / "index.html").exists() and (tmp_path / "site" / "embed.html").exists()
    for name in expected["files"]:
        assert (tmp_path / "site" / "data" / name).read_bytes() == (tmp_path / "py-site" / "data" / name).read_bytes()


def test_validate_catalogue(qgis, demo_gpkg, tmp_path):
    services, _ = demo_gpkg[4326]
    assert "SERVICES_COUNT:\t45" in qgis("validatecatalogue", SERVICES=services).stdout
    bad = tmp_path / "bad.geojson"
    bad.write_text('{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"id":"X","name":"",'
                   '"categories":"spa"},"geometry":{"type":"Point","coordinates":[12.2,45.4]}}]}')
    result = qgis("validatecatalogue", SERVICES=bad)
    assert "PROBLEMS:\t2" in result.stdout
    assert "unknown category 'spa'" in result.stdout + result.stderr


def coverage_columns(path, layer, category):
    return np.array(rows(path, f"select {category}_nearest_min, {category}_count_30min from {layer} order by id"),
                    dtype=float)


@pytest.mark.parametrize("epsg", [4326, 3003])
def test_nearest_service_equals_the_python_api_in_any_crs(qgis, demo_gpkg, tmp_path, epsg):
    services, centres = demo_gpkg[epsg]
    out = tmp_path / "nearest.gpkg"
    qgis("nearestservice", SERVICES=services, DEMAND=centres, POPULATION_FIELD="population", ID_FIELD="istat_code",
         NAME_FIELD="name", MODE=2, COUNT_WITHIN_MINUTES=30, OUTPUT=out)
    expected = cm.coverage(DATA / "services.csv", DATA / "town_centres.csv", "population", id_field="istat_code",
                           mode="car", count_within_minutes=30)
    for category in ("legal", "health", "asylum"):
        got = coverage_columns(out, "coverage", category)
        order = np.argsort(expected["demand"]["id"])
        np.testing.assert_allclose(got[:, 0], expected["coverage"][category]["nearest_time_s"][order] / 60, rtol=1e-6)
        np.testing.assert_array_equal(got[:, 1], expected["coverage"][category]["count_within"][order])


@pytest.fixture(scope="module")
def helsinki_network(qgis, helsinki_pbf, tmp_path_factory):
    saved = tmp_path_factory.mktemp("net") / "helsinki.cmnet"
    qgis("buildnetwork", SOURCE=helsinki_pbf, OUTPUT=saved)
    return saved


def test_build_network_equals_the_python_api(helsinki_network, helsinki_pbf):
    built, rebuilt = cm.Network.open(helsinki_network)
    assert not rebuilt and built.info()["modes"] == cm.Network.build(helsinki_pbf).info()["modes"]


@pytest.fixture(scope="module")
def helsinki_desks(tmp_path_factory):
    folder = tmp_path_factory.mktemp("desks")
    path = folder / "desks.geojson"
    path.write_text('{"type":"FeatureCollection","features":['
                    '{"type":"Feature","properties":{"id":"H1","name":"Desk 1","categories":"legal;health"},'
                    '"geometry":{"type":"Point","coordinates":[24.9384,60.1699]}},'
                    '{"type":"Feature","properties":{"id":"H2","name":"Desk 2","categories":"legal"},'
                    '"geometry":{"type":"Point","coordinates":[24.95,60.165]}}]}')
    return path


def test_travel_areas_equal_the_python_api(qgis, helsinki_network, helsinki_desks, tmp_path):
    out = tmp_path / "areas.gpkg"
    qgis("travelareas", SERVICES=helsinki_desks, NETWORK=helsinki_network, MODE=0, TIME_BANDS_MINUTES="5,10", OUTPUT=out)
    got = rows(out, "select service_id, band_min from travel_areas order by service_id, band_min")
    network = cm.Network.open(helsinki_network)[0]
    expected = cm.travel_areas(helsinki_desks, network, mode="walk", time_bands_minutes=[5, 10], output=tmp_path / "py.gpkg")
    assert got == sorted((a["service"], a["minutes"]) for a in expected["areas"])
    # the same polygons: compare the stored geometries byte for byte
    assert rows(out, "select geom from travel_areas order by service_id, band_min") == \
        rows(tmp_path / "py.gpkg", "select geom from travel_areas order by service_id, band_min")


def test_nearest_service_on_a_real_network(qgis, helsinki_network, helsinki_desks, tmp_path):
    demand = tmp_path / "demand.geojson"
    demand.write_text('{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"code":"D","pop":5},'
                      '"geometry":{"type":"Point","coordinates":[24.94,60.168]}}]}')
    out = tmp_path / "n.gpkg"
    qgis("nearestservice", SERVICES=helsinki_desks, DEMAND=demand, POPULATION_FIELD="pop", ID_FIELD="code",
         NETWORK=helsinki_network, MODE=0, OUTPUT=out)
    expected = cm.coverage(helsinki_desks, demand, "pop", id_field="code", network=cm.Network.open(helsinki_network)[0])
    got = rows(out, "select legal_nearest_min from coverage")[0][0]
    assert got == pytest.approx(expected["coverage"]["legal"]["nearest_time_s"][0] / 60, rel=1e-9)


@pytest.mark.parametrize("algorithm, method", [("accessibility", "e2sfca"), ("servicegaps", "2sfca")])
def test_accessibility_and_gaps_equal_the_python_api(qgis, demo_gpkg, tmp_path, algorithm, method):
    services, centres = demo_gpkg[4326]
    out = tmp_path / "a.gpkg"
    log = qgis(algorithm, SERVICES=services, DEMAND=centres, POPULATION_FIELD="population", ID_FIELD="istat_code",
               NAME_FIELD="name", METHOD=["2sfca", "e2sfca", "3sfca", "gravity"].index(method), MODE=2, OUTPUT=out).stdout
    expected = cm.accessibility(DATA / "services.csv", DATA / "town_centres.csv", "population", method=method,
                                id_field="istat_code", name_field="name", mode="car")
    order = np.argsort(expected["id"])
    for category in ("legal", "housing"):
        got = np.array(rows(out, f"select {category}_access, {category}_gap_score from accessibility order by id"))
        np.testing.assert_allclose(got[:, 0], expected["categories"][category]["access"][order], rtol=1e-9)
        np.testing.assert_allclose(got[:, 1], expected["categories"][category]["gap_score"][order], rtol=1e-9)
    # the log's summary: per category, the population unserved and the total gap score
    labels = {c["id"]: c["labels"]["en"] for c in cm.vocabulary()}
    total = population(expected["population"].sum())
    for category, values in expected["categories"].items():
        assert f"{labels[category]}: unserved {population(values['unserved'].sum())} of {total}; " \
               f"gap score total {population(values['gap_score'].sum())}" in log


def test_suggest_sites_equals_the_python_api(qgis, demo_gpkg, tmp_path):
    services, centres = demo_gpkg[4326]
    out = tmp_path / "s.gpkg"
    asylum = [c["id"] for c in cm.vocabulary()].index("asylum")
    log = qgis("suggestsites", SERVICES=services, DEMAND=centres, POPULATION_FIELD="population", NAME_FIELD="name",
               CATEGORY=asylum, NEW_SITES=3, MODE=2, OUTPUT=out).stdout
    expected = cm.suggest_sites(DATA / "services.csv", DATA / "town_centres.csv", "population", "asylum",
                                name_field="name", mode="car", new_sites=3)
    assert [r[0] for r in rows(out, "select candidate from suggested_sites order by rank")] == expected["sites"]
    assert f"population covered {population(expected['covered_before'])} → {population(expected['covered_after'])} " \
           f"of {population(expected['population_total'])}" in log
    for rank, (site, gain) in enumerate(zip(expected["sites"], expected["gains"]), start=1):
        assert f"{rank}. {site}: +{population(gain)}" in log


def test_a_core_error_becomes_a_processing_error(qgis, demo_gpkg, tmp_path):
    services, centres = demo_gpkg[4326]
    result = qgis_process(qgis.env, "run", "capacitymetro:suggestsites", "--", f"SERVICES={services}",
                          f"DEMAND={centres}", "POPULATION_FIELD=population", "CATEGORY=0", "NEW_SITES=45", f"OUTPUT={tmp_path / 'x.gpkg'}",
                          check=False)
    assert result.returncode != 0
    assert "45 sites asked for, but only 44 candidates" in result.stdout + result.stderr


def test_standalone_pyqgis_processing_run(demo_gpkg, tmp_path):
    services, centres = demo_gpkg[4326]
    out = tmp_path / "standalone.gpkg"
    script = f"""
import sys
from qgis.core import QgsApplication
app = QgsApplication([], False)
app.initQgis()
sys.path[:0] = ["/usr/share/qgis/python/plugins", {str(ROOT / 'qgis_plugin')!r}]
from processing.core.Processing import Processing
Processing.initialize()
import processing
from capacitymetro.processing.provider import CapaCityMetroProvider
provider = CapaCityMetroProvider()  # kept: the registry does not own Python providers
QgsApplication.processingRegistry().addProvider(provider)
result = processing.run("capacitymetro:nearestservice", {{
    "SERVICES": {str(services)!r}, "DEMAND": {str(centres)!r}, "POPULATION_FIELD": "population",
    "ID_FIELD": "istat_code", "MODE": 2, "COUNT_WITHIN_MINUTES": 30, "OUTPUT": {str(out)!r}}})
print("OUTPUT", result["OUTPUT"])
"""
    env = qgis_env(tmp_path / "profile", plugins=None)
    done = subprocess.run(["/usr/bin/python3", "-c", script], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    expected = cm.coverage(DATA / "services.csv", DATA / "town_centres.csv", "population", id_field="istat_code",
                           mode="car")
    order = np.argsort(expected["demand"]["id"])
    got = coverage_columns(out, "coverage", "legal")
    np.testing.assert_allclose(got[:, 0], expected["coverage"]["legal"]["nearest_time_s"][order] / 60, rtol=1e-9)


def test_plugin_zip_installs_into_a_fresh_profile(tmp_path):
    profile = tmp_path / "profile"
    plugins = profile / "profiles" / "default" / "python" / "plugins"
    plugins.mkdir(parents=True)
    with zipfile.ZipFile(PLUGIN_ZIP) as archive:
        assert "capacitymetro/_vendor/capacitymetro/__init__.py" in archive.namelist()
        archive.extractall(plugins)
    env = qgis_env(profile, plugins=None, core=False)  # no core on PYTHONPATH: the bundled one must serve
    qgis_process(env, "plugins", "enable", "capacitymetro")
    assert "capacitymetro:nearestservice" in qgis_process(env, "list").stdout


def test_missing_core_gives_one_clear_message(tmp_path):
    env = qgis_env(tmp_path / "profile", core=False)  # the source plugin has no bundled core
    qgis_process(env, "plugins", "enable", "capacitymetro", check=False)
    result = qgis_process(env, "list", check=False)
    assert "CapaCityMetro: the core library is missing" in result.stdout + result.stderr
    assert "capacitymetro:nearestservice" not in result.stdout


def translatable_strings():
    import ast

    found = []
    for path in sorted(PLUGIN.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", None)) == "tr" \
                    and node.args and isinstance(node.args[0], ast.Constant):
                found.append(node.args[0].value)
            if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "translate" \
                    and isinstance(node.args[1], ast.Constant):
                found.append(node.args[1].value)
            if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) in ("DISPLAY", "HELP", "SUPPLY", "OUTPUTS") \
                    and isinstance(node.value, ast.Constant) and node.value.value:
                found.append(node.value.value)
    return set(found)


def test_italian_translation_is_complete():
    messages = ET.parse(PLUGIN / "i18n" / "capacitymetro_it.ts").getroot().iter("message")
    translated = {m.findtext("source"): m.find("translation") for m in messages}
    for source in translatable_strings():
        assert source in translated, f"not in the .ts file: {source!r}"
        translation = translated[source]
        assert translation.get("type") not in ("unfinished", "obsolete") and translation.text, source


def test_the_plugin_follows_the_qgis_locale(tmp_path):
    env = qgis_env(tmp_path / "profile", locale="it")
    qgis_process(env, "plugins", "enable", "capacitymetro")
    help_text = qgis_process(env, "help", "capacitymetro:nearestservice").stdout
    assert "Servizio più vicino" in help_text and "Campo popolazione" in help_text


def test_demo_maps_are_drawn_with_the_category_colours(tmp_path):
    import csv
    import json as json_module

    from capacitymetro.demo import ATTRIBUTION
    from capacitymetro.maps import render_maps

    result = cm.run_demo(tmp_path)
    maps = render_maps(result["output"], tmp_path / "maps", attribution=ATTRIBUTION)
    assert [Path(m).name for m in maps] == ["services.png", "coverage_30min.png", "accessibility.png", "gaps.png"]
    script = """
import json, sys
from qgis.PyQt.QtGui import QImage
out = {}
for path in sys.argv[1:]:
    image = QImage(path)
    colours = {}
    for y in range(0, image.height()):
        for x in range(0, image.width()):
            c = image.pixelColor(x, y)
            key = "#%02x%02x%02x" % (c.red(), c.green(), c.blue())
            colours[key] = colours.get(key, 0) + 1
    out[path] = colours
print(json.dumps(out))
"""
    done = subprocess.run(["/usr/bin/python3", "-c", script, *maps], capture_output=True, text=True, timeout=300,
                          env=qgis_env(tmp_path / "profile", plugins=None))
    colours = json_module.loads(done.stdout)
    from capacitymetro.maps import WATER_COLOUR

    for path, counts in colours.items():
        assert len(counts) > 50, f"{path} looks blank"  # drawn, not one flat colour
        # the lagoon and the sea read as water: about a quarter of the page is the Adriatic and the lagoon
        assert counts.get(WATER_COLOUR, 0) > 0.15 * sum(counts.values()), f"{path}: no water"
    vocabulary = {c["id"]: c["colour"] for c in cm.vocabulary()}
    order = list(vocabulary)  # a desk is drawn with its first category in vocabulary order
    with open(DATA / "services.csv", newline="", encoding="utf-8") as f:
        first = {min(row["categories"].split(";"), key=order.index) for row in csv.DictReader(f)}
    services_map = colours[maps[0]]
    for category in first:
        assert services_map.get(vocabulary[category], 0) >= 4, f"{category} colour not on the services map"


def test_qgis_opens_the_output_layers_styled(tmp_path):
    result = cm.run_demo(tmp_path)
    script = f"""
from qgis.core import QgsApplication, QgsVectorLayer
app = QgsApplication([], False)
app.initQgis()
for name in ("services", "municipalities", "accessibility", "suggested_sites"):
    layer = QgsVectorLayer({result['output']!r} + "|layername=" + name, name, "ogr")
    print(name, layer.renderer().type(), len(layer.renderer().legendSymbolItems()))
import os
os._exit(0)
"""
    done = subprocess.run(["/usr/bin/python3", "-c", script], capture_output=True, text=True, timeout=300,
                          env=qgis_env(tmp_path / "profile", plugins=None))
    lines = dict(line.split(" ", 1) for line in done.stdout.strip().splitlines())
    assert lines["services"].startswith("RuleRenderer") and lines["services"].endswith(" 11")
    assert lines["municipalities"].startswith("graduatedSymbol")
    assert lines["accessibility"].startswith("graduatedSymbol")
    assert lines["suggested_sites"].startswith("singleSymbol")


def test_every_option_has_the_same_default_in_python_the_cli_and_the_plugin(tmp_path):
    """The parameter table is the oracle: the Python API accepts every option
    with its default, the CLI shows each as a flag with that default, and
    qgis_process lists each algorithm's parameters with that default."""
    import inspect
    import json
    import re

    from capacitymetro import cli

    algorithms = {"coverage": "nearestservice", "travel_areas": "travelareas", "accessibility": "accessibility",
                  "siting": "suggestsites", "network_build": "buildnetwork", "web_data": "publishpage",
                  "needs": "needsanalysis"}
    commands = {job: command for command, (job, _) in cli.COMMANDS.items()}
    env = qgis_env(tmp_path / "profile")
    qgis_process(env, "plugins", "enable", "capacitymetro")
    parser = cli.build_parser()
    subparsers = next(a for a in parser._actions if isinstance(a, __import__("argparse")._SubParsersAction)).choices
    network_parsers = next(a for a in subparsers["network"]._actions
                           if isinstance(a, __import__("argparse")._SubParsersAction)).choices
    for spec in cm.job_specs():
        job, parameters = spec["name"], spec["parameters"]
        publish_parsers = next(a for a in subparsers["publish"]._actions
                               if isinstance(a, __import__("argparse")._SubParsersAction)).choices
        command = {"network_build": network_parsers["build"], "web_data": publish_parsers["web"]}.get(job) \
            or subparsers[commands.get(job, "")]
        flags = {a.dest: a for a in command._actions}
        described = json.loads(qgis_process(env, "help", f"capacitymetro:{algorithms[job]}", "--json").stdout)
        qgis_parameters = described["parameters"]
        for p in parameters:
            assert p["name"] in flags, f"{job}: the CLI has no {p['name']}"
            if p["default"] not in (None, [], False):
                shown = flags[p["name"]].help
                assert "default:" in shown, f"{job} --{p['name']}: no default in {shown!r}"
            definition = qgis_parameters[p["name"].upper()]
            if p["kind"] in ("number", "integer", "text", "field", "bool") and p["default"] is not None:
                assert definition.get("default_value") == p["default"], (job, p["name"], definition)
            if p["kind"] == "choice":
                assert definition["raw_definition"]["options"] == p["choices"]
                assert definition.get("default_value") == p["choices"].index(p["default"])
            if p["kind"] in ("numbers", "pairs"):
                given = [float(x) for x in re.split(r"[,:]", definition["default_value"])]
                expected = [float(x) for v in p["default"] for x in (v if isinstance(v, list) else [v])]
                assert given == expected, (job, p["name"])
    # the Python API takes every option by name, with the table's defaults
    function = {"coverage": cm.coverage, "travel_areas": cm.travel_areas, "accessibility": cm.accessibility,
                "siting": cm.suggest_sites, "network_build": cm.build_network, "web_data": cm._core.web_data,
                "needs": cm.needs}
    for spec in cm.job_specs():
        assert "options" in inspect.signature(function[spec["name"]]).parameters
        unknown = {"no_such_option": 1}
        with pytest.raises(cm.InputError, match="unknown option"):
            function[spec["name"]](**{p["name"]: "x.gpkg" for p in spec["parameters"] if p["required"]}, **unknown)


def test_implausible_input_is_a_warning_in_the_log_and_refused_when_strict(qgis, demo_gpkg, tmp_path):
    """A desk with longitude and latitude swapped: named in the algorithm's log; STRICT refuses the run."""
    import csv

    from conftest import to_gpkg

    with open(DATA / "services.csv", newline="", encoding="utf-8") as f:
        desks = list(csv.DictReader(f))
    desks[2]["lon"], desks[2]["lat"] = desks[2]["lat"], desks[2]["lon"]
    swapped_csv = tmp_path / "services.csv"
    with open(swapped_csv, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(desks[0]))
        writer.writeheader()
        writer.writerows(desks)
    services = to_gpkg(swapped_csv, tmp_path / "services.gpkg")
    _, centres = demo_gpkg[4326]
    common = ["--", f"SERVICES={services}", f"DEMAND={centres}", "POPULATION_FIELD=population", "ID_FIELD=istat_code"]
    result = qgis_process(qgis.env, "run", "capacitymetro:nearestservice", *common, f"OUTPUT={tmp_path / 'a.gpkg'}")
    log = result.stdout + result.stderr
    assert f"{desks[2]['id']} (1 feature) lie more than" in log and "look swapped" in log
    refused = qgis_process(qgis.env, "run", "capacitymetro:nearestservice", *common, "STRICT=true",
                           f"OUTPUT={tmp_path / 'b.gpkg'}", check=False)
    assert refused.returncode != 0 and "(refused: strict)" in refused.stdout + refused.stderr
    assert not (tmp_path / "b.gpkg").exists()


def test_needs_analysis_through_qgis_process_equals_the_python_api(qgis, demo_gpkg, tmp_path):
    """The needs algorithm run by qgis_process writes the same protected counts as the Python API and logs the
    fitted decay; the records are synthetic (the demo's generator)."""
    from capacitymetro.synthetic import synthetic_requests

    services, centres = demo_gpkg[4326]
    requests = tmp_path / "requests.csv"
    synthetic_requests(requests, n=5000, seed=2)
    out = tmp_path / "needs.gpkg"
    log = qgis("needsanalysis", REQUESTS=requests, SERVICES=services, DEMAND=centres, POPULATION_FIELD="population",
               ID_FIELD="istat_code", NAME_FIELD="name", MODE=2, OUTPUT=out).stdout
    expected = cm.needs(requests, DATA / "services.csv", DATA / "town_centres.csv", population_field="population",
                        id_field="istat_code", name_field="name", mode="car", output=tmp_path / "api.gpkg")
    query = "select id, category, requests from needs_zones order by id, category"
    assert rows(out, query) == rows(tmp_path / "api.gpkg", query)
    assert f"{expected['records']:,} request records; {expected['suppressed']} counts suppressed" in log
    assert f"exp(-t / {expected['decay']['decay_minutes']:.1f} min)" in log
