"""The embedded demo against an independent computation (pyproj + numpy)."""

import csv
import json
import sqlite3
from pathlib import Path

import capacitymetro as cm
import numpy as np
import pyproj
import pytest
from shapely.geometry import Point, shape

CAR_SPEED_M_S = 30 / 3.6  # documented straight-line defaults
DETOUR = 1.3


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    return cm.run_demo(tmp_path_factory.mktemp("demo"))


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_demo_data_facts(demo_data):
    municipalities = json.loads((demo_data / "municipalities.geojson").read_text())["features"]
    assert len(municipalities) == 44
    assert sum(f["properties"]["population"] for f in municipalities) == 833_703
    by_code = {f["properties"]["istat_code"]: f["properties"] for f in municipalities}
    assert by_code["027042"]["name"] == "Venezia" and by_code["027042"]["population"] == 250_369
    assert by_code["027008"]["population"] == 47_630


def test_every_town_centre_lies_inside_its_own_municipality(demo_data):
    polygons = {f["properties"]["istat_code"]: shape(f["geometry"])
                for f in json.loads((demo_data / "municipalities.geojson").read_text())["features"]}
    centres = read_csv(demo_data / "town_centres.csv")
    assert len(centres) == 44
    for row in centres:
        point = Point(float(row["lon"]), float(row["lat"]))
        assert polygons[row["istat_code"]].contains(point), row["name"]
        assert row["source"].startswith("http"), row["name"]


def test_venezia_is_represented_by_mestre_not_a_centroid(demo_data):
    venezia = next(r for r in read_csv(demo_data / "town_centres.csv") if r["istat_code"] == "027042")
    assert venezia["place"] == "Mestre"
    geod = pyproj.Geod(ellps="WGS84")
    # Piazza Ferretto, the centre of Mestre: 45.4906 N, 12.2420 E
    _, _, metres = geod.inv(float(venezia["lon"]), float(venezia["lat"]), 12.2420, 45.4906)
    assert metres < 1_000


def test_demo_numbers_equal_an_independent_computation(demo, demo_data):
    to_utm = pyproj.Transformer.from_crs(4326, 32633, always_xy=True)
    services = read_csv(demo_data / "services.csv")
    centres = read_csv(demo_data / "town_centres.csv")
    sxy = np.array(to_utm.transform([float(s["lon"]) for s in services], [float(s["lat"]) for s in services])).T
    dxy = np.array(to_utm.transform([float(c["lon"]) for c in centres], [float(c["lat"]) for c in centres])).T
    population = np.array([float(c["population"]) for c in centres])
    seconds = np.hypot(dxy[:, None, 0] - sxy[None, :, 0], dxy[:, None, 1] - sxy[None, :, 1]) * DETOUR / CAR_SPEED_M_S
    assert demo["working_epsg"] == 32633 and demo["mode"] == "car"
    for row in demo["summary"]:
        category = row["category"]
        mask = np.array([category in s["categories"].split(";") for s in services])
        nearest = seconds[:, mask].min(axis=1)
        np.testing.assert_allclose(demo["coverage"][category]["nearest_time_s"], nearest, rtol=1e-9)
        np.testing.assert_array_equal(demo["coverage"][category]["count_within"], (seconds[:, mask] <= 1800).sum(axis=1))
        for minutes in (15, 30, 60):
            assert row["population_within_minutes"][minutes] == pytest.approx(population[nearest <= minutes * 60].sum())
        assert row["worst_served"][0] == int(np.argmax(nearest))
        assert row["population_total"] == 833_703


