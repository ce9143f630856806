"""The command line: help everywhere, one clear line on bad input, no traceback."""

import subprocess
import sys
from pathlib import Path

import pytest

from conftest import good_service, write_geojson

CLI = [str(Path(sys.executable).with_name("capacitymetro"))]


def run(*args):
    return subprocess.run(CLI + [str(a) for a in args], capture_output=True, text=True, timeout=120)


def every_command(parser=None, prefix=()):
    """Every command and sub-command the CLI has, read from its parser."""
    import argparse

    from capacitymetro.cli import build_parser

    parser = parser or build_parser()
    found = [list(prefix)]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found += every_command(sub, (*prefix, name))
    return found


@pytest.mark.parametrize("args", every_command())
def test_help_everywhere(args):
    result = run(*args, "--help")
    assert result.returncode == 0
    assert result.stdout.startswith("usage: capacitymetro")


def test_validate_ok(demo_data):
    result = run("validate", demo_data / "services.csv")
    assert result.returncode == 0
    assert "45 services, all valid (working CRS EPSG:32633)" in result.stdout


def test_bad_input_exits_non_zero_with_one_clear_line(tmp_path):
    result = run("validate", tmp_path / "missing.gpkg")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [f"capacitymetro validate: {tmp_path / 'missing.gpkg'}: no such file"]
    assert "Traceback" not in result.stderr


def test_catalogue_problems_are_listed(tmp_path):
    path = write_geojson(tmp_path / "desks.geojson", [good_service(categories="spa")])
    result = run("validate", path)
    assert result.returncode == 2
    assert "layer 'desks', feature 'S1', field 'categories': unknown category 'spa'" in result.stderr
    assert "Traceback" not in result.stderr


def test_nearest_writes_a_geopackage(tmp_path, demo_data):
    import sqlite3

    out = tmp_path / "out" / "coverage.gpkg"
    result = run("nearest", demo_data / "services.csv", demo_data / "town_centres.csv", "--population", "population",
                 "--id-field", "istat_code", "--name-field", "name", "--categories", "legal", "--mode", "bike",
                 "--count-within-minutes", "20", "--out", out)
    assert result.returncode == 0, result.stderr
    assert "Legal help and residence permits" in result.stdout
    with sqlite3.connect(out) as db:
        tables = {r[0] for r in db.execute("select table_name from gpkg_contents")}
        assert tables == {"services", "coverage", "summary", "layer_styles", "capacitymetro_layers", "capacitymetro_fields",
                          "capacitymetro_translations"}
        columns = [r[1] for r in db.execute("pragma table_info(coverage)")]
        assert columns[-4:] == ["legal_nearest_id", "legal_nearest_m", "legal_nearest_min", "legal_count_20min"]
        assert db.execute("select count(*) from coverage").fetchone()[0] == 44


def test_unknown_field_is_one_line(tmp_path, demo_data):
    result = run("nearest", demo_data / "services.csv", demo_data / "town_centres.csv", "--population", "pop",
                 "--out", tmp_path / "x.gpkg")
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert "layer 'town_centres', field 'pop': no such field" in result.stderr
    assert not (tmp_path / "x.gpkg").exists()


def test_network_build_info_and_travel_areas(tmp_path, helsinki_pbf):
    import sqlite3

    saved = tmp_path / "helsinki.cmnet"
    first = run("network", "build", helsinki_pbf, "--out", saved)
    assert first.returncode == 0, first.stderr
    assert "Written:" in first.stdout and "walk" in first.stdout and "dropped" in first.stdout
    second = run("network", "build", helsinki_pbf, "--out", saved)
    assert second.returncode == 0 and "up to date" in second.stdout
    info = run("network", "info", saved)
    assert info.returncode == 0 and "EPSG:32635" in info.stdout
    desks = write_geojson(tmp_path / "desks.geojson", [good_service(lon=24.9384, lat=60.1699),
                                                      good_service(id="S2", lon=24.95, lat=60.165)])
    out = tmp_path / "areas.gpkg"
    areas = run("travel-areas", desks, "--network", saved, "--time-bands-minutes", "5", "10", "--out", out)
    assert areas.returncode == 0, areas.stderr
    with sqlite3.connect(out) as db:
        rows = db.execute("select service_id, band_min from travel_areas order by service_id, band_min").fetchall()
    assert rows == [("S1", 5.0), ("S1", 10.0), ("S2", 5.0), ("S2", 10.0)]
    demand = write_geojson(tmp_path / "demand.geojson", [{"code": "D", "pop": 5, "lon": 24.94, "lat": 60.168}])
    nearest = run("nearest", desks, demand, "--population", "pop", "--network", saved, "--mode", "walk",
                  "--out", tmp_path / "n.gpkg")
    assert nearest.returncode == 0, nearest.stderr
    assert "Mode walk (network)" in nearest.stdout


