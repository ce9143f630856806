"""GeoDataFrames in and out (capacitymetro.geo): the same results as the
file inputs, the CRS carried through, geometry passed as WKB in memory."""

from __future__ import annotations

import tempfile
from pathlib import Path

import capacitymetro
import numpy as np
import pytest

gpd = pytest.importorskip("geopandas")
pd = pytest.importorskip("pandas")
shapely = pytest.importorskip("shapely")
geo = pytest.importorskip("capacitymetro.geo")

DATA = capacitymetro.DEMO_DATA
CATEGORIES = ["legal", "asylum", "italian_courses", "health"]


def _services_frame() -> "gpd.GeoDataFrame":
    """The demo catalogue as an analyst reads it: every field as text, the points from lon/lat."""
    table = pd.read_csv(DATA / "services.csv", dtype=str, keep_default_na=False)
    points = gpd.points_from_xy(table.pop("lon").astype(float), table.pop("lat").astype(float))
    table["capacity"] = table["capacity"].astype(float)
    return gpd.GeoDataFrame(table, geometry=points, crs="EPSG:4326")


def _demand_frame() -> "gpd.GeoDataFrame":
    table = pd.read_csv(DATA / "town_centres.csv", dtype={"istat_code": str})
    points = gpd.points_from_xy(table.pop("lon"), table.pop("lat"))
    return gpd.GeoDataFrame(table, geometry=points, crs="EPSG:4326")


COMMON = dict(population_field="population", id_field="istat_code", name_field="name", aggregate_by="istat_code",
              display_polygons_key="istat_code", mode="car")


def _file_layers(job, output: Path, **options) -> tuple[dict, dict]:
    report = job(output=output, **options)
    return report, {name: gpd.read_file(output, layer=name) for name in report["layers"]}


def _same_layers(files: dict, frames: dict):
    assert list(files) == list(frames)
    for name, expected in files.items():
        got = frames[name]
        assert list(got.columns) == list(expected.columns), name
        attributes = [c for c in expected.columns if c != "geometry"]
        pd.testing.assert_frame_equal(pd.DataFrame(got[attributes]), pd.DataFrame(expected[attributes]), check_dtype=False)
        if isinstance(expected, gpd.GeoDataFrame):
            assert got.crs == expected.crs, name
            assert got.geometry.geom_equals_exact(expected.geometry, tolerance=1e-6).all(), name


def test_coverage_of_geodataframes_equals_coverage_of_the_files(tmp_path):
    polygons = gpd.read_file(DATA / "municipalities.geojson")
    report, files = _file_layers(capacitymetro.coverage, tmp_path / "files.gpkg", services=DATA / "services.csv",
                                 demand=DATA / "town_centres.csv", display_polygons=DATA / "municipalities.geojson",
                                 categories=CATEGORIES, **COMMON)
    frames, frame_report = geo.coverage_gdf(_services_frame(), _demand_frame(), display_polygons=polygons,
                                            categories=CATEGORIES, crs="working", with_report=True, **COMMON)
    for category in CATEGORIES:
        a, b = report["coverage"][category], frame_report["coverage"][category]
        assert list(a["nearest_service"]) == list(b["nearest_service"])
        np.testing.assert_allclose(a["nearest_time_s"], b["nearest_time_s"], rtol=1e-9)
    assert [s["population_within_minutes"] for s in report["summary"]] == [
        s["population_within_minutes"] for s in frame_report["summary"]]
    _same_layers(files, frames)
    # the working CRS, named
    assert frames["coverage"].crs.to_epsg() == report["working_epsg"]
    assert frames["coverage"].geom_type.isin(["MultiPolygon", "Polygon"]).all()


