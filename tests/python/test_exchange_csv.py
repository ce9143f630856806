"""The CSV round trip for offices that keep the list in a spreadsheet: export
then import gives the same catalogue (as the core reads both), with the list
fields in the documented form and coordinates as lon/lat columns."""

from __future__ import annotations

import csv
import random

from capacitymetro import cli
from capacitymetro.exchange import convert

from exchange_fixtures import core_view, random_catalogue, write_rows


def test_demo_catalogue_round_trip(tmp_path, demo_data):
    source = demo_data / "services.csv"
    assert cli.main(["catalogue", "export", str(source), "--format", "csv", "--out", str(tmp_path / "sheet.csv")]) == 0
    assert cli.main(["catalogue", "import", str(tmp_path / "sheet.csv"), "--format", "csv",
                     "--out", str(tmp_path / "back.gpkg")]) == 0
    assert core_view(tmp_path / "back.gpkg") == core_view(tmp_path / "sheet.csv") == core_view(source)


def test_documented_form(tmp_path, demo_data):
    convert(demo_data / "services.csv", tmp_path / "sheet.csv")
    with open(tmp_path / "sheet.csv", newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        rows = list(reader)
    assert reader.fieldnames[-2:] == ["lon", "lat"]
    services = core_view(demo_data / "services.csv")
    for row, service in zip(rows, services):
        assert row["categories"] == ";".join(service["categories"])
        assert row["languages"] == ";".join(service["languages"])
        assert row["appointment_required"] == {True: "yes", False: "no", None: ""}[service["appointment_required"]]
        assert row["id"] == service["id"] and row["opening_hours"] == service["opening_hours"]


def test_random_catalogues_round_trip(tmp_path):
    rng = random.Random(1968)
    for case in range(200):
        rows, _ = random_catalogue(rng, rng.randint(1, 8))
        source = write_rows(tmp_path / f"in{case}.csv", rows)
        middle = tmp_path / f"mid{case}{rng.choice(['.gpkg', '.csv'])}"
        convert(source, middle)
        convert(middle, tmp_path / f"out{case}.csv")
        assert core_view(tmp_path / f"out{case}.csv") == core_view(middle) == core_view(source), case


def test_bad_catalogue_is_refused_and_nothing_written(tmp_path, capsys):
    rows, _ = random_catalogue(random.Random(7), 2)
    rows[1]["categories"] = "astrology"
    source = write_rows(tmp_path / "bad.csv", rows)
    assert cli.main(["catalogue", "export", str(source), "--format", "csv", "--out", str(tmp_path / "o.csv")]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and rows[1]["id"] in err and "categories" in err and "astrology" in err
    assert not (tmp_path / "o.csv").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.csv"], "no temporary left behind"
