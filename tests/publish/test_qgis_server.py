"""QGIS Server end to end: the published project served by qgis_mapserver on
127.0.0.1, queried with OWSLib; and the privacy rules of the public copy."""

from __future__ import annotations

import contextlib
import csv
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from pathlib import Path

import capacitymetro as cm
import pytest
from capacitymetro.publish import PublishError, public_copy

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "python" / "capacitymetro" / "data"

if shutil.which("qgis_mapserver") is None:
    pytest.skip("QGIS Server (qgis_mapserver) is not installed; `make test` installs it", allow_module_level=True)

from capacitymetro.publish.qgis_server import write_project  # noqa: E402
from owslib.wms import WebMapService  # noqa: E402


def small_counts_results(folder: Path) -> Path:
    """Demo results plus a coverage layer whose units hold 3, 8 and 500 people."""
    demand = folder / "small.csv"
    with demand.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["code", "name", "pop", "lon", "lat"])
        writer.writerows([["A", "Borgo A", 3, 12.30, 45.55], ["B", "Borgo B", 8, 12.10, 45.40],
                          ["C", "Borgo C", 500, 12.60, 45.65]])
    results = cm.run_demo(folder)["output"]
    cm.coverage(DATA / "services.csv", demand, "pop", id_field="code", name_field="name", output=folder / "small.gpkg",
                aggregate_by="code")
    return Path(results), folder / "small.gpkg"


def test_small_counts_are_suppressed(tmp_path):
    _, small = small_counts_results(tmp_path)
    report = public_copy(small, tmp_path / "public.gpkg", threshold=10)
    with sqlite3.connect(tmp_path / "public.gpkg") as db:
        population = dict(db.execute("select id, population from coverage"))
    assert population == {"A": None, "B": None, "C": 500.0}
    assert report["suppressed"]["coverage"] >= 2


def test_unit_level_coverage_is_never_public(tmp_path):
    """Units finer than the zones (two units in zone Z): the unit layer is left
    out whatever its counts; the zone table is published."""
    demand = tmp_path / "units.csv"
    with demand.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["code", "zone", "pop", "lon", "lat"])
        writer.writerows([["A", "Z", 300, 12.30, 45.55], ["B", "Z", 400, 12.31, 45.56], ["C", "Y", 500, 12.60, 45.65]])
    results = tmp_path / "units.gpkg"
    cm.coverage(DATA / "services.csv", demand, "pop", id_field="code", aggregate_by="zone", output=results)
    report = public_copy(results, tmp_path / "public.gpkg")
    assert report["left_out"] == ["coverage"]
    with sqlite3.connect(tmp_path / "public.gpkg") as db:
        assert db.execute("select count(*) from coverage").fetchone()[0] == 0
        zones = db.execute("select zone, sum(population) from coverage_by_zone group by zone").fetchall()
    assert sorted(zones) == [("Y", 500.0 * 11), ("Z", 700.0 * 11)]  # 11 categories


def test_one_small_zone_cannot_be_recovered_from_totals(tmp_path):
    """A zone table with one small cell per category: the published column,
    subtracted from the category total, must not give that cell back."""
    demand = tmp_path / "zones.csv"
    people = {"A": 4, "B": 300, "C": 700, "D": 900}
    with demand.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["code", "zone", "pop", "lon", "lat"])
        for n, (code, pop) in enumerate(people.items()):
            writer.writerow([code, code, pop, 12.2 + 0.01 * n, 45.5])
            writer.writerow([code + "2", code, 0, 12.2 + 0.01 * n, 45.51])  # a second, empty unit: zones are coarser
    results = tmp_path / "zones.gpkg"
    cm.coverage(DATA / "services.csv", demand, "pop", id_field="code", aggregate_by="zone", output=results,
                categories=["legal", "housing"])
    public_copy(results, tmp_path / "public.gpkg")
    total = sum(people.values())
    with sqlite3.connect(tmp_path / "public.gpkg") as db:
        for category in ("legal", "housing"):
            column = dict(db.execute("select zone, population from coverage_by_zone where category = ?", (category,)))
            assert column["A"] is None  # the small cell
            hidden = [zone for zone, value in column.items() if value is None]
            assert len(hidden) >= 2, column
            remainder = total - sum(v for v in column.values() if v is not None)
            assert remainder != people["A"]  # the total no longer gives the small cell back


