"""Bad input gives a clear error naming the layer, feature and field."""

import math
import shutil
import subprocess

import capacitymetro as cm
import pytest

from conftest import good_service, write_csv, write_geojson


def problems_of(path):
    with pytest.raises(cm.CatalogueError) as info:
        cm.validate(path)
    return info.value.problems, str(info.value)


def test_demo_catalogue_is_valid(demo_data):
    services = cm.validate(demo_data / "services.csv")
    assert len(services) >= 40
    covered = {c for s in services for c in s["categories"]}
    assert covered == {c["id"] for c in cm.vocabulary()}


@pytest.mark.parametrize(
    "override, field, message",
    [
        ({"categories": "legal;spa"}, "categories", "unknown category 'spa'"),
        ({"languages": "it;xx"}, "languages", "unknown language code 'xx'"),
        ({"municipality_istat": "27042"}, "municipality_istat", "malformed ISTAT code '27042'"),
        ({"opening_hours": "Mo-Fr 9 to 5"}, "opening_hours", "unparsable opening_hours 'Mo-Fr 9 to 5'"),
        ({"name": ""}, "name", "empty name"),
        ({"geometry": None}, "geometry", "missing geometry"),
        ({"capacity": -3}, "capacity", "capacity '-3' is not a positive number"),
        ({"capacity": 0}, "capacity", "capacity '0' is not a positive number"),
    ],
)
def test_each_catalogue_problem_names_layer_feature_and_field(tmp_path, override, field, message):
    path = write_geojson(tmp_path / "desks.geojson", [good_service(**override)])
    problems, text = problems_of(path)
    assert problems == [{"layer": "desks", "feature": "S1", "field": field, "message": problems[0]["message"]}]
    assert message in problems[0]["message"]
    assert f"layer 'desks', feature 'S1', field '{field}'" in text


def test_non_point_geometry_is_reported(tmp_path):
    path = write_geojson(tmp_path / "desks.geojson", [good_service()], geometry_type="LineString")
    problems, _ = problems_of(path)
    assert problems[0]["field"] == "geometry" and "LineString, expected a point" in problems[0]["message"]


def test_all_problems_are_reported_at_once(tmp_path):
    rows = [good_service(categories="spa"), good_service(languages="zz"), good_service(id="S2", name="")]
    problems, text = problems_of(write_geojson(tmp_path / "desks.geojson", rows))
    assert [(p["feature"], p["field"]) for p in problems] == [
        ("S1", "categories"), ("S1", "id"), ("S1", "languages"), ("S2", "name")]
    assert text.startswith("4 problem(s) in the service catalogue")


def test_csv_catalogue_reads_lon_lat(tmp_path):
    services = cm.validate(write_csv(tmp_path / "desks.csv", [good_service()]))
    assert services[0]["categories"] == ["legal", "health"]


def test_csv_without_coordinates_is_refused(tmp_path):
    row = {k: v for k, v in good_service().items() if k not in ("lon", "lat")}
    with pytest.raises(cm.InputError, match="layer 'desks'.*no lon/lat"):
        cm.validate(write_csv(tmp_path / "desks.csv", [row]))


def test_missing_file(tmp_path):
    with pytest.raises(cm.InputError, match=r"nothere\.gpkg: no such file"):
        cm.validate(tmp_path / "nothere.gpkg")


def test_corrupt_file(tmp_path):
    path = tmp_path / "broken.gpkg"
    path.write_bytes(b"not a geopackage at all")
    with pytest.raises(cm.InputError, match="not a readable vector data source"):
        cm.validate(path)


def test_empty_layer(tmp_path):
    path = tmp_path / "empty.geojson"
    path.write_text('{"type": "FeatureCollection", "features": []}')
    with pytest.raises(cm.InputError, match="layer 'empty': the layer has no features"):
        cm.validate(path)


def test_geographic_working_crs_is_refused(demo_data):
    with pytest.raises(cm.CrsError, match="EPSG:4326 .* is not projected"):
        cm.validate(demo_data / "services.csv", working_epsg=4326)


@pytest.mark.skipif(shutil.which("ogr2ogr") is None, reason="ogr2ogr (gdal-bin) is not installed")
def test_layer_without_crs_is_refused(tmp_path):
    source = write_geojson(tmp_path / "desks.geojson", [good_service()])
    shapefile = tmp_path / "desks.shp"
    subprocess.run(["ogr2ogr", "-f", "ESRI Shapefile", str(shapefile), str(source)], check=True)
    (tmp_path / "desks.prj").unlink()
    with pytest.raises(cm.CrsError, match="layer 'desks' has no CRS"):
        cm.validate(shapefile)


