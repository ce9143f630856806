"""Open Referral HSDS 3.0 export and import: every export validates against
the HSDS schemas in ../shared (jsonschema, $refs resolved locally), export
then import gives back the same catalogue over hundreds of seeded random
catalogues, the schedules agree with the core's own opening-hours reading,
and a hand-written HSDS file with a lunch closure imports as expected."""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path

import pytest
from capacitymetro import InputError, _core, cli
from capacitymetro.exchange import export_hsds, import_hsds

from exchange_fixtures import (
    HSDS_SCHEMAS,
    core_view,
    hsds_validator,
    random_catalogue,
    random_hours,
    write_rows,
)

RRULE_DAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
#: A Monday: the reference week of the hours checks.
MONDAY = "2026-03-02"


def _errors(validator, instance) -> list:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(instance)]


def test_json_export_validates_against_the_hsds_schemas(tmp_path, demo_data, hsds_registry):
    done = export_hsds(demo_data / "services.csv", tmp_path / "services.json")
    page = json.loads((tmp_path / "services.json").read_text())
    assert page["total_items"] == done["services"] == len(page["contents"]) == len(core_view(demo_data / "services.csv"))
    for schema in ("service.json", "compiled/service.json"):
        validator = hsds_validator(hsds_registry, schema)
        problems = [p for service in page["contents"] for p in _errors(validator, service)]
        assert not problems, problems[:5]
    # every object the issue names is there
    service = page["contents"][0]
    location = service["service_at_locations"][0]["location"]
    assert service["organization"] and service["schedules"] and service["languages"] and service["phones"]
    assert location["accessibility"] and location["latitude"] and location["longitude"]


def _typed(rows: list, properties: dict) -> list:
    """CSV cells as the schema's types (numbers), empty cells absent."""
    return [{k: float(v) if properties.get(k, {}).get("type") == "number" else v for k, v in row.items() if v != ""}
            for row in rows]


