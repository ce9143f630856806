"""Write RNDT metadata through qgis_process writes what the Python function
(the CLI's ``publish metadata``) writes, and its records pass the ISO 19139
schemas; bad input gives a message, not a traceback."""

from __future__ import annotations

import sys
from pathlib import Path

import capacitymetro as cm
import pytest
from capacitymetro.publish.metadata import write_metadata

from conftest import ROOT, qgis_process

sys.path.insert(0, str(ROOT / "tests" / "publish"))
from test_metadata import IPA, RECORDS, WMS, options, parsed, validator  # noqa: E402,F401  (helpers and fixture)

CONTACT = {"contact_email": "gis@cittametropolitana.ve.it", "contact_name": "Ufficio GIS"}


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    return Path(cm.run_demo(tmp_path_factory.mktemp("demo"))["output"])


def run(qgis, results, out, **changes):
    parameters = {"RESULTS": results, "OUTPUT": out, "IPA": IPA, "CONTACT_EMAIL": CONTACT["contact_email"],
                  "CONTACT_NAME": CONTACT["contact_name"], "WMS_URL": WMS, "RECORDS_URL": RECORDS, **changes}
    return qgis_process(qgis.env, "run", "capacitymetro:writemetadata", "--",
                        *[f"{k}={v}" for k, v in parameters.items() if v is not None], check=False)


@pytest.fixture(scope="module")
def written(qgis, results, tmp_path_factory):
    """The records the algorithm wrote, and those the Python function (the CLI's) writes."""
    folder = tmp_path_factory.mktemp("rndt")
    done = run(qgis, results, folder / "qgis")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done, folder / "qgis", write_metadata(results, folder / "py", options(**CONTACT)), folder / "py"


def test_write_metadata_equals_the_python_function(written):
    done, folder, expected, py_folder = written
    names = sorted(Path(r["file"]).name for r in expected["records"])
    assert sorted(p.name for p in folder.iterdir()) == names
    for name in names:
        assert (folder / name).read_bytes() == (py_folder / name).read_bytes(), name
    assert f"RECORDS:\t{len(names)}" in done.stdout
    log = done.stdout + done.stderr
    for record in expected["records"]:  # every record is listed in the log
        assert record["file_identifier"] in log and Path(record["file"]).name in log


def test_a_record_written_in_qgis_passes_the_schemas(written, validator):  # noqa: F811
    _, folder, expected, _ = written
    dataset = next(r for r in expected["records"] if r["kind"] == "dataset")
    assert validator.problems(parsed(folder / Path(dataset["file"]).name)) == []


def test_write_metadata_takes_a_layer_source(qgis, results, tmp_path):
    done = run(qgis, f"{results}|layername=municipalities", tmp_path / "rndt", WMS_URL=None, RECORDS_URL=None)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert (tmp_path / "rndt" / "dataset-municipalities.xml").exists()
    assert not (tmp_path / "rndt" / "service-wms.xml").exists()
    assert "no public WMS URL" in done.stdout + done.stderr  # the function's warnings reach the log


@pytest.mark.parametrize("changes, message", [
    ({"IPA": None}, "IPA"),
    ({"IPA": " "}, "iPA code of the administration is required"),
    ({"IPA": "c:l736"}, "iPA code (ipa) 'c:l736'"),
    ({"CONTACT_EMAIL": "nobody"}, "e-mail of the point of contact (contact_email) 'nobody'"),
    ({"WMS_URL": "maps.example.org"}, "is not an http(s) URL"),
])
def test_write_metadata_refuses_bad_options(qgis, results, tmp_path, changes, message):
    done = run(qgis, results, tmp_path / "rndt", **changes)
    log = done.stdout + done.stderr
    assert done.returncode != 0 and message in log and "Traceback" not in log, log[-3000:]
    assert not (tmp_path / "rndt").exists() or not any((tmp_path / "rndt").iterdir())


def test_write_metadata_refuses_a_gpkg_that_is_not_results(qgis, demo_gpkg, tmp_path):
    services, _ = demo_gpkg[4326]
    done = run(qgis, services, tmp_path / "rndt")
    log = done.stdout + done.stderr
    assert done.returncode != 0 and "Traceback" not in log, log[-3000:]
    assert "not a CapaCityMetro results GeoPackage" in log
