"""The analyst's own travel-cost matrix as the cost model of every analysis.

The matrix is made here from the straight-line model's own definition
(crow-fly distance x detour factor 1.3 / walking speed 1.25 m/s, the
documented defaults), computed with numpy on the coordinates written in the
metric working CRS; each analysis on it must equal the same analysis on the
geometry. Bad tables (unmatched and duplicate ids, negative and NaN costs)
are refused with InputError naming the table, the row and the field.
"""

from __future__ import annotations

import csv
from pathlib import Path

import capacitymetro
import numpy as np
import pytest

from conftest import good_service, write_geojson

EPSG = 32633  # UTM 33N, which holds Venice
CRS = f"urn:ogc:def:crs:EPSG::{EPSG}"
WALK_M_S, DETOUR = 1.25, 1.3
CATEGORIES = ["legal", "health", "italian_courses"]


def _scene(folder: Path, seed: int = 7, units: int = 60, desks: int = 9):
    rng = np.random.default_rng(seed)
    origin = np.array([291_000.0, 5_035_000.0])
    demand_xy = origin + rng.uniform(0, 6_000, size=(units, 2))
    service_xy = origin + rng.uniform(0, 6_000, size=(desks, 2))
    demand_rows = [
        {"id": f"D{i}", "population": float(rng.integers(50, 2_000)), "zone": f"Z{i % 4}",
         "geometry": {"type": "Point", "coordinates": list(xy)}}
        for i, xy in enumerate(demand_xy)
    ]
    service_rows = []
    for j, xy in enumerate(service_xy):
        categories = ";".join(c for k, c in enumerate(CATEGORIES) if (j + k) % 2 == 0 or k == j % 3)
        row = good_service(id=f"S{j}", categories=categories, capacity=float(rng.integers(10, 100)))
        row.pop("lon"), row.pop("lat")
        row["geometry"] = {"type": "Point", "coordinates": list(xy)}
        service_rows.append(row)
    demand = write_geojson(folder / "demand.geojson", demand_rows, crs=CRS)
    services = write_geojson(folder / "services.geojson", service_rows, crs=CRS)
    return {
        "services": services, "demand": demand,
        "demand_ids": [r["id"] for r in demand_rows], "service_ids": [r["id"] for r in service_rows],
        "demand_xy": demand_xy, "service_xy": service_xy,
    }


def _times_s(origins: np.ndarray, destinations: np.ndarray) -> np.ndarray:
    """The straight-line model's times, from its definition."""
    distance_m = np.hypot(origins[:, None, 0] - destinations[None, :, 0], origins[:, None, 1] - destinations[None, :, 1])
    return distance_m * DETOUR / WALK_M_S


def _long_table(origin_ids, destination_ids, times_s, keep=None):
    i, j = np.nonzero(np.ones_like(times_s, dtype=bool) if keep is None else keep)
    return {
        "origin_id": np.asarray(origin_ids, dtype=object)[i],
        "destination_id": np.asarray(destination_ids, dtype=object)[j],
        "cost": times_s[i, j],
    }


def _write_csv(path: Path, table: dict, unit_scale: float = 1.0) -> Path:
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["origin_id", "destination_id", "cost"])
        for o, d, c in zip(table["origin_id"], table["destination_id"], table["cost"]):
            writer.writerow([o, d, repr(float(c) / unit_scale)])
    return path


@pytest.fixture
def scene(tmp_path):
    s = _scene(tmp_path)
    to_services = _times_s(s["demand_xy"], s["service_xy"])
    to_units = _times_s(s["demand_xy"], s["demand_xy"])  # the default candidates are the demand units
    s["matrix"] = {
        k: np.concatenate([a[k], b[k]])
        for a, b in [(_long_table(s["demand_ids"], s["service_ids"], to_services),
                      _long_table(s["demand_ids"], s["demand_ids"], to_units))]
        for k in a
    }
    s["csv"] = _write_csv(tmp_path / "matrix.csv", s["matrix"])
    s["common"] = dict(population_field="population", id_field="id", aggregate_by="zone", working_epsg=EPSG)
    return s


def _same_coverage(a, b):
    assert a["coverage"].keys() == b["coverage"].keys()
    for category in a["coverage"]:
        x, y = a["coverage"][category], b["coverage"][category]
        assert list(x["nearest_service"]) == list(y["nearest_service"]), category
        np.testing.assert_allclose(x["nearest_time_s"], y["nearest_time_s"], rtol=1e-9)
        np.testing.assert_array_equal(x["count_within"], y["count_within"])
    for s, t in zip(a["summary"], b["summary"]):
        assert s["population_within_minutes"] == t["population_within_minutes"]