def test_network_build_refuses_a_point_layer(tmp_path):
    desks = write_geojson(tmp_path / "desks.geojson", [good_service()])
    result = run("network", "build", desks, "--out", tmp_path / "x.cmnet")
    assert result.returncode == 2 and "holds points, not lines" in result.stderr
    assert not (tmp_path / "x.cmnet").exists()


@pytest.mark.parametrize("command", ["accessibility", "gaps"])
def test_accessibility_and_gaps_commands(tmp_path, demo_data, command):
    import sqlite3

    out = tmp_path / f"{command}.gpkg"
    result = run(command, demo_data / "services.csv", demo_data / "town_centres.csv", "--population", "population",
                 "--id-field", "istat_code", "--name-field", "name", "--mode", "car", "--categories", "health",
                 "--method", "2sfca", "--out", out)
    assert result.returncode == 0, result.stderr
    assert "health" in result.stdout
    with sqlite3.connect(out) as db:
        assert db.execute("select count(*) from accessibility").fetchone()[0] == 44
        assert db.execute("select count(*) from gaps_by_zone where category='health'").fetchone()[0] == 44


def test_suggest_sites_command(tmp_path, demo_data):
    result = run("suggest-sites", demo_data / "services.csv", demo_data / "town_centres.csv", "--population",
                 "population", "--name-field", "name", "--category", "housing", "--new-sites", "2", "--mode", "car",
                 "--out", tmp_path / "sites.gpkg")
    assert result.returncode == 0, result.stderr
    assert "Suggested new sites for housing" in result.stdout and "2." in result.stdout
    too_many = run("suggest-sites", demo_data / "services.csv", demo_data / "town_centres.csv", "--population",
                   "population", "--category", "housing", "--new-sites", "50", "--out", tmp_path / "x.gpkg")
    assert too_many.returncode == 2 and "50 sites asked for, but only 44 candidates" in too_many.stderr


def test_needs_command_writes_the_layers_and_the_report(tmp_path, demo_data):
    from capacitymetro.synthetic import synthetic_requests

    requests = tmp_path / "requests.csv"
    synthetic_requests(requests, n=3000, seed=4)
    common = [demo_data / "services.csv", demo_data / "town_centres.csv", requests, "--population-field", "population",
              "--id-field", "istat_code", "--mode", "car"]
    result = run("needs", *common, "--output", tmp_path / "needs.gpkg", "--report", tmp_path / "report")
    assert result.returncode == 0, result.stderr
    assert "3,000 request records" in result.stdout and "Distance decay fitted to the flows" in result.stdout
    assert (tmp_path / "report" / "index.en.html").exists() and (tmp_path / "report" / "index.it.html").exists()
    without_output = run("needs", *common, "--report", tmp_path / "report2")
    assert without_output.returncode == 2 and "--report needs --output" in without_output.stderr
    # a column of personal data is refused, named, in one line
    with open(requests, encoding="utf-8") as f:
        lines = f.read().splitlines()
    (tmp_path / "personal.csv").write_text("\n".join([lines[0] + ",name", *(line + ",Anna" for line in lines[1:3])]))
    refused = run("needs", common[0], common[1], tmp_path / "personal.csv", *common[3:])
    assert refused.returncode == 2 and "name" in refused.stderr and "personal data" in refused.stderr
    assert "Traceback" not in refused.stderr


