"""The exchange algorithms through qgis_process give what the Python API gives."""

from __future__ import annotations

import json

import pytest
from capacitymetro.exchange import export_catalogue

from conftest import DATA, qgis_process

SERVICES_CSV = DATA / "services.csv"


def _core_view(path):
    from capacitymetro import _core

    services, _ = _core.validate_catalogue(path, None, 32633)
    return [{**s, "x": round(s["x"], 2), "y": round(s["y"], 2)} for s in services]


@pytest.mark.parametrize("index, name", [(0, "hsds.json"), (2, "sheet.csv"), (3, "draft.osc")])
def test_exchange_export_equals_the_python_api(qgis, demo_gpkg, tmp_path, index, name):
    services, _ = demo_gpkg[3003]
    result = qgis("exportcatalogue", SERVICES=services, FORMAT=index, OUTPUT=tmp_path / name)
    assert "SERVICES_COUNT:\t45" in result.stdout
    formats = ["hsds-json", "hsds-csv", "csv", "osmchange"]
    export_catalogue(SERVICES_CSV, tmp_path / f"py-{name}", formats[index])
    assert (tmp_path / name).read_bytes() == (tmp_path / f"py-{name}").read_bytes()


def test_exchange_import_hsds_package(qgis, tmp_path):
    export_catalogue(SERVICES_CSV, tmp_path / "package", "hsds-csv")
    result = qgis("importcatalogue", SOURCE=tmp_path / "package" / "datapackage.json", FORMAT=1,
                  OUTPUT=tmp_path / "back.gpkg")
    assert "SERVICES_COUNT:\t45" in result.stdout
    assert _core_view(tmp_path / "back.gpkg") == _core_view(SERVICES_CSV)


def test_exchange_import_reports_bad_input(qgis, tmp_path):
    source = tmp_path / "bad.json"
    source.write_text(json.dumps([{"id": "3f0b8a3e-3c2e-4c7e-9a51-0e0d7d0f7a01", "name": "No place", "status": "active"}]))
    result = qgis_process(qgis.env, "run", "capacitymetro:importcatalogue", "--", f"SOURCE={source}", "FORMAT=0",
                          f"OUTPUT={tmp_path / 'o.gpkg'}", check=False)
    assert result.returncode != 0 and not (tmp_path / "o.gpkg").exists()
    message = result.stdout + result.stderr
    assert str(source) in message and "service_at_locations" in message and "Traceback" not in message