def test_a_geopackage_without_the_expected_layers_is_refused(tmp_path):
    table = tmp_path / "other.gpkg"
    subprocess.run(["ogr2ogr", "-f", "GPKG", "-oo", "X_POSSIBLE_NAMES=lon", "-oo", "Y_POSSIBLE_NAMES=lat",
                    str(table), str(DATA / "town_centres.csv")], check=True)
    with pytest.raises(PublishError, match="not a CapaCityMetro results GeoPackage"):
        public_copy(table, tmp_path / "x.gpkg")
    with pytest.raises(PublishError, match="no such file"):
        public_copy(tmp_path / "missing.gpkg", tmp_path / "x.gpkg")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serve(project: Path, folder: Path, port: int | None = None):
    """qgis_mapserver on 127.0.0.1 (``port``, else a free one) for a project; stopped on leaving."""
    port = port or free_port()
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", QGIS_CUSTOM_CONFIG_PATH=str(folder / "profile"))
    process = subprocess.Popen(["timeout", "600", "qgis_mapserver", "-p", str(project), f"127.0.0.1:{port}"],
                               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                break
        except OSError:
            time.sleep(0.1)
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        process.terminate()
        process.wait(timeout=20)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The published demo project, served."""
    folder = tmp_path_factory.mktemp("served")
    results = cm.run_demo(folder)["output"]
    published = write_project(results, folder / "cmv.qgs")
    with serve(folder / "cmv.qgs", folder) as url:
        yield WebMapService(url, version="1.3.0"), url, published


def test_capabilities_list_every_layer_with_its_title(server):
    wms, _, published = server
    titles = {name: layer.title for name, layer in wms.contents.items()}
    for name in published["served"]:
        assert name in titles and "/" in titles[name], name  # Italian / English titles
    assert wms.identification.title.startswith("CapaCityMetro")
    crs = set(wms.contents["services"].crsOptions)
    assert {"EPSG:3857", "EPSG:4326", "EPSG:32633", "EPSG:3003"} <= crs


def pixels_of(png: bytes, tmp_path: Path) -> list:
    """The image's rows of ``#rrggbb`` pixels, decoded by Qt."""
    path = tmp_path / "image.png"
    path.write_bytes(png)
    script = ("import json,sys\nfrom qgis.PyQt.QtGui import QImage\nimage=QImage(sys.argv[1])\n"
              "print(json.dumps([['#%02x%02x%02x'%(c.red(),c.green(),c.blue()) for c in "
              "(image.pixelColor(x,y) for x in range(image.width()))] for y in range(image.height())]))")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    return json.loads(subprocess.run(["/usr/bin/python3", "-c", script, str(path)], capture_output=True, text=True,
                                     env=env, check=True).stdout)


def colours_of(png: bytes, tmp_path: Path) -> dict:
    return dict(Counter(colour for row in pixels_of(png, tmp_path) for colour in row))


def has_colour(counts: dict, hex_colour: str, tolerance: int = 12) -> bool:
    """Some pixel within `tolerance` per channel of the colour (thin marks are antialiased)."""
    target = [int(hex_colour[i:i + 2], 16) for i in (1, 3, 5)]
    return any(all(abs(int(key[i:i + 2], 16) - t) <= tolerance for i, t in zip((1, 3, 5), target)) for key in counts)


def test_getmap_draws_the_category_colours(server, tmp_path):
    """Around one desk of each drawn category (a desk is drawn with the first of
    its categories in vocabulary order), the map shows that category's colour."""
    import pyproj

    wms, _, _ = server
    to_3857 = pyproj.Transformer.from_crs(4326, 3857, always_xy=True)
    vocabulary = {c["id"]: c["colour"] for c in cm.vocabulary()}
    order = list(vocabulary)
    with open(DATA / "services.csv", newline="", encoding="utf-8") as f:
        desks = {}
        for row in csv.DictReader(f):
            desks.setdefault(min(row["categories"].split(";"), key=order.index), row)
    for category, desk in desks.items():
        x, y = to_3857.transform(float(desk["lon"]), float(desk["lat"]))
        image = wms.getmap(layers=["services"], styles=[""], srs="EPSG:3857", bbox=(x - 60, y - 60, x + 60, y + 60),
                           size=(120, 120), format="image/png", transparent=False)
        png = image.read()
        assert png.startswith(b"\x89PNG")
        counts = colours_of(png, tmp_path)
        assert has_colour(counts, vocabulary[category]), (category, desk["id"])
        assert len(counts) > 3, "not a blank image"


def test_getfeatureinfo_at_a_service_returns_its_name_and_hours(server):
    wms, url, _ = server
    import pyproj

    x, y = pyproj.Transformer.from_crs(4326, 3857, always_xy=True).transform(12.243529, 45.493889)  # desk VE-01
    half = 150
    response = wms.getfeatureinfo(layers=["services"], query_layers=["services"], styles=[""], srs="EPSG:3857",
                                  bbox=(x - half, y - half, x + half, y + half), size=(101, 101), format="image/png",
                                  info_format="text/plain", xy=(50, 50), feature_count=5)
    text = response.read().decode()
    assert "Sportello Immigrazione Mestre" in text
    assert "Mo-Fr 09:00-12:30; Tu,Th 09:00-12:30,14:30-16:30" in text
    assert "Orari / Opening hours" in text  # the readable alias


def test_getlegendgraphic_returns_a_legend_image(server):
    _, url, _ = server
    import urllib.request

    with urllib.request.urlopen(f"{url}?SERVICE=WMS&VERSION=1.3.0&REQUEST=GetLegendGraphic&LAYER=services"
                                "&FORMAT=image/png", timeout=60) as response:
        legend = response.read()
    assert legend.startswith(b"\x89PNG") and len(legend) > 1000


def test_no_suppressed_count_is_served(tmp_path):
    """Units of 3 and 8 people: GetFeatureInfo shows no population for them, 500 for the third."""
    import pyproj

    _, small = small_counts_results(tmp_path)
    published = write_project(small, tmp_path / "small.qgs")
    assert "coverage" in published["served"]
    to_3857 = pyproj.Transformer.from_crs(4326, 3857, always_xy=True)
    with serve(tmp_path / "small.qgs", tmp_path) as url:
        wms = WebMapService(url, version="1.3.0")
        answers = {}
        for code, lon, lat in (("A", 12.30, 45.55), ("B", 12.10, 45.40), ("C", 12.60, 45.65)):
            x, y = to_3857.transform(lon, lat)
            response = wms.getfeatureinfo(layers=["coverage"], query_layers=["coverage"], styles=[""],
                                          srs="EPSG:3857", bbox=(x - 100, y - 100, x + 100, y + 100), size=(101, 101),
                                          format="image/png", info_format="text/plain", xy=(50, 50))
            answers[code] = response.read().decode()
    assert "Borgo A" in answers["A"] and "Borgo B" in answers["B"]
    for code in ("A", "B"):
        line = next(x for x in answers[code].splitlines() if x.strip().startswith("Residenti / Residents"))
        assert "3" not in line and "8" not in line, line
    assert "500" in next(x for x in answers["C"].splitlines() if "Residenti / Residents" in x)


def test_publish_qgis_server_command(tmp_path):
    cli = Path(sys.executable).with_name("capacitymetro")
    results = cm.run_demo(tmp_path)["output"]
    done = subprocess.run([cli, "publish", "qgis-server", results, "--out", tmp_path / "site" / "cmv.qgs"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "site" / "cmv.qgs").exists() and (tmp_path / "site" / "cmv_public.gpkg").exists()
    assert (tmp_path / "site" / "cmv_zh.qgs").exists() and (tmp_path / "site" / "cmv_ar.qgs").exists()
    chosen = subprocess.run([cli, "publish", "qgis-server", results, "--out", tmp_path / "two" / "cmv.qgs",
                             "--languages", "ar,zh"], capture_output=True, text=True, timeout=300)
    assert chosen.returncode == 0, chosen.stderr
    assert sorted(p.name for p in (tmp_path / "two").glob("*.qgs")) == ["cmv.qgs", "cmv_ar.qgs", "cmv_zh.qgs"]
    wrong = subprocess.run([cli, "publish", "qgis-server", results, "--out", tmp_path / "x.qgs", "--languages", "de"],
                           capture_output=True, text=True, timeout=300)
    assert wrong.returncode == 2 and "--languages" in wrong.stderr
    bad = subprocess.run([cli, "publish", "qgis-server", tmp_path / "nothing.gpkg", "--out", tmp_path / "x.qgs"],
                         capture_output=True, text=True, timeout=300)
    assert bad.returncode == 2 and "no such file" in bad.stderr and "Traceback" not in bad.stderr


# The layers in seven languages: one project per language (QGIS Server 3.22 picks no language per request).
# The expected texts are read from the core's catalogue (styles/layers_i18n.json) by their English source.
CATALOGUE = json.loads((ROOT / "styles" / "layers_i18n.json").read_text(encoding="utf-8"))["texts"]
DESK_VE01 = (12.243529, 45.493889)


def english(results: str | Path, layer: str, field: str | None = None) -> str:
    """The English source text of a layer's title, or of a field's alias, as the core stored it."""
    with sqlite3.connect(results) as db:
        if field is None:
            return db.execute("select title_en from capacitymetro_layers where layer_name = ?", (layer,)).fetchone()[0]
        return db.execute("select title_en from capacitymetro_fields where layer_name = ? and field_name = ?",
                          (layer, field)).fetchone()[0]


@pytest.fixture(scope="module")
def languages(tmp_path_factory):
    """The demo published in every language; the Italian / English project and each language's, served."""
    folder = tmp_path_factory.mktemp("languages")
    results = cm.run_demo(folder)["output"]
    published = write_project(results, folder / "cmv.qgs")
    assert sorted(published["projects"]) == ["ar", "bn", "en", "fr", "it", "uk", "zh"]
    with contextlib.ExitStack() as stack:
        urls = {language: stack.enter_context(serve(Path(path), folder / language))
                for language, path in published["projects"].items()}
        yield results, urls


@pytest.mark.parametrize("language", ["ar", "zh"])
def test_capabilities_titles_in_the_project_language(languages, language):
    results, urls = languages
    wms = WebMapService(urls[language], version="1.3.0")
    for layer in ("services", "municipalities"):
        assert wms.contents[layer].title == CATALOGUE[english(results, layer)][language]


@pytest.mark.parametrize("language", ["ar", "zh"])
def test_getfeatureinfo_aliases_in_the_project_language(languages, language):
    import pyproj

    results, urls = languages
    x, y = pyproj.Transformer.from_crs(4326, 3857, always_xy=True).transform(*DESK_VE01)
    wms = WebMapService(urls[language], version="1.3.0")
    response = wms.getfeatureinfo(layers=["services"], query_layers=["services"], styles=[""], srs="EPSG:3857",
                                  bbox=(x - 150, y - 150, x + 150, y + 150), size=(101, 101), format="image/png",
                                  info_format="text/plain", xy=(50, 50), feature_count=5)
    text = response.read().decode()
    assert "Sportello Immigrazione Mestre" in text
    for field in ("opening_hours", "address", "phone"):
        alias = CATALOGUE[english(results, "services", field)][language]
        assert f"{alias} = " in text, (alias, text)
    assert "Opening hours" not in text and "Orari" not in text


def test_getlegendgraphic_differs_from_the_italian_one_in_every_language(languages, tmp_path):
    _, urls = languages

    def legend(url: str, layer: str) -> list:
        with urllib.request.urlopen(f"{url}?SERVICE=WMS&VERSION=1.3.0&REQUEST=GetLegendGraphic&LAYER={layer}"
                                    "&FORMAT=image/png", timeout=60) as response:
            png = response.read()
        assert png.startswith(b"\x89PNG")
        return pixels_of(png, tmp_path)

    for layer in ("services", "municipalities"):
        italian = legend(urls["it"], layer)
        for language in ("en", "fr", "ar", "bn", "uk", "zh"):
            assert legend(urls[language], layer) != italian, (layer, language)
