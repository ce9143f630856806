"""Helpers of the exchange tests: seeded random catalogues (written with the
csv module, not the package's writer), the catalogue as the core reads it,
and the HSDS 3.0 schemas from ../shared, $refs resolved locally."""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path

import pytest
from capacitymetro import _core

from data_fixtures import SHARED_DATA

HSDS_SCHEMAS = SHARED_DATA / "hsds" / "schema"
#: Inputs the generator draws from (ISO 639-1 codes of the languages spoken at desks in the province).
LANGUAGES = ["it", "en", "fr", "ar", "bn", "uk", "zh", "es", "ro", "sq", "ur", "pa", "wo", "ru"]
DAYS = ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"]
#: Rules a week of recurring HSDS schedules cannot say (public holidays, months, weeks, dates, n-th weekday).
NOT_WEEKLY = ["PH off", "Dec 24-26 off", "Jan-Mar Mo 10:00-12:00", "week 01-10 Sa 09:00-12:00", "We[1] 15:00-17:00",
              "Aug off", "SH off", "2026 Dec 25 off"]
TEXT = "abcdefghijklmnopqrstuvwxyz àèéìòù,;\"'()-/ÄΩ中文"


def _text(rng: random.Random, length: int) -> str:
    return "".join(rng.choice(TEXT) for _ in range(length)).strip()


def random_hours(rng: random.Random, not_weekly: bool = True) -> tuple:
    """``(opening_hours, the rules HSDS cannot say)``: weekday rules with one or two spans (a lunch
    closure), days off, times alone, 24/7, and now and then a rule from NOT_WEEKLY."""
    rules, inexpressible = [], []
    for _ in range(rng.randint(0, 3)):
        kind = rng.random()
        if kind < 0.05:
            rules.append("24/7")
            continue
        start = rng.randrange(7)
        days = DAYS[start] if rng.random() < 0.4 else f"{DAYS[start]}-{DAYS[rng.randrange(start, 7)]}"
        if rng.random() < 0.3:
            days += "," + rng.choice(DAYS)
        if kind < 0.15:
            rules.append(f"{days} off")
            continue
        minutes = sorted(rng.sample(range(6 * 12, 22 * 12), 4 if rng.random() < 0.5 else 2))
        spans = ",".join(f"{a // 12:02d}:{a % 12 * 5:02d}-{b // 12:02d}:{b % 12 * 5:02d}"
                         for a, b in zip(minutes[::2], minutes[1::2]))
        rules.append(spans if kind < 0.2 else f"{days} {spans}")
    if not_weekly and rng.random() < 0.3:
        rule = rng.choice(NOT_WEEKLY)
        rules.append(rule)
        inexpressible.append(rule)
    return "; ".join(rules), inexpressible


def random_catalogue(rng: random.Random, size: int) -> tuple:
    """``(rows, inexpressible)``: catalogue rows (text cells, lon/lat near Venice) and, per id, the
    opening_hours rules HSDS cannot say."""
    vocabulary = [c["id"] for c in _core.vocabulary()]
    rows, inexpressible = [], {}
    for n in range(size):
        key = f"R{rng.randrange(10**6)}-{n}"
        hours, skipped = random_hours(rng)
        inexpressible[key] = skipped
        rows.append({
            "id": key, "name": _text(rng, rng.randint(1, 30)) or "x", "operator": _text(rng, rng.randint(0, 20)),
            "operator_kind": rng.choice(["", "public", "third_sector", "infopoint"]),
            "categories": ";".join(rng.sample(vocabulary, rng.randint(1, 4))),
            "languages": ";".join(rng.sample(LANGUAGES, rng.randint(0, 5))), "opening_hours": hours,
            "address": _text(rng, rng.randint(0, 40)), "municipality_istat": rng.choice(["", f"027{rng.randrange(1000):03d}"]),
            "phone": rng.choice(["", f"+39 041 {rng.randrange(10**7):07d}"]),
            "email": rng.choice(["", f"desk{n}@example.org"]), "website": rng.choice(["", f"https://example.org/{n}"]),
            "appointment_required": rng.choice(["", "yes", "no"]), "wheelchair": rng.choice(["", "yes", "limited", "no"]),
            "capacity": rng.choice(["", str(rng.randint(1, 500)), f"{rng.uniform(0.5, 99):.3f}"]),
            "updated_at": rng.choice(["", "2026-11-01", f"2025-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}"]),
            "lon": f"{rng.uniform(12.0, 12.9):.7f}", "lat": f"{rng.uniform(45.1, 45.7):.7f}",
        })
    return rows, inexpressible


def write_rows(path: Path, rows: list) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def core_view(path: Path) -> list:
    """The catalogue as the core reads it (fixed working CRS), each service compared field by field
    with its x/y rounded to a centimetre."""
    services, _ = _core.validate_catalogue(path, None, 32633)
    return [{**s, "x": round(s["x"], 2), "y": round(s["y"], 2)} for s in services]


@pytest.fixture(scope="session")
def hsds_registry():
    """The HSDS schemas by file name, for jsonschema's $ref resolution (offline)."""
    referencing = pytest.importorskip("referencing")
    if not HSDS_SCHEMAS.is_dir():
        print(f"skipping: {HSDS_SCHEMAS} is absent (the shared data folder is not beside this checkout)")
        pytest.skip(f"{HSDS_SCHEMAS} is absent (the shared data folder is not beside this checkout)")
    from referencing.jsonschema import DRAFT202012

    resources = [(path.name, DRAFT202012.create_resource(json.loads(path.read_text())))
                 for path in HSDS_SCHEMAS.glob("*.json")]
    return referencing.Registry().with_resources(resources)


def hsds_validator(registry, name: str):
    """A validator of the schema ``name`` (e.g. ``service.json`` or ``compiled/service.json``) with
    format checks."""
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((HSDS_SCHEMAS / name).read_text())
    return jsonschema.Draft202012Validator(schema, registry=registry, format_checker=jsonschema.FormatChecker())