def test_accessibility_gaps_and_sites_of_geodataframes_equal_those_of_the_files(tmp_path):
    options = dict(categories=CATEGORIES, method="e2sfca", **COMMON)
    options.pop("display_polygons_key")
    _, files = _file_layers(capacitymetro.accessibility, tmp_path / "a.gpkg", services=DATA / "services.csv",
                            demand=DATA / "town_centres.csv", **options)
    frames = geo.gaps_gdf(_services_frame(), _demand_frame(), crs="working", **options)
    _same_layers(files, frames)
    site_options = dict(category="legal", new_sites=3, covered_within_minutes=20.0, **COMMON)
    site_options.pop("display_polygons_key")
    _, files = _file_layers(capacitymetro.suggest_sites, tmp_path / "s.gpkg", services=DATA / "services.csv",
                            demand=DATA / "town_centres.csv", **site_options)
    frames = geo.sites_gdf(_services_frame(), _demand_frame(), crs="working", **site_options)
    _same_layers(files, frames)
    candidates = _demand_frame().iloc[::3].rename(columns={"istat_code": "id"})
    with_candidates = geo.sites_gdf(_services_frame(), _demand_frame(), candidates=candidates, **site_options)
    assert set(with_candidates["suggested_sites"]["candidate"]) <= set(candidates["id"])


def test_output_layers_carry_the_crs(tmp_path):
    services = _services_frame().to_crs("EPSG:3003")  # Monte Mario / Italy zone 1
    demand = _demand_frame().to_crs("EPSG:3003")
    options = dict(population_field="population", id_field="istat_code", categories=["legal"], mode="car")
    layers = geo.coverage_gdf(services, demand, **options)
    for name, frame in layers.items():
        if isinstance(frame, gpd.GeoDataFrame) and frame.geometry.notna().any():
            assert frame.crs.to_epsg() == 3003, name
    working = geo.coverage_gdf(services, demand, crs="working", working_epsg=32633, **options)
    assert working["coverage"].crs.to_epsg() == 32633
    # the same places, whatever the CRS they come back in
    back = working["coverage"].to_crs("EPSG:3003")
    assert (back.geometry.distance(layers["coverage"].geometry) < 0.01).all()
    web = geo.coverage_gdf(services, demand, crs="EPSG:4326", **options)
    assert web["coverage"].crs.to_epsg() == 4326


def test_a_matrix_data_frame_with_geodataframes_gives_the_gaps(tmp_path):
    services, demand = _services_frame(), _demand_frame()
    working = geo.coverage_gdf(services, demand, crs="working", population_field="population", id_field="istat_code",
                               categories=["legal"], mode="car")
    # car times on straight lines, from the places in the working CRS
    units = working["coverage"]
    desks = working["services"]
    d = units.geometry.get_coordinates().to_numpy()
    s = desks.geometry.get_coordinates().to_numpy()
    seconds = np.hypot(d[:, None, 0] - s[None, :, 0], d[:, None, 1] - s[None, :, 1]) * 1.3 / (30 / 3.6)
    i, j = np.nonzero(seconds <= 3600)
    matrix = pd.DataFrame({"origin_id": units["id"].to_numpy()[i], "destination_id": desks["id"].to_numpy()[j],
                           "cost": seconds[i, j] / 60.0})
    options = dict(population_field="population", id_field="istat_code", categories=["legal"], mode="car")
    on_geometry = geo.gaps_gdf(services, demand, **options)
    on_matrix = geo.gaps_gdf(services, demand, matrix=matrix, matrix_cost_unit="minutes", **options)
    a, b = on_geometry["accessibility"], on_matrix["accessibility"]
    np.testing.assert_allclose(a["legal_access"], b["legal_access"], rtol=1e-6)
    assert on_matrix["accessibility"].crs == demand.crs
    assert set(on_matrix["gaps_by_zone"]["category"]) == {"legal"}


def test_geodataframes_without_a_crs_are_refused():
    demand = _demand_frame().set_crs(None, allow_override=True)
    with pytest.raises(capacitymetro.InputError, match="has no CRS"):
        geo.coverage_gdf(_services_frame(), demand, population_field="population")


def test_memory_layers_leave_no_file_behind():
    before = set(Path(tempfile.gettempdir()).iterdir())
    with geo.memory_layer("demand", _demand_frame()) as layer:
        assert layer.path.startswith("/vsimem/")
        found = capacitymetro.coverage(DATA / "services.csv", layer.path, population_field="population",
                                       id_field="istat_code", categories=["legal"])
        assert len(found["demand"]["id"]) == len(_demand_frame())
    with pytest.raises(capacitymetro.InputError, match="closed"):
        _ = layer.path
    after = {p for p in Path(tempfile.gettempdir()).iterdir() if "capacitymetro" in p.name}
    assert after <= before