@pytest.mark.parametrize("given", ["csv", "arrays", "minutes"])
def test_coverage_on_the_matrix_equals_coverage_on_the_geometry(scene, tmp_path, given):
    geometry = capacitymetro.coverage(scene["services"], scene["demand"], categories=CATEGORIES, **scene["common"])
    if given == "csv":
        options = dict(matrix=scene["csv"])
    elif given == "arrays":
        options = dict(matrix=scene["matrix"])
    else:
        options = dict(matrix=_write_csv(tmp_path / "minutes.csv", scene["matrix"], 60.0), matrix_cost_unit="minutes")
    on_matrix = capacitymetro.coverage(scene["services"], scene["demand"], categories=CATEGORIES, **options, **scene["common"])
    assert geometry["cost_model"] == "straight_line" and on_matrix["cost_model"] == "matrix"
    _same_coverage(geometry, on_matrix)
    # a matrix gives times, not distances
    assert np.isnan(on_matrix["coverage"]["legal"]["nearest_distance_m"]).all()


def test_accessibility_and_gaps_on_the_matrix_equal_those_on_the_geometry(scene):
    for method in ["2sfca", "e2sfca", "gravity"]:
        options = dict(categories=CATEGORIES, method=method, **scene["common"])
        geometry = capacitymetro.accessibility(scene["services"], scene["demand"], **options)
        on_matrix = capacitymetro.accessibility(scene["services"], scene["demand"], matrix=scene["csv"], **options)
        for category in CATEGORIES:
            x, y = geometry["categories"][category], on_matrix["categories"][category]
            np.testing.assert_allclose(x["access"], y["access"], rtol=1e-9)
            for field in ["unserved", "low_access", "gap_score"]:
                np.testing.assert_allclose(x[field], y[field], rtol=1e-9)
            assert [z[0] for z in x["by_zone"]] == [z[0] for z in y["by_zone"]]
            np.testing.assert_allclose([z[1:] for z in x["by_zone"]], [z[1:] for z in y["by_zone"]], rtol=1e-9)


def test_sites_on_the_matrix_equal_those_on_the_geometry(scene, tmp_path):
    for within in [10.0, 25.0]:
        options = dict(category="legal", new_sites=3, covered_within_minutes=within, **scene["common"])
        geometry = capacitymetro.suggest_sites(scene["services"], scene["demand"], **options)
        on_matrix = capacitymetro.suggest_sites(scene["services"], scene["demand"], matrix=scene["matrix"], **options)
        assert on_matrix["sites"] == geometry["sites"]
        assert on_matrix["covered_after"] == pytest.approx(geometry["covered_after"])
        assert on_matrix["covered_before"] == pytest.approx(geometry["covered_before"])


def test_sites_among_candidates_named_by_the_matrix(scene, tmp_path):
    rng = np.random.default_rng(3)
    candidate_xy = scene["demand_xy"].min(axis=0) + rng.uniform(0, 6_000, size=(12, 2))
    rows = [{"id": f"C{k}", "geometry": {"type": "Point", "coordinates": list(xy)}} for k, xy in enumerate(candidate_xy)]
    candidates = write_geojson(tmp_path / "candidates.geojson", rows, crs=CRS)
    table = _long_table(scene["demand_ids"], [r["id"] for r in rows], _times_s(scene["demand_xy"], candidate_xy))
    services = _long_table(scene["demand_ids"], scene["service_ids"], _times_s(scene["demand_xy"], scene["service_xy"]))
    matrix = {k: np.concatenate([services[k], table[k]]) for k in table}
    options = dict(category="health", new_sites=2, covered_within_minutes=15.0, candidates=candidates, **scene["common"])
    geometry = capacitymetro.suggest_sites(scene["services"], scene["demand"], **options)
    on_matrix = capacitymetro.suggest_sites(scene["services"], scene["demand"], matrix=matrix, **options)
    assert on_matrix["sites"] == geometry["sites"]
    assert on_matrix["covered_after"] == pytest.approx(geometry["covered_after"])


def test_a_pair_absent_from_the_table_is_unreachable(scene):
    times = _times_s(scene["demand_xy"], scene["service_xy"])
    # only pairs within 20 minutes, and nothing to S0
    keep = times <= 1200.0
    keep[:, 0] = False
    table = _long_table(scene["demand_ids"], scene["service_ids"], times, keep)
    with pytest.warns(capacitymetro.CapacityMetroWarning, match=r"demand unit\(s\) have no row"):
        found = capacitymetro.coverage(scene["services"], scene["demand"], matrix=table, categories=["legal"],
                                       **scene["common"])
    assert found["unreachable_services"] == ["S0"]
    time_s = found["coverage"]["legal"]["nearest_time_s"]
    assert np.all(np.isinf(time_s) | (time_s <= 1200.0))


def _refusal(scene, tmp_path, rows, **options):
    path = tmp_path / "bad.csv"
    path.write_text("origin_id,destination_id,cost\n" + "".join(f"{o},{d},{c}\n" for o, d, c in rows))
    with pytest.raises(capacitymetro.InputError) as caught:
        capacitymetro.coverage(scene["services"], scene["demand"], matrix=path, **scene["common"], **options)
    return str(caught.value), caught.value


