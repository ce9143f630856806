#!/usr/bin/env python3
"""Build a test site for the "bussola" page from the embedded demo data.

Stand-in for `capacitymetro publish web` until the Rust exporter writes the
page's data. Standard library only. It copies the built page skeleton
(web/dist) into OUT and writes OUT/data/ following the data contract in
web/README.md:

  data/meta.json          title, languages, categories, places, basemap, wms, times
  data/services.geojson   the catalogue (EPSG:4326 points, public fields)
  data/times/<cat>.bin    one uint8 grid per desk of the category (minutes, 255 = unreachable)
  data/boundaries.geojson municipality outlines (optional layer drawn under the desks)

Travel times here are a FIXTURE: walking at 1.25 m/s along the straight line
times a detour factor of 1.3, with an equirectangular metre approximation,
clipped at 60 minutes, on ~150 m cells. The real site uses the core's cost model.

Usage: make_fixture_site.py --dist web/dist --out SITE_DIR
                            [--basemap-url URL --basemap-attribution TEXT]
                            [--wms-url URL --wms-layers a,b]
"""
from __future__ import annotations

import argparse
import csv
import json
import math
import re
import shutil
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "python" / "capacitymetro" / "data"
STYLES = ROOT / "styles" / "categories.json"
UI_STRINGS = ROOT / "styles" / "ui.json"

LANGUAGES = ["it", "en", "fr", "ar", "bn", "uk", "zh"]
MAX_MINUTES = 60
WALK_M_S = 1.25
DETOUR = 1.3
CELL_M = 150.0
EARTH_M_PER_DEG = 111_320.0
REF_LAT = 45.45  # one reference latitude for the whole metropolitan area

# Localities asked for by issue 10, with their coordinates (WGS84).
LOCALITIES = [
    ("Mestre", 12.2424, 45.4906),
    ("Venezia centro storico", 12.3388, 45.4341),
    ("Lido", 12.3677, 45.4163),
    ("Murano", 12.3530, 45.4585),
    ("Burano", 12.4170, 45.4853),
    ("Marghera", 12.2290, 45.4720),
    ("Chioggia", 12.2797, 45.2190),
    ("Sottomarina", 12.2954, 45.2065),
]

# The demo CSV has no `wheelchair` column yet: fixture values, OSM style.
WHEELCHAIR = {
    "VE-11": "yes", "VE-12": "no", "VE-13": "limited", "VE-14": "limited",
    "VE-09": "limited", "CO-02": "no", "MI-02": "limited", "CH-03": "no",
    "SP-01": None, "JE-01": None,
}
WHEELCHAIR_BY_KIND = {"public": "yes", "third_sector": "limited", "infopoint": "no"}

MODE_LABEL = {
    "it": "a piedi", "en": "on foot", "fr": "à pied", "ar": "سيرًا على الأقدام",
    "bn": "হেঁটে", "uk": "пішки", "zh": "步行",
}
TITLE = {
    "it": "Bussola dei servizi per cittadini stranieri – Città metropolitana di Venezia",
    "en": "Service compass for foreign residents – Metropolitan City of Venice",
    "fr": "Boussole des services pour les étrangers – Ville métropolitaine de Venise",
    "ar": "بوصلة الخدمات للمقيمين الأجانب – مدينة البندقية الكبرى",
    "bn": "বিদেশি বাসিন্দাদের জন্য সেবা কম্পাস – ভেনিস মেট্রোপলিটন সিটি",
    "uk": "Компас послуг для іноземців – Метрополійне місто Венеція",
    "zh": "外国居民服务指南 – 威尼斯大都市",
}


def dlon_dlat() -> tuple[float, float]:
    dlat = CELL_M / EARTH_M_PER_DEG
    dlon = CELL_M / (EARTH_M_PER_DEG * math.cos(math.radians(REF_LAT)))
    return round(dlon, 7), round(dlat, 7)