def test_demo_geopackage_layers(demo):
    with sqlite3.connect(demo["output"]) as db:
        tables = {r[0]: r[1] for r in db.execute("select table_name, data_type from gpkg_contents")}
        assert tables == {"services": "features", "municipalities": "features", "summary": "attributes",
                          "accessibility": "features", "gaps_by_zone": "attributes", "suggested_sites": "features",
                          "layer_styles": "attributes", "capacitymetro_layers": "attributes",
                          "capacitymetro_fields": "attributes", "capacitymetro_translations": "attributes"}
        assert db.execute("select count(*) from suggested_sites").fetchone()[0] == 3
        assert db.execute("select count(*) from gaps_by_zone").fetchone()[0] == 11 * 44
        assert db.execute("select count(*) from municipalities").fetchone()[0] == 44
        assert db.execute("select sum(population) from municipalities").fetchone()[0] == 833_703
        assert db.execute("select count(*) from services").fetchone()[0] == len(demo["services"])
        assert db.execute("select count(*) from summary").fetchone()[0] == 11
        srs = db.execute("select srs_id from gpkg_geometry_columns where table_name='municipalities'").fetchone()[0]
        assert srs == 32633
        mestre = db.execute("select legal_nearest_id, legal_count_30min from municipalities where id='027042'").fetchone()
        assert mestre[0].startswith("VE-") and mestre[1] >= 5


def test_demo_cli_prints_the_summary(tmp_path):
    import subprocess
    import sys

    cli = Path(sys.executable).with_name("capacitymetro")
    result = subprocess.run([cli, "demo", "--out", tmp_path], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "Legal help and residence permits" in result.stdout
    assert "Residents: 833 703 in 44 units." in result.stdout
    assert "not an official directory" in result.stdout
    assert "Suggested new sites for" in result.stdout and "Service gaps," in result.stdout
    assert (tmp_path / "cmv_demo.gpkg").exists()


def test_every_styled_layer_has_parsable_qml_and_sld(demo):
    import xml.etree.ElementTree as ET

    with sqlite3.connect(demo["output"]) as db:
        styles = db.execute("select f_table_name, styleName, styleQML, styleSLD, useAsDefault from layer_styles").fetchall()
    tables = {t for t, *_ in styles}
    assert tables == {"services", "municipalities", "accessibility", "suggested_sites"}
    for table in tables:
        assert sum(d for t, _, _, _, d in styles if t == table) == 1, f"{table}: one default style"
    for _, name, qml, sld, _ in styles:
        qml_root = ET.fromstring(qml.split("\n", 1)[1])  # after the DOCTYPE line
        assert qml_root.find("renderer-v2") is not None, name
        sld_root = ET.fromstring(sld.encode())
        assert sld_root.tag == "{http://www.opengis.net/sld}StyledLayerDescriptor" and sld_root.get("version") == "1.0.0"
        assert sld_root.findall(".//{http://www.opengis.net/sld}Rule"), name
    services = next(qml for t, _, qml, _, _ in styles if t == "services")
    for category in cm.vocabulary():
        r, g, b = (int(category["colour"][i:i + 2], 16) for i in (1, 3, 5))
        assert f'value="{r},{g},{b},255"' in services
        assert f'{category["labels"]["it"]} / {category["labels"]["en"]}' in services


def test_the_land_mask_keeps_the_places_on_land_and_the_lagoon_as_water():
    """The demo maps draw water where ``land.geojson`` has no land: every place a person can start from must be
    on land (the islands' localities too), while most of Venezia's polygon, which holds the lagoon, is water."""
    from shapely.ops import unary_union

    data = Path(cm.__file__).parent / "data"
    land = unary_union([shape(f["geometry"]) for f in json.loads((data / "land.geojson").read_text())["features"]])
    with open(data / "places.csv", newline="", encoding="utf-8") as f:
        places = list(csv.DictReader(f))
    assert len(places) >= 50
    for place in places:
        assert land.distance(Point(float(place["lon"]), float(place["lat"]))) < 0.001, place["name"]  # ~100 m
    municipalities = json.loads((data / "municipalities.geojson").read_text())["features"]
    venezia = shape(next(f["geometry"] for f in municipalities if f["properties"]["istat_code"] == "027042"))
    # in degrees squared at 45.4 N: one degree is 111.3 km north and 78.2 km east
    water_km2 = venezia.difference(land).area * 111.3 * 78.2
    assert 150 < water_km2 < 300, water_km2  # the comune is 415.9 km2, most of it lagoon
    assert not land.contains(Point(12.45, 45.38)) and not land.contains(Point(12.28, 45.42))  # Adriatic, lagoon
