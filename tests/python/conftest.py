"""Shared helpers: small input files written per test."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from capacitymetro import DEMO_DATA

SERVICE_FIELDS = ["id", "name", "operator_kind", "categories", "languages", "opening_hours", "municipality_istat"]


def good_service(**overrides):
    row = {
        "id": "S1", "name": "Sportello", "operator_kind": "public", "categories": "legal;health",
        "languages": "it;en", "opening_hours": "Mo-Fr 09:00-13:00", "municipality_istat": "027042",
        "lon": 12.2420, "lat": 45.4906,
    }
    row.update(overrides)
    return row


def write_geojson(path: Path, rows: list[dict], geometry_type: str = "Point", crs: str | None = None) -> Path:
    features = []
    for row in rows:
        props = {k: v for k, v in row.items() if k not in ("lon", "lat", "geometry")}
        if "geometry" in row:
            geometry = row["geometry"]
        elif geometry_type == "Point":
            geometry = {"type": "Point", "coordinates": [row["lon"], row["lat"]]}
        else:
            geometry = {"type": "LineString", "coordinates": [[row["lon"], row["lat"]], [row["lon"] + 0.01, row["lat"]]]}
        features.append({"type": "Feature", "properties": props, "geometry": geometry})
    collection = {"type": "FeatureCollection", "name": path.stem, "features": features}
    if crs:
        collection["crs"] = {"type": "name", "properties": {"name": crs}}
    path.write_text(json.dumps(collection))
    return path


def write_csv(path: Path, rows: list[dict]) -> Path:
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.fixture
def demo_data() -> Path:
    return DEMO_DATA


from data_fixtures import helsinki_pbf, liechtenstein_pbf  # noqa: E402,F401  (fixtures)
from exchange_fixtures import hsds_registry  # noqa: E402,F401  (fixture)
