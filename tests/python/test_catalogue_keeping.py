"""Keeping the catalogue: ``capacitymetro catalogue create`` writes a
GeoPackage GDAL reads as the catalogue's layer; rows written by GDAL
(ogr2ogr, not our code) and by plain SQL leave history rows that
``catalogue changes`` lists; the core reads QGIS's list form ``{a,b}``;
one value of opening hours is checked and put in words by hand-checked
answers. Bad input: one line, exit 2, no traceback."""

from __future__ import annotations

import csv
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import capacitymetro as cm
import pytest
from capacitymetro.catalogue_form import changes, create_catalogue, form_qml

CLI = [str(Path(sys.executable).with_name("capacitymetro"))]
DEMO = Path(cm.__file__).parent / "data" / "services.csv"


def run(*args):
    return subprocess.run(CLI + [str(a) for a in args], capture_output=True, text=True, timeout=120)


def refused(result, *words):
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and all(w in result.stderr for w in words), result.stderr


def ogr_fields(path: Path) -> list:
    """The services layer's fields as GDAL lists them."""
    info = subprocess.run(["ogrinfo", "-so", str(path), "services"], capture_output=True, text=True,
                          check=True).stdout
    return [line.split(":")[0] for line in info.splitlines() if line and not line.startswith(" ") and ": " in line
            and line.split(":")[0] in cm.catalogue_schema()["fields"]]


needs_gdal = pytest.mark.skipif(shutil.which("ogr2ogr") is None, reason="gdal-bin is not installed")


@needs_gdal
def test_create_writes_an_empty_catalogue_gdal_reads(tmp_path):
    out = tmp_path / "catalogue.gpkg"
    done = run("catalogue", "create", out, "--language", "it")
    assert done.returncode == 0 and str(out) in done.stdout, done.stderr
    assert ogr_fields(out) == cm.catalogue_schema()["fields"]
    with sqlite3.connect(out) as db:
        assert db.execute("pragma application_id").fetchone() == (0x47504B47,)
        assert db.execute("select count(*) from services").fetchone() == (0,)
        style, default = db.execute("select styleQML, useAsDefault from layer_styles where f_table_name = 'services'"
                                    ).fetchone()
        labels = [row[0] for row in db.execute("select label_it from catalogue_categories order by fid")]
    assert default == 1 and "tablayout" in style and "Categorie e lingue" in style
    # the category labels are the vocabulary's
    assert labels == [c["labels"]["it"] for c in cm.vocabulary()]
    assert not list(tmp_path.glob(".catalogue-*"))  # no temporary file left


def test_create_refuses_to_replace_and_bad_names(tmp_path):
    out = tmp_path / "catalogue.gpkg"
    out.write_text("precious")
    refused(run("catalogue", "create", out), "exists")
    assert out.read_text() == "precious"
    assert run("catalogue", "create", out, "--overwrite").returncode == 0
    refused(run("catalogue", "create", tmp_path / "catalogue.shp"), ".gpkg")
    refused(run("catalogue", "create", tmp_path / "missing" / "c.gpkg"), "not a folder")


def test_the_form_texts_follow_the_language(tmp_path):
    english, italian = form_qml(str(tmp_path / "c.gpkg"), "en"), form_qml(str(tmp_path / "c.gpkg"), "it")
    assert "Opening hours" in english and "Orari" in italian
    assert 'value="label_en"' in english and 'value="label_it"' in italian
    assert 'value="label_en"' in form_qml(str(tmp_path / "c.gpkg"), "de")  # no such labels: English