def test_reprojection_from_any_crs_gives_the_same_answer(tmp_path, demo_data):
    """Monte Mario / Italy zone 1 (EPSG:3003) input, same points: same working coordinates."""
    import pyproj

    to_3003 = pyproj.Transformer.from_crs(4326, 3003, always_xy=True)
    row = good_service()
    x, y = to_3003.transform(row["lon"], row["lat"])
    projected = write_geojson(tmp_path / "desks3003.geojson", [dict(row, lon=x, lat=y)], crs="urn:ogc:def:crs:EPSG::3003")
    plain = write_geojson(tmp_path / "desks4326.geojson", [row])
    a = cm.validate(projected, working_epsg=32633)[0]
    b = cm.validate(plain, working_epsg=32633)[0]
    expected = pyproj.Transformer.from_crs(4326, 32633, always_xy=True).transform(row["lon"], row["lat"])
    assert math.isclose(a["x"], b["x"], abs_tol=0.01) and math.isclose(a["y"], b["y"], abs_tol=0.01)
    assert math.isclose(b["x"], expected[0], abs_tol=1e-6) and math.isclose(b["y"], expected[1], abs_tol=1e-6)


def demand_rows(**override):
    row = {"code": "D1", "pop": 120, "lon": 12.25, "lat": 45.49}
    row.update(override)
    return [row]


@pytest.mark.parametrize(
    "override, message",
    [
        ({"pop": float("nan")}, "layer 'demand', feature 'D1', field 'pop': population nan must be a finite number >= 0"),
        ({"pop": -5}, "layer 'demand', feature 'D1', field 'pop': population -5 must be a finite number >= 0"),
        ({"pop": "many"}, "layer 'demand', feature 'D1', field 'pop': 'many' is not a number"),
    ],
)
def test_bad_population(tmp_path, demo_data, override, message):
    demand = write_csv(tmp_path / "demand.csv", demand_rows(**override))
    with pytest.raises(cm.InputError) as info:
        cm.coverage(demo_data / "services.csv", demand, "pop", id_field="code")
    assert str(info.value) == message
    assert info.value.problem["field"] == "pop"


def test_wrong_field_name_lists_the_fields(tmp_path, demo_data):
    demand = write_csv(tmp_path / "demand.csv", demand_rows())
    with pytest.raises(cm.InputError) as info:
        cm.coverage(demo_data / "services.csv", demand, "population", id_field="code")
    assert str(info.value) == "layer 'demand', field 'population': no such field (fields: code, pop)"


def test_polygon_demand_uses_a_point_inside(tmp_path, demo_data):
    """A C-shaped polygon whose centroid lies outside: the point used must be inside."""
    from shapely.geometry import Point, shape

    ring = [[12.20, 45.40], [12.30, 45.40], [12.30, 45.42], [12.22, 45.42], [12.22, 45.48], [12.30, 45.48],
            [12.30, 45.50], [12.20, 45.50], [12.20, 45.40]]
    geometry = {"type": "Polygon", "coordinates": [ring]}
    demand = write_geojson(tmp_path / "zones.geojson", [{"code": "Z", "pop": 10, "geometry": geometry}])
    result = cm.coverage(demo_data / "services.csv", demand, "pop", id_field="code", working_epsg=32633)
    import pyproj

    lon, lat = pyproj.Transformer.from_crs(32633, 4326, always_xy=True).transform(*result["demand"]["xy"][0])
    assert shape(geometry).contains(Point(lon, lat))
    assert not shape(geometry).contains(shape(geometry).centroid)


@pytest.mark.skipif(shutil.which("ogr2ogr") is None, reason="ogr2ogr (gdal-bin) is not installed")
@pytest.mark.parametrize("driver, suffix", [("GPKG", ".gpkg"), ("ESRI Shapefile", ".shp"), ("GeoJSON", ".geojson")])
def test_every_format_gives_the_same_catalogue(tmp_path, demo_data, driver, suffix):
    """The demo catalogue converted by ogr2ogr (to EPSG:3003 on the way) reads back the same."""
    target = tmp_path / f"services{suffix}"
    subprocess.run(["ogr2ogr", "-f", driver, "-s_srs", "EPSG:4326", "-t_srs", "EPSG:3003", "-oo", "X_POSSIBLE_NAMES=lon",
                    "-oo", "Y_POSSIBLE_NAMES=lat", str(target), str(demo_data / "services.csv")], check=True)
    expected = cm.validate(demo_data / "services.csv", working_epsg=32633)
    got = cm.validate(target, working_epsg=32633)
    assert [s["id"] for s in got] == [s["id"] for s in expected]
    for a, b in zip(got, expected):
        assert a["categories"] == b["categories"] and a["opening_hours"] == b["opening_hours"]
        assert math.hypot(a["x"] - b["x"], a["y"] - b["y"]) < 0.01