def test_tabular_package_validates_against_the_hsds_schemas(tmp_path, demo_data, hsds_registry):
    export_hsds(demo_data / "services.csv", tmp_path / "package", tabular=True)
    package = json.loads((tmp_path / "package" / "datapackage.json").read_text())
    tabular = json.loads((HSDS_SCHEMAS / "compiled" / "tabular.json").read_text())["properties"]
    document = {}
    for resource in package["resources"]:
        table = tabular[resource["name"]]["items"]
        assert resource["path"] == table["path"], "files named as the HSDS schemas name them"
        with open(tmp_path / "package" / resource["path"], newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            assert reader.fieldnames == [f["name"] for f in resource["schema"]["fields"]]
            assert set(reader.fieldnames) <= set(table["properties"]), resource["name"]
            document[resource["name"]] = _typed(list(reader), table["properties"])
    assert all(document[t] for t in ("organization", "service", "location", "service_at_location", "schedule",
                                     "language", "phone", "accessibility")), "every table the issue names is filled"
    assert not _errors(hsds_validator(hsds_registry, "compiled/tabular.json"), document)
    for name, rows in document.items():
        validator = hsds_validator(hsds_registry, f"{name}.json")
        problems = [p for row in rows for p in _errors(validator, row)]
        assert not problems, (name, problems[:5])
    # links resolve: every service_id, location_id and taxonomy_term_id points at a row
    ids = {name: {row["id"] for row in rows} for name, rows in document.items()}
    for name, rows in document.items():
        for row in rows:
            for link, target in (("service_id", "service"), ("location_id", "location"),
                                 ("taxonomy_term_id", "taxonomy_term"), ("organization_id", "organization")):
                assert link not in row or row[link] in ids[target], (name, link)


def test_ids_are_stable_uuid5_of_the_catalogue_id(tmp_path, demo_data):
    import uuid

    export_hsds(demo_data / "services.csv", tmp_path / "a.json")
    export_hsds(demo_data / "services.csv", tmp_path / "b.json")
    assert (tmp_path / "a.json").read_text() == (tmp_path / "b.json").read_text()
    services = json.loads((tmp_path / "a.json").read_text())["contents"]
    assert all(uuid.UUID(s["id"]).version == 5 for s in services)
    assert len({s["id"] for s in services}) == len(services)


@pytest.mark.parametrize("tabular", [False, True], ids=["json", "tabular"])
def test_round_trip_over_random_catalogues(tmp_path, tabular, hsds_registry):
    """Export then import gives back the same catalogue, field by field as the core reads both, and every
    rule HSDS cannot say is reported naming its service."""
    rng = random.Random(20260313 + tabular)
    validator = hsds_validator(hsds_registry, "service.json")
    for case in range(150):
        rows, inexpressible = random_catalogue(rng, rng.randint(1, 6))
        source = write_rows(tmp_path / f"in{case}.csv", rows)
        out = tmp_path / (f"out{case}" if tabular else f"out{case}.json")
        exported = export_hsds(source, out, tabular=tabular)
        if not tabular:
            for service in json.loads(out.read_text())["contents"]:
                assert not _errors(validator, service), (case, _errors(validator, service)[:3])
        for key, rules in inexpressible.items():
            for rule in rules:
                assert any(f"service {key}:" in w and f"'{rule}'" in w for w in exported["warnings"]), (case, key, rule)
        back = tmp_path / f"back{case}{rng.choice(['.gpkg', '.csv'])}"
        imported = import_hsds(out, back, tabular=tabular)
        assert imported["services"] == len(rows)
        assert core_view(back) == core_view(source), case


def _open_minutes(schedules: list) -> set:
    """(day, minute) the HSDS schedules say open, every 5 minutes of the week."""
    open_at = set()
    for schedule in schedules:
        opens = [int(p) for p in schedule["opens_at"].split(":")]
        closes = [int(p) for p in schedule["closes_at"].split(":")]
        for day in schedule["byday"].split(","):
            for minute in range(opens[0] * 60 + opens[1], closes[0] * 60 + closes[1], 5):
                open_at.add((RRULE_DAYS.index(day), minute))
    return open_at


def test_schedules_agree_with_the_cores_opening_hours(tmp_path):
    """For hours a week can say, the exported schedules are open exactly when the core (the
    opening_hours crate) says open, every 5 minutes of a week."""
    rng = random.Random(5545)
    for case in range(60):
        hours = random_hours(rng, not_weekly=False)[0]
        rows, _ = random_catalogue(rng, 1)
        rows[0]["opening_hours"] = hours
        export_hsds(write_rows(tmp_path / "in.csv", rows), tmp_path / "out.json")
        schedules = json.loads((tmp_path / "out.json").read_text())["contents"][0]["schedules"]
        assert all(s["freq"] == "WEEKLY" for s in schedules)
        expected = {(day, minute) for day in range(7) for minute in range(0, 24 * 60, 5)
                    if _core.is_open(hours, f"2026-03-0{2 + day}T{minute // 60:02d}:{minute % 60:02d}")} if hours else set()
        assert _open_minutes(schedules) == expected, (case, hours)


def _lunch_closure_service() -> dict:
    """A hand-written HSDS service (not made by the exporter): open Monday to Friday 09:00-12:30 and
    14:00-17:30 (two schedules a day, the lunch closure), Saturday morning, and one schedule OSM
    hours cannot take from HSDS (every other week)."""
    service_id, location_id = "3f0b8a3e-3c2e-4c7e-9a51-0e0d7d0f7a01", "3f0b8a3e-3c2e-4c7e-9a51-0e0d7d0f7a02"
    schedule = {"service_id": service_id, "freq": "WEEKLY", "byday": "MO,TU,WE,TH,FR"}
    return {
        "id": service_id, "name": "Sportello Stranieri di Prova", "status": "active",
        "email": "sportello@example.org", "url": "https://example.org/sportello",
        "organization": {"id": "3f0b8a3e-3c2e-4c7e-9a51-0e0d7d0f7a03", "name": "Cooperativa Esempio",
                         "description": "A test operator"},
        "phones": [{"id": "3f0b8a3e-3c2e-4c7e-9a51-0e0d7d0f7a04", "number": "+39 041 555 0101"}],
        "languages": [{"id": "3f0b8a3e-3c2e-4c7e-9a51-0e0d7d0f7a05", "code": "ar"},
                      {"id": "3f0b8a3e-3c2e-4c7e-9a51-0e0d7d0f7a06", "code": "fr"}],
        "schedules": [
            {**schedule, "id": "3f0b8a3e-3c2e-4c7e-9a51-0e0d7d0f7a07", "opens_at": "14:00", "closes_at": "17:30"},
            {**schedule, "id": "3f0b8a3e-3c2e-4c7e-9a51-0e0d7d0f7a08", "opens_at": "09:00", "closes_at": "12:30"},
            {"service_id": service_id, "id": "3f0b8a3e-3c2e-4c7e-9a51-0e0d7d0f7a09", "freq": "WEEKLY", "byday": "SA",
             "opens_at": "09:00", "closes_at": "12:00"},
            {"service_id": service_id, "id": "3f0b8a3e-3c2e-4c7e-9a51-0e0d7d0f7a10", "freq": "WEEKLY", "interval": 2,
             "byday": "SU", "opens_at": "10:00", "closes_at": "12:00"},
        ],
        "service_at_locations": [{"id": "3f0b8a3e-3c2e-4c7e-9a51-0e0d7d0f7a11", "service_id": service_id,
                                  "location_id": location_id, "location": {
                                      "id": location_id, "location_type": "physical", "latitude": 45.4371,
                                      "longitude": 12.3326,
                                      "addresses": [{"id": "3f0b8a3e-3c2e-4c7e-9a51-0e0d7d0f7a12", "address_1": "Calle Esempio 1",
                                                     "city": "Venezia", "state_province": "VE", "postal_code": "30121",
                                                     "country": "IT", "address_type": "physical"}],
                                      "accessibility": [{"id": "3f0b8a3e-3c2e-4c7e-9a51-0e0d7d0f7a13",
                                                         "details": "wheelchair=limited"}]}}],
    }


def test_hand_written_hsds_with_a_lunch_closure(tmp_path, hsds_registry):
    service = _lunch_closure_service()
    assert not _errors(hsds_validator(hsds_registry, "service.json"), service), "the hand-written file is valid HSDS"
    source = tmp_path / "hand.json"
    source.write_text(json.dumps([service]))
    done = import_hsds(source, tmp_path / "hand.gpkg")
    (imported,) = core_view(tmp_path / "hand.gpkg")
    # field by field: what the hand-written file says
    assert imported["id"] == service["id"]
    assert imported["name"] == service["name"]
    assert imported["operator"] == service["organization"]["name"]
    assert imported["email"] == service["email"] and imported["website"] == service["url"]
    assert imported["phone"] == service["phones"][0]["number"]
    assert imported["languages"] == ["ar", "fr"]
    assert imported["address"] == "Calle Esempio 1, 30121 Venezia"
    assert imported["wheelchair"] == "limited"
    assert imported["categories"] == ["information"] and any("no category" in w for w in done["warnings"])
    # the two schedules a day become one OSM rule with two spans
    assert imported["opening_hours"] == "Mo-Fr 09:00-12:30,14:00-17:30; Sa 09:00-12:00"
    for time, expected in (("2026-03-02T09:00", True), ("2026-03-04T12:29", True), ("2026-03-04T12:30", False),
                           ("2026-03-05T13:15", False), ("2026-03-06T14:00", True), ("2026-03-06T17:30", False),
                           ("2026-03-07T10:00", True), ("2026-03-07T14:30", False), ("2026-03-08T11:00", False)):
        assert _core.is_open(imported["opening_hours"], time) is expected, time
    # the fortnightly Sunday schedule is reported, not dropped silently
    assert any("3f0b8a3e-3c2e-4c7e-9a51-0e0d7d0f7a10" in w and "interval 2" in w for w in done["warnings"])


def test_bad_hsds_names_the_file_record_and_field(tmp_path, capsys):
    service = _lunch_closure_service()
    service["service_at_locations"][0]["location"]["latitude"] = "north"
    source = tmp_path / "bad.json"
    source.write_text(json.dumps({"contents": [service]}))
    with pytest.raises(InputError) as error:
        import_hsds(source, tmp_path / "out.gpkg")
    assert str(source) in str(error.value) and service["id"] in str(error.value) and "latitude" in str(error.value)
    assert not (tmp_path / "out.gpkg").exists()
    assert cli.main(["catalogue", "import", str(source), "--format", "hsds-json", "--out", str(tmp_path / "o.gpkg")]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "latitude" in err and str(source) in err


def test_cli_export_and_import(tmp_path, demo_data, capsys):
    catalogue = demo_data / "services.csv"
    assert cli.main(["catalogue", "export", str(catalogue), "--format", "hsds-csv", "--out", str(tmp_path / "pkg")]) == 0
    assert cli.main(["catalogue", "import", str(tmp_path / "pkg"), "--format", "hsds-csv",
                     "--out", str(tmp_path / "back.gpkg")]) == 0
    assert core_view(tmp_path / "back.gpkg") == core_view(catalogue)
    assert "Written:" in capsys.readouterr().out


def test_an_export_over_an_old_one_replaces_it(tmp_path, demo_data):
    target: Path = tmp_path / "package"
    target.mkdir()
    (target / "stale.csv").write_text("old")
    export_hsds(demo_data / "services.csv", target, tabular=True)
    assert not (target / "stale.csv").exists() and (target / "datapackage.json").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["package"], "no temporary left behind"