def _desks_for_transit(folder: Path) -> Path:
    desks = folder / "desks.csv"
    desks.write_text("id,name,categories,lon,lat\nLIDO,Desk Lido,legal,12.3690,45.4160\n"
                     "VE-X,Desk Rialto,legal;health,12.3358,45.4380\n")
    return desks


def _requests(folder: Path) -> Path:
    from capacitymetro.synthetic import synthetic_requests
    requests = folder / "requests.csv"
    synthetic_requests(requests, n=1500, seed=4, start="2024-03-01", end="2025-06-30")
    return requests


FILES = dict(services=DATA / "services.csv", demand=DATA / "town_centres.csv")
DEMAND = dict(population_field="population", id_field="istat_code", mode="car")
#: Every job capacitymetro.geo runs: (job, its function writing a GeoPackage, options given the test's folder).
JOBS = [
    ("coverage", capacitymetro.coverage,
     lambda tmp: dict(FILES, display_polygons=DATA / "municipalities.geojson", categories=CATEGORIES, **COMMON)),
    ("coverage", capacitymetro.coverage, lambda tmp: dict(FILES, aggregate_by="source", categories=CATEGORIES, **DEMAND)),
    ("accessibility", capacitymetro.accessibility,
     lambda tmp: dict(FILES, aggregate_by="source", categories=CATEGORIES, method="e2sfca", **DEMAND)),
    ("siting", capacitymetro.suggest_sites,
     lambda tmp: dict(FILES, category="legal", new_sites=3, covered_within_minutes=20.0, **DEMAND)),
    ("needs", capacitymetro._core.needs, lambda tmp: dict(FILES, requests=_requests(tmp), min_count=10, **DEMAND)),
    ("travel_areas", capacitymetro.travel_areas,
     lambda tmp: dict(services=_desks_for_transit(tmp), mode="transit", gtfs=[DATA / "actv_waterbus.zip"],
                      service_date="2026-04-15", window_minutes=5, working_epsg=32633, time_bands_minutes=[15.0, 30.0],
                      cell_m=250.0)),
]


@pytest.mark.parametrize("job, write, options", JOBS, ids=["coverage-polygons", "coverage-zones", "accessibility",
                                                           "siting", "needs", "travel_areas"])
def test_layers_in_memory_equal_the_layers_the_job_writes(tmp_path, job, write, options):
    """The oracle: the same job's GeoPackage, read back with GeoPandas. The
    layers handed over in memory have the same names, columns, dtypes,
    values, geometries and CRS."""
    given = options(tmp_path)
    report = write(output=tmp_path / "out.gpkg", **given)
    files = {name: gpd.read_file(tmp_path / "out.gpkg", layer=name) for name in report["layers"]}
    memory, memory_report = geo.run_job_gdf(job, crs="working", with_report=True, **given)
    assert list(memory) == list(files) == memory_report["layers"]
    assert any(len(frame) for frame in files.values() if isinstance(frame, gpd.GeoDataFrame)), "geometries to compare"
    for name, expected in files.items():
        got = memory[name]
        assert type(got) is type(expected), name
        assert list(got.columns) == list(expected.columns), name
        attributes = [c for c in expected.columns if c != "geometry"]
        pd.testing.assert_frame_equal(pd.DataFrame(got[attributes]), pd.DataFrame(expected[attributes]),
                                      check_dtype=True, rtol=1e-9, atol=0.0, obj=name)
        if isinstance(expected, gpd.GeoDataFrame):
            assert got.crs == expected.crs, name
            missing = expected.geometry.isna().to_numpy()
            np.testing.assert_array_equal(got.geometry.isna().to_numpy(), missing)
            same = shapely.equals_exact(got.geometry.values[~missing], expected.geometry.values[~missing], tolerance=1e-9)
            assert same.all(), name
    # the memory path wrote nothing beside the oracle's file
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix == ".gpkg") == ["out.gpkg"]


def test_a_job_without_layers_is_refused_by_name():
    for job in ("bogus", "web_data"):
        with pytest.raises(capacitymetro.InputError, match=f"'{job}' is not one of coverage, accessibility"):
            geo.run_job_gdf(job, services=DATA / "services.csv")