@needs_gdal
def test_changes_lists_what_gdal_and_sql_wrote(tmp_path):
    out = create_catalogue(tmp_path / "catalogue.gpkg")
    subprocess.run(["ogr2ogr", "-append", "-nln", "services", "-oo", "X_POSSIBLE_NAMES=lon", "-oo",
                    "Y_POSSIBLE_NAMES=lat", "-oo", "AUTODETECT_TYPE=NO", str(out), str(DEMO)], check=True)
    with open(DEMO, newline="", encoding="utf-8") as f:
        demo = list(csv.DictReader(f))
    with sqlite3.connect(out) as db:
        db.execute("update catalogue_settings set value = 'Anna' where key = 'operator'")
        db.execute("update services set name = 'Nuovo nome' where id = ?", (demo[0]["id"],))
        db.execute("update services set name = name where id = ?", (demo[1]["id"],))  # no change, no row
        db.execute("delete from services where id = ?", (demo[2]["id"],))
    found = changes(out)
    assert [c["operation"] for c in found] == ["insert"] * len(demo) + ["update", "delete"]
    assert [c["service_id"] for c in found[:len(demo)]] == [row["id"] for row in demo]
    assert found[0]["by"] is None and found[0]["fields"]["name"] == [None, demo[0]["name"]]
    update, delete = found[-2:]
    assert update["by"] == "Anna" and update["fields"] == {"name": [demo[0]["name"], "Nuovo nome"]}
    assert delete["fields"]["id"] == [demo[2]["id"], None] and delete["fields"]["geom"][0]
    assert changes(out, since="2999-01-01") == []
    assert run("catalogue", "changes", out, "--since", "2999-01-01T10:00").stdout == "No changes.\n"
    listed = run("catalogue", "changes", out, "--since", found[0]["at"][:10])
    assert f"name: '{demo[0]['name']}' -> 'Nuovo nome'" in listed.stdout and "Anna: update" in listed.stdout
    assert f"delete {demo[2]['id']}" in listed.stdout
    refused(run("catalogue", "changes", out, "--since", "yesterday"), "since", "YYYY-MM-DD")
    refused(run("catalogue", "changes", tmp_path / "none.gpkg"), "no such file")


def test_changes_of_another_geopackage_is_refused(tmp_path):
    other = tmp_path / "other.gpkg"
    with sqlite3.connect(other) as db:
        db.execute("create table services (fid integer primary key)")
    refused(run("catalogue", "changes", other), "not a CapaCityMetro catalogue")


@needs_gdal
def test_the_core_reads_the_lists_qgis_writes(tmp_path):
    out = create_catalogue(tmp_path / "catalogue.gpkg")
    subprocess.run(["ogr2ogr", "-append", "-nln", "services", "-oo", "X_POSSIBLE_NAMES=lon", "-oo",
                    "Y_POSSIBLE_NAMES=lat", str(out), str(DEMO)], check=True)
    with sqlite3.connect(out) as db:  # QGIS's multi-select writes {a,b}
        db.execute("update services set categories = '{' || replace(categories, ';', ',') || '}', "
                   "languages = '{' || replace(languages, ';', ',') || '}'")
    expected = {s["id"]: (s["categories"], s["languages"]) for s in cm.validate(DEMO)}
    assert {s["id"]: (s["categories"], s["languages"]) for s in cm.validate(out, "services")} == expected


def test_one_opening_hours_value_by_hand():
    assert cm.opening_hours_problem("") is None and cm.opening_hours_problem("Mo-Fr 09:00-13:00") is None
    assert cm.opening_hours_problem("Mo-Fr 25:00") == "not understood from character 7: '25:00'"
    hours = "Mo-Fr 09:00-12:30; Tu,Th 09:00-12:30,14:30-16:30"
    assert cm.opening_hours_text(hours, "it", "2026-12-02") == \
        "lunedì, mercoledì, venerdì 09:00–12:30; martedì, giovedì 09:00–12:30, 14:30–16:30"
    assert cm.opening_hours_text("Sa 09:00-12:00", "zh", "2026-12-02") == "星期六 09:00–12:00"
    assert cm.opening_hours_text("Mo-Fr 09:00-13:00; PH off", "en", "2026-12-02") == \
        "Monday, Tuesday, Wednesday, Thursday, Friday 09:00–13:00"
    for bad, words in (("Mo-Fr 25:00", "opening_hours"), ("", "empty")):
        with pytest.raises(cm.InputError, match=words):
            cm.opening_hours_text(bad, "en")
    with pytest.raises(cm.InputError, match="language"):
        cm.opening_hours_text("Mo 09:00-10:00", "de")
    with pytest.raises(cm.InputError, match="week_of"):
        cm.opening_hours_text("Mo 09:00-10:00", "en", "2026-13-01")