def _swapped_copy(tmp_path, demo_data, rows_to_swap):
    """The demo catalogue with the lon and lat of some rows exchanged (the classic spreadsheet slip)."""
    import csv

    with open(demo_data / "services.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    for i in rows_to_swap:
        rows[i]["lon"], rows[i]["lat"] = rows[i]["lat"], rows[i]["lon"]
    return write_csv(tmp_path / "services.csv", rows), [rows[i]["id"] for i in rows_to_swap]


def _places(tmp_path, demo_data, swap=False):
    import csv

    with open(demo_data / "places.csv", newline="", encoding="utf-8") as f:
        rows = [dict(r, pop="100") for r in csv.DictReader(f)]
    if swap:
        for r in rows:
            r["lon"], r["lat"] = r["lat"], r["lon"]
    return write_csv(tmp_path / "places.csv", rows)


def test_a_service_with_lon_and_lat_swapped_is_named_in_a_warning_and_refused_when_strict(tmp_path, demo_data):
    services, swapped = _swapped_copy(tmp_path, demo_data, [3])
    places = _places(tmp_path, demo_data)
    with pytest.warns(cm.CapacityMetroWarning) as caught:
        cm.coverage(services, places, "pop", id_field="name")
    messages = [str(w.message) for w in caught]
    far = [m for m in messages if "from the other features" in m]
    assert len(far) == 1 and f"layer 'services': {swapped[0]} (1 feature) lie more than" in far[0]
    assert "longitude and latitude look swapped" in far[0]
    with pytest.raises(cm.InputError, match=rf"layer 'services', field 'geometry': {swapped[0]} .* \(refused: strict\)"):
        cm.coverage(services, places, "pop", id_field="name", strict=True)


def test_a_demand_layer_with_lon_and_lat_swapped_lies_far_from_the_services(tmp_path, demo_data):
    places = _places(tmp_path, demo_data, swap=True)
    with pytest.warns(cm.CapacityMetroWarning, match=r"layer 'places': its features lie \d+ km from those of layer "
                      r"'services': are longitude and latitude swapped"):
        cm.coverage(demo_data / "services.csv", places, "pop", id_field="name")


def test_a_point_far_outside_the_working_crs_is_named(tmp_path, demo_data):
    """A point 1e15 m east in a named EPSG:32633 layer: outside the zone's area of use and far from the rest."""
    rows = [{"id": f"D{i}", "name": f"Desk {i}", "categories": "legal", "geometry": {
        "type": "Point", "coordinates": [290000.0 + 1000 * i, 5035000.0]}} for i in range(6)]
    rows[5]["geometry"]["coordinates"][0] = 1e15
    services = write_geojson(tmp_path / "desks.geojson", rows, crs="EPSG:32633")
    with pytest.warns(cm.CapacityMetroWarning) as caught:
        cm.coverage(services, _places(tmp_path, demo_data), "pop", id_field="name", working_epsg=32633)
    messages = " | ".join(str(w.message) for w in caught)
    assert "layer 'desks': D5 (1 feature) lie more than 100 km from the other features" in messages
    assert "D5 (1 feature) lie outside the area where EPSG:32633 is meant to be used" in messages


def test_the_cli_prints_a_warning_as_one_line(tmp_path, demo_data):
    services, swapped = _swapped_copy(tmp_path, demo_data, [0])
    import sys
    from pathlib import Path

    result = subprocess.run([str(Path(sys.executable).with_name("capacitymetro")), "nearest", str(services),
                             str(_places(tmp_path, demo_data)), "--population-field", "pop", "--id-field", "name"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines and all(line.startswith("capacitymetro nearest: warning: layer '") for line in lines)
    assert any(swapped[0] in line for line in lines) and "Traceback" not in result.stderr


LATIN_NAMES = ["Caffè Città", "Società Cooperativa “Àncora”"]  # “ and ” are Windows-1252 only (0x93, 0x94)


def test_a_windows_1252_csv_is_read_with_its_accents_and_a_warning(tmp_path):
    rows = [good_service(id=f"S{i}", name=name, lon=12.33 + i / 100) for i, name in enumerate(LATIN_NAMES)]
    path = write_csv(tmp_path / "utf8.csv", rows)
    latin = tmp_path / "latin.csv"
    latin.write_bytes(path.read_text(encoding="utf-8").encode("cp1252"))
    with pytest.warns(cm.CapacityMetroWarning, match=r"layer 'latin': the text is not UTF-8, so it was read as "
                      r"Windows-1252 \(Latin-1\), e\.g\. fid \d+, field 'name': 'Caffè Città'"):
        services = cm.validate(latin)
    assert [s["name"] for s in services] == LATIN_NAMES
    assert [s["name"] for s in cm.validate(path)] == LATIN_NAMES  # UTF-8 stays as it is, without a warning


def test_a_shapefile_without_cpg_in_latin_1_is_read_with_its_accents(tmp_path):
    rows = [good_service(id=f"S{i}", name=name, lon=12.33 + i / 100) for i, name in enumerate(LATIN_NAMES)]
    source = write_csv(tmp_path / "utf8.csv", rows)
    subprocess.run(["ogr2ogr", "-f", "ESRI Shapefile", "-lco", "ENCODING=CP1252", str(tmp_path / "desks.shp"),
                    str(source), "-oo", "X_POSSIBLE_NAMES=lon", "-oo", "Y_POSSIBLE_NAMES=lat", "-a_srs", "EPSG:4326"],
                   check=True, capture_output=True)
    (tmp_path / "desks.cpg").unlink()  # as many shapefiles arrive: no word on their encoding
    with pytest.warns(cm.CapacityMetroWarning, match="read as Windows-1252"):
        services = cm.validate(tmp_path / "desks.shp")
    assert [s["name"] for s in services] == LATIN_NAMES


def _demand(tmp_path, header, rows):
    path = tmp_path / "units.csv"
    path.write_text(",".join(header) + "\n" + "\n".join(",".join(map(str, r)) for r in rows) + "\n")
    return path


def test_the_population_field_is_found_by_its_name_and_an_identifier_is_refused(tmp_path, demo_data):
    services = demo_data / "services.csv"
    units = [(1, "A", 120, 12.24, 45.49), (2, "B", 80, 12.25, 45.50)]
    picked = cm.coverage(services, _demand(tmp_path, ["fid", "name", "population", "lon", "lat"], units), id_field="name")
    assert list(picked["demand"]["population"]) == [120, 80]
    italian = cm.coverage(services, _demand(tmp_path, ["fid", "name", "Residenti", "lon", "lat"], units), id_field="name")
    assert list(italian["demand"]["population"]) == [120, 80]
    only_ids = _demand(tmp_path, ["fid", "code", "lon", "lat"], [(1, "A", 12.24, 45.49), (2, "B", 12.25, 45.50)])
    with pytest.raises(cm.InputError, match=r"layer 'units', field 'population_field': no numeric field is named like "
                       r"a population: name it \(fields: fid, code\)"):
        cm.coverage(services, only_ids)
    with pytest.raises(cm.InputError, match=r"layer 'units', field 'fid': is an identifier, not a number of residents"):
        cm.coverage(services, only_ids, "fid")
    two = _demand(tmp_path, ["name", "pop2019", "pop2023", "lon", "lat"], [("A", 1, 2, 12.24, 45.49)])
    with pytest.raises(cm.InputError, match=r"several fields look like a population \(pop2019, pop2023\): name one"):
        cm.coverage(services, two)


def test_the_name_field_is_found_by_its_name_else_the_identifier_serves(tmp_path, demo_data):
    services = demo_data / "services.csv"
    units = [(1, "Mestre", 120, 12.24, 45.49), (2, "Marghera", 80, 12.25, 45.50)]
    named = cm.coverage(services, _demand(tmp_path, ["fid", "Nome", "population", "lon", "lat"], units), id_field="fid")
    assert list(named["demand"]["name"]) == ["Mestre", "Marghera"]
    unnamed = cm.coverage(services, _demand(tmp_path, ["fid", "label", "population", "lon", "lat"], units),
                          id_field="fid")
    assert list(unnamed["demand"]["name"]) == ["1", "2"]