def metres(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    kx = EARTH_M_PER_DEG * math.cos(math.radians((lat1 + lat2) / 2))
    return math.hypot((lon2 - lon1) * kx, (lat2 - lat1) * EARTH_M_PER_DEG)


def desk_grid(lon: float, lat: float, dlon: float, dlat: float):
    """Grid around one desk: (lon0, lat0, cols, rows, bytes). Row 0 is the south edge."""
    reach_m = MAX_MINUTES * 60 * WALK_M_S / DETOUR
    half_c = math.ceil(reach_m / (dlon * EARTH_M_PER_DEG * math.cos(math.radians(lat)))) + 1
    half_r = math.ceil(reach_m / (dlat * EARTH_M_PER_DEG)) + 1
    cols, rows = 2 * half_c + 1, 2 * half_r + 1
    lon0 = round(lon - (half_c + 0.5) * dlon, 7)
    lat0 = round(lat - (half_r + 0.5) * dlat, 7)
    out = bytearray(rows * cols)
    for r in range(rows):
        clat = lat0 + (r + 0.5) * dlat
        for c in range(cols):
            clon = lon0 + (c + 0.5) * dlon
            minutes = metres(clon, clat, lon, lat) * DETOUR / WALK_M_S / 60.0
            m = math.ceil(minutes - 1e-9)
            out[r * cols + c] = m if m <= MAX_MINUTES else 255
    return lon0, lat0, cols, rows, bytes(out)


def as_bool(text: str):
    t = (text or "").strip().lower()
    return True if t in ("yes", "true", "1") else False if t in ("no", "false", "0") else None


def read_services() -> list[dict]:
    with open(DATA / "services.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    for row in rows:
        if "wheelchair" not in row or not row["wheelchair"]:
            row["wheelchair"] = WHEELCHAIR.get(row["id"], WHEELCHAIR_BY_KIND.get(row["operator_kind"]))
    return rows


def services_geojson(rows: list[dict]) -> dict:
    feats = []
    for r in rows:
        props = {
            "id": r["id"], "name": r["name"], "operator": r["operator"],
            "operator_kind": r["operator_kind"],
            "categories": [c for c in r["categories"].split(";") if c],
            "languages": [c for c in r["languages"].split(";") if c],
            "opening_hours": r["opening_hours"], "address": r["address"],
            "municipality_istat": r["municipality_istat"], "phone": r["phone"] or None,
            "email": r["email"] or None, "website": r["website"] or None,
            "appointment_required": as_bool(r["appointment_required"]),
            "wheelchair": r["wheelchair"], "updated_at": r["updated_at"],
        }
        feats.append({
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [float(r["lon"]), float(r["lat"])]},
            "properties": props,
        })
    return {"type": "FeatureCollection", "features": feats}


def places() -> list[dict]:
    out, seen = [], set()
    with open(DATA / "town_centres.csv", newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            out.append({"name": r["name"], "lon": float(r["lon"]), "lat": float(r["lat"])})
            seen.add(r["name"])
    for name, lon, lat in LOCALITIES:
        if name not in seen:
            out.append({"name": name, "lon": lon, "lat": lat})
    return sorted(out, key=lambda p: p["name"])


def patch_csp(index_html: Path, hosts: list[str]) -> None:
    """Add the basemap/WMS origins to img-src of the page's Content-Security-Policy."""
    if not hosts:
        return
    text = index_html.read_text(encoding="utf-8")
    text = re.sub(r"(img-src [^;\"]*)", lambda m: m.group(1) + " " + " ".join(hosts), text, count=1)
    index_html.write_text(text, encoding="utf-8")


def origin(url: str) -> str:
    p = urlsplit(url.replace("{", "").replace("}", ""))
    return f"{p.scheme}://{p.netloc}"


def build(dist: Path, out: Path, basemap_url=None, basemap_attr="", wms_url=None, wms_layers=None):
    if not (dist / "index.html").exists():
        raise SystemExit(f"{dist}/index.html missing: run `npm run build` in web/ first")
    if out.exists():
        shutil.rmtree(out)
    shutil.copytree(dist, out)
    data = out / "data"
    (data / "times").mkdir(parents=True)

    styles = json.loads(STYLES.read_text(encoding="utf-8"))
    cats = [{"id": c["id"], "colour": c["colour"], "marker": c.get("marker"), "labels": c["labels"]}
            for c in styles["categories"]]
    rows = read_services()
    dlon, dlat = dlon_dlat()

    times = {}
    for cat in cats:
        desks, blob = [], bytearray()
        for r in rows:
            if cat["id"] not in r["categories"].split(";"):
                continue
            lon0, lat0, cols, rows_n, grid = desk_grid(float(r["lon"]), float(r["lat"]), dlon, dlat)
            desks.append({"id": r["id"], "lon0": lon0, "lat0": lat0, "cols": cols,
                          "rows": rows_n, "offset": len(blob)})
            blob += grid
        if desks:
            rel = f"times/{cat['id']}.bin"
            (data / rel).write_bytes(bytes(blob))
            times[cat["id"]] = {"file": rel, "desks": desks}

    ui = json.loads(UI_STRINGS.read_text(encoding="utf-8")) if UI_STRINGS.exists() else None
    meta = {
        "title": TITLE,
        "updated_at": max(r["updated_at"] for r in rows),
        "default_language": "it",
        "languages": LANGUAGES,
        "categories": cats,
        "places": places(),
        "basemap": {"url": basemap_url, "attribution": basemap_attr} if basemap_url else None,
        "wms": ({"url": wms_url, "layers": [{"name": n, "title": n} for n in (wms_layers or ["services"])]}
                if wms_url else None),
        "times": {"max_minutes": MAX_MINUTES, "mode_label": MODE_LABEL,
                  "cell": {"dlon": dlon, "dlat": dlat}, "categories": times},
        "boundaries": "boundaries.geojson",
        "fixture": "tests/web/make_fixture_site.py: straight-line walking times, illustrative catalogue",
    }
    if ui is not None:
        meta["ui"] = ui
    (data / "meta.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")
    (data / "services.geojson").write_text(
        json.dumps(services_geojson(rows), ensure_ascii=False), encoding="utf-8")
    shutil.copyfile(DATA / "municipalities.geojson", data / "boundaries.geojson")
    patch_csp(out / "index.html", sorted({origin(u) for u in (basemap_url, wms_url) if u}))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dist", type=Path, default=ROOT / "web" / "dist")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--basemap-url")
    ap.add_argument("--basemap-attribution", default="© OpenStreetMap contributors")
    ap.add_argument("--wms-url")
    ap.add_argument("--wms-layers", default="services")
    a = ap.parse_args()
    out = build(a.dist, a.out, a.basemap_url, a.basemap_attribution, a.wms_url,
                a.wms_layers.split(","))
    print(out)


if __name__ == "__main__":
    main()
