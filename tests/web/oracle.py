#!/usr/bin/env python3
"""Independent answers for the bussola's browser tests (stdlib only).

  oracle.py order --site DIR --category CAT --lon X --lat Y
      -> JSON [[desk_id, minutes_or_null], ...] in the order the page must list them:
         by minutes read from data/times/<CAT>.bin (255 = beyond the maximum, after
         every reachable desk; a desk with no grid last), ties by id.
  oracle.py open --site DIR --at 2026-11-28T10:00
      -> JSON list of the ids of desks open at that Europe/Rome wall time.
         Uses SITE_DIR/data/open_check.json when it exists (the Rust validator's
         answer: {"at": "...", "open": [ids]}); otherwise a small parser of the
         opening_hours forms found in the demo catalogue, with OSM semantics
         (a later rule replaces earlier ones for the weekdays it names).

This reads the same files as the page but shares no code with it.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import re
import sys
from pathlib import Path

DAYS = ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"]


def minutes(meta: dict, blob: bytes, desk: dict, lon: float, lat: float) -> int:
    cell = meta["times"]["cell"]
    c = math.floor((lon - desk["lon0"]) / cell["dlon"])
    r = math.floor((lat - desk["lat0"]) / cell["dlat"])
    if c < 0 or r < 0 or c >= desk["cols"] or r >= desk["rows"]:
        return 255
    return blob[desk["offset"] + r * desk["cols"] + c]


def order(site: Path, cat: str, lon: float, lat: float):
    meta = json.loads((site / "data" / "meta.json").read_text(encoding="utf-8"))
    services = json.loads((site / "data" / "services.geojson").read_text(encoding="utf-8"))
    tc = meta["times"]["categories"].get(cat)
    blob = (site / "data" / tc["file"]).read_bytes() if tc else b""
    grids = {d["id"]: d for d in (tc["desks"] if tc else [])}
    rows = []
    for f in services["features"]:
        p = f["properties"]
        if cat not in (p.get("categories") or []):
            continue
        m = minutes(meta, blob, grids[p["id"]], lon, lat) if p["id"] in grids else None
        rows.append((p["id"], m))
    rows.sort(key=lambda r: (256 if r[1] is None else r[1], r[0]))
    return rows


def _days(sel: str) -> set[int]:
    out = set()
    for part in sel.split(","):
        if "-" in part:
            a, b = part.split("-")
            i, j = DAYS.index(a), DAYS.index(b)
            out.update(range(i, j + 1) if i <= j else list(range(i, 7)) + list(range(0, j + 1)))
        else:
            out.add(DAYS.index(part))
    return out


def _hm(s: str) -> int:
    h, m = s.split(":")
    return int(h) * 60 + int(m)


def is_open(oh: str, when: dt.datetime) -> bool:
    """Opening-hours subset: 'Mo-Fr 09:00-12:30; Tu,Th 14:30-16:30', 'off'."""
    wd, t = when.weekday(), when.hour * 60 + when.minute
    ranges = None
    for rule in [r.strip() for r in oh.split(";") if r.strip()]:
        m = re.fullmatch(r"((?:Mo|Tu|We|Th|Fr|Sa|Su)(?:[-,](?:Mo|Tu|We|Th|Fr|Sa|Su))*)\s+(.+)", rule)
        if not m:
            raise ValueError(f"oracle cannot parse rule {rule!r} of {oh!r}")
        if wd not in _days(m.group(1)):
            continue
        body = m.group(2).strip()
        if body in ("off", "closed"):
            ranges = []
            continue
        spans = []
        for span in body.split(","):
            if not re.fullmatch(r"\d{2}:\d{2}-\d{2}:\d{2}", span.strip()):
                raise ValueError(f"oracle cannot parse time span {span!r} of {oh!r}")
            a, b = span.strip().split("-")
            spans.append((_hm(a), _hm(b)))
        ranges = spans  # OSM: a later rule overrides the earlier ones for its days
    return any(a <= t < b for a, b in (ranges or []))


def open_at(site: Path, at: str) -> list[str]:
    check = site / "data" / "open_check.json"
    if check.exists():  # hook: the Rust validator's answer, written by the exporter
        data = json.loads(check.read_text(encoding="utf-8"))
        if at in data.get("answers", {}):
            return sorted(data["answers"][at])
    when = dt.datetime.fromisoformat(at)  # a Europe/Rome wall time
    services = json.loads((site / "data" / "services.geojson").read_text(encoding="utf-8"))
    return sorted(f["properties"]["id"] for f in services["features"]
                  if f["properties"].get("opening_hours") and is_open(f["properties"]["opening_hours"], when))


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    o = sub.add_parser("order")
    o.add_argument("--site", type=Path, required=True)
    o.add_argument("--category", required=True)
    o.add_argument("--lon", type=float, required=True)
    o.add_argument("--lat", type=float, required=True)
    p = sub.add_parser("open")
    p.add_argument("--site", type=Path, required=True)
    p.add_argument("--at", required=True)
    a = ap.parse_args()
    if a.cmd == "order":
        json.dump(order(a.site, a.category, a.lon, a.lat), sys.stdout)
    else:
        json.dump(open_at(a.site, a.at), sys.stdout)


if __name__ == "__main__":
    main()