def test_an_output_that_is_an_input_is_refused_and_the_input_kept(tmp_path, demo_data):
    import shutil

    services = tmp_path / "services.csv"
    shutil.copyfile(demo_data / "services.csv", services)
    before = services.read_bytes()
    result = run("nearest", services, demo_data / "town_centres.csv", "--population-field", "population",
                 "--out", services)
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1
    assert "is also the input 'services'" in result.stderr and "Traceback" not in result.stderr
    assert services.read_bytes() == before


def test_a_read_only_output_is_not_replaced(tmp_path, demo_data):
    out = tmp_path / "kept.gpkg"
    out.write_bytes(b"an earlier result")
    out.chmod(0o444)
    result = run("nearest", demo_data / "services.csv", demo_data / "town_centres.csv", "--population-field",
                 "population", "--out", out)
    assert result.returncode == 2 and "read-only" in result.stderr
    assert out.read_bytes() == b"an earlier result"


def test_network_build_with_other_options_rebuilds(tmp_path, helsinki_pbf):
    saved = tmp_path / "helsinki.cmnet"
    assert run("network", "build", helsinki_pbf, "--out", saved).returncode == 0
    again = run("network", "build", helsinki_pbf, "--out", saved, "--working-epsg", "3067")
    assert again.returncode == 0 and "Written:" in again.stdout and "EPSG:3067" in again.stdout
    assert "up to date" in run("network", "build", helsinki_pbf, "--out", saved, "--working-epsg", "3067").stdout


def test_a_negative_epsg_is_one_line(demo_data):
    result = run("validate", demo_data / "services.csv", "--working-epsg", "-5")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == ["capacitymetro validate: option --working-epsg: -5 is not an EPSG code"]


def test_travel_area_cells_are_bounded_before_any_work(tmp_path, helsinki_pbf):
    desks = write_geojson(tmp_path / "desks.geojson", [good_service(lon=24.9384, lat=60.1699)])
    out = tmp_path / "areas.gpkg"
    result = run("travel-areas", desks, "--network", helsinki_pbf, "--cell-m", "0.01", "--out", out)
    assert result.returncode == 2 and "use larger cells" in result.stderr and "GiB" in result.stderr
    assert not out.exists()


@pytest.mark.parametrize("signal_name", ["SIGINT", "SIGTERM"])
def test_an_interrupted_run_keeps_the_previous_output_and_leaves_no_temporary_file(tmp_path, demo_data, signal_name):
    """Ctrl-C or SIGTERM in the middle of a long run (transit travel areas on
    40 m cells, about 20 s): exit 130, one line, the previous output byte for
    byte, nothing else left in the folder."""
    import os
    import signal
    import time

    out = tmp_path / "areas.gpkg"
    out.write_bytes(b"the previous output")
    args = CLI + ["travel-areas", str(demo_data / "services.csv"), "--mode", "transit",
                  "--gtfs", str(demo_data / "actv_waterbus.zip"), "--service-date", "2026-04-15",
                  "--cell-m", "40", "--out", str(out)]
    child = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(3.0)
    assert child.poll() is None, "the run ended before the signal: make it longer"
    os.kill(child.pid, getattr(signal, signal_name))
    _, stderr = child.communicate(timeout=30)
    assert child.returncode == 130
    assert stderr.strip().splitlines() == ["capacitymetro travel-areas: interrupted; no output was changed"]
    assert out.read_bytes() == b"the previous output"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["areas.gpkg"]


def test_messages_use_the_command_line_names_and_no_gdal_wrapper_words(tmp_path, demo_data):
    result = run("suggest-sites", demo_data / "services.csv", demo_data / "municipalities.geojson",
                 "--new-sites", "-1", "--category", "legal")
    assert result.returncode == 2
    assert result.stderr.strip() == "capacitymetro suggest-sites: option --new-sites: -1 must be at least 1"
    garbage = tmp_path / "desks.gpkg"
    garbage.write_text("not a GeoPackage")
    result = run("validate", garbage)
    assert result.stderr.strip() == (f"capacitymetro validate: {garbage}: not a readable vector data source "
                                     "(no GDAL driver recognises it)")