def test_bad_tables_are_refused_naming_the_file_row_and_field(scene, tmp_path):
    good = [("D0", "S0", 10.0), ("D1", "S1", 20.0)]
    message, error = _refusal(scene, tmp_path, [*good, ("nobody", "S0", 5.0)])
    assert "bad.csv', feature 'line 4', field 'origin_id': 'nobody' is not the id of any demand unit" in message
    assert error.problem["field"] == "origin_id"
    message, _ = _refusal(scene, tmp_path, [*good, ("D2", "S99", 5.0)])
    assert "feature 'line 4', field 'destination_id': 'S99' is not the id of any service or candidate site" in message
    message, _ = _refusal(scene, tmp_path, [*good, ("D1", "S1", 25.0)])
    assert "feature 'line 4', field 'destination_id': the pair 'D1' -> 'S1' is given twice (also line 3)" in message
    message, _ = _refusal(scene, tmp_path, [*good, ("D2", "S1", -3.0)])
    assert "feature 'line 4', field 'cost': -3 is negative" in message
    message, _ = _refusal(scene, tmp_path, [("D2", "S1", "NaN"), *good])
    assert "feature 'line 2', field 'cost': is NaN (not a number)" in message
    message, _ = _refusal(scene, tmp_path, [*good, ("D2", "S1", "")])
    assert "feature 'line 4', field 'cost': is empty" in message
    message, _ = _refusal(scene, tmp_path, [*good, ("D2", "S1", "soon")])
    assert "field 'cost': 'soon' is not a number" in message


def test_bad_arrays_are_refused_naming_the_row(scene):
    table = {"origin_id": np.array(["D0", "D1", "D2"]), "destination_id": np.array(["S0", "S1", "S2"]),
             "cost": np.array([1.0, np.nan, 3.0])}
    with pytest.raises(capacitymetro.InputError, match=r"feature 'row 1', field 'cost': is NaN"):
        capacitymetro.coverage(scene["services"], scene["demand"], matrix=table, **scene["common"])
    table["cost"][1] = -1.0
    with pytest.raises(capacitymetro.InputError, match=r"feature 'row 1', field 'cost': -1 is negative"):
        capacitymetro.coverage(scene["services"], scene["demand"], matrix=table, **scene["common"])
    table["cost"][1] = 2.0
    table["origin_id"][2] = "D0"
    table["destination_id"][2] = "S0"
    with pytest.raises(capacitymetro.InputError, match=r"row 2', field 'destination_id': the pair 'D0' -> 'S0' is given twice \(also row 0\)"):
        capacitymetro.coverage(scene["services"], scene["demand"], matrix=table, **scene["common"])
    with pytest.raises(capacitymetro.InputError, match=r"no column 'cost'"):
        capacitymetro.coverage(scene["services"], scene["demand"], matrix={"origin_id": [], "destination_id": []},
                               **scene["common"])


def test_integer_ids_match_the_ids_read_from_files(tmp_path):
    s = _scene(tmp_path, units=8, desks=4)
    rows = [{"id": i, "population": 100.0, "geometry": {"type": "Point", "coordinates": list(xy)}}
            for i, xy in enumerate(s["demand_xy"])]
    demand = write_geojson(tmp_path / "numbered.geojson", rows, crs=CRS)
    # ids given as numbers (as a data frame read from a CSV may have them) match the ids read from the file
    table = _long_table(np.arange(8), s["service_ids"], _times_s(s["demand_xy"], s["service_xy"]))
    table["origin_id"] = table["origin_id"].astype(float)  # 3.0 is the id 3
    options = dict(population_field="population", id_field="id", working_epsg=EPSG, categories=CATEGORIES)
    geometry = capacitymetro.coverage(s["services"], demand, **options)
    _same_coverage(geometry, capacitymetro.coverage(s["services"], demand, matrix=table, **options))


def test_parquet_matrices_are_read_with_pyarrow(scene, tmp_path):
    pq = pytest.importorskip("pyarrow.parquet")
    import pyarrow as pa

    path = tmp_path / "matrix.parquet"
    pq.write_table(pa.table({k: list(v) for k, v in scene["matrix"].items()}), path)
    geometry = capacitymetro.coverage(scene["services"], scene["demand"], categories=CATEGORIES, **scene["common"])
    on_matrix = capacitymetro.coverage(scene["services"], scene["demand"], matrix=path, categories=CATEGORIES, **scene["common"])
    _same_coverage(geometry, on_matrix)
    pq.write_table(pa.table({"origin_id": ["D0"], "destination_id": ["S0"], "minutes": [1.0]}), path)
    with pytest.raises(capacitymetro.InputError, match=r"matrix.parquet', field 'cost': no column 'cost'"):
        capacitymetro.coverage(scene["services"], scene["demand"], matrix=path, **scene["common"])


def test_the_matrix_is_an_option_of_every_analysis_in_the_parameter_table():
    for spec in capacitymetro.job_specs():
        if spec["name"] in ("coverage", "accessibility", "siting"):
            names = {p["name"]: p for p in spec["parameters"]}
            assert names["matrix"]["kind"] == "file"
            assert names["matrix_cost_unit"]["choices"] == ["seconds", "minutes"]
            assert names["matrix_cost_unit"]["default"] == "seconds"


def test_jobs_without_demand_refuse_a_matrix(scene):
    with pytest.raises(capacitymetro.InputError, match="parameter 'matrix'"):
        capacitymetro.travel_areas(scene["services"], matrix=scene["csv"], working_epsg=EPSG)
