"""Build the embedded ACTV waterbus extract (one representative weekday).

Reads the full ACTV navigation GTFS feed (``actv_nav.zip``, ACTV open data,
CC BY 3.0) and writes ``python/capacitymetro/data/actv_waterbus.zip`` holding
only what a router needs for one service date:

- ``agency.txt``, ``routes.txt`` (routes with a trip that day);
- ``calendar.txt`` reduced to that date: one row per service active on it
  (resolved from calendar.txt *and* calendar_dates.txt of the full feed),
  with only that weekday set and start_date = end_date = the date, so the
  extract has no calendar_dates.txt and no other date is served;
- ``trips.txt``: only the trips of those services;
- ``stop_times.txt``: only their rows;
- ``stops.txt``: the stops those rows use plus their parent stations;
- ``frequencies.txt`` and ``feed_info.txt`` when the full feed has them.

shapes.txt, stop_headsign, shape_dist_traveled and columns that are empty for
every kept row are dropped; the columns GTFS requires are always kept. Times
past 24:00:00 are left as they are (they belong to the chosen service day).
The zip is written deterministically (fixed timestamps, sorted rows), so
rebuilding from the same feed gives the same bytes.

Usage::

    python python/tools/build_actv_extract.py [--feed ../shared/data/gtfs/actv_nav.zip]
        [--date 2026-04-15] [--out python/capacitymetro/data/actv_waterbus.zip]

Standard library only.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import sys
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
DEFAULT_FEED = ROOT.parent / "shared" / "data" / "gtfs" / "actv_nav.zip"
DEFAULT_OUT = ROOT / "python" / "capacitymetro" / "data" / "actv_waterbus.zip"
DEFAULT_DATE = "2026-04-15"  # a Wednesday with no calendar_dates exception in the 2026-03-20..05-23 feed
WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]

# Columns kept per file: GTFS-required first, then informative optional ones.
# Required columns are written even when empty; optional ones only when some kept row has a value.
REQUIRED = {
    "agency.txt": ["agency_id", "agency_name", "agency_url", "agency_timezone"],
    "stops.txt": ["stop_id", "stop_name", "stop_lat", "stop_lon"],
    "routes.txt": ["route_id", "agency_id", "route_short_name", "route_long_name", "route_type"],
    "trips.txt": ["route_id", "service_id", "trip_id"],
    "stop_times.txt": ["trip_id", "arrival_time", "departure_time", "stop_id", "stop_sequence"],
    "calendar.txt": ["service_id", *WEEKDAYS, "start_date", "end_date"],
    "frequencies.txt": ["trip_id", "start_time", "end_time", "headway_secs"],
    "feed_info.txt": ["feed_publisher_name", "feed_publisher_url", "feed_lang"],
}
OPTIONAL = {
    "agency.txt": ["agency_lang", "agency_phone", "agency_fare_url"],
    "stops.txt": ["stop_code", "location_type", "parent_station", "wheelchair_boarding"],
    "routes.txt": ["route_color", "route_text_color"],
    "trips.txt": ["trip_headsign", "trip_short_name", "direction_id", "wheelchair_accessible"],
    "stop_times.txt": ["pickup_type", "drop_off_type", "timepoint"],
    "calendar.txt": [],
    "frequencies.txt": ["exact_times"],
    "feed_info.txt": ["feed_start_date", "feed_end_date", "feed_version", "feed_contact_email", "feed_contact_url"],
}
ORDER = ["agency.txt", "stops.txt", "routes.txt", "trips.txt", "stop_times.txt",
         "calendar.txt", "frequencies.txt", "feed_info.txt"]


def read_table(feed: zipfile.ZipFile, names: dict[str, str], name: str) -> list[dict[str, str]] | None:
    member = names.get(name)
    if member is None:
        return None
    with feed.open(member) as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
        return [{(k or "").strip(): (v or "").strip() for k, v in row.items()} for row in csv.DictReader(text)]


def active_services(calendar: list[dict] | None, calendar_dates: list[dict] | None, day: dt.date) -> set[str]:
    ymd = day.strftime("%Y%m%d")
    weekday = WEEKDAYS[day.weekday()]
    active = {
        row["service_id"] for row in calendar or []
        if row["start_date"] <= ymd <= row["end_date"] and row[weekday] == "1"
    }
    for row in calendar_dates or []:
        if row["date"] != ymd:
            continue
        if row["exception_type"] == "1":
            active.add(row["service_id"])
        elif row["exception_type"] == "2":
            active.discard(row["service_id"])
    return active


def columns_for(name: str, rows: list[dict]) -> list[str]:
    kept = list(REQUIRED[name])
    for column in OPTIONAL[name]:
        if any(row.get(column, "") for row in rows):
            kept.append(column)
    return kept


def to_csv(columns: list[str], rows: list[dict]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row.get(column, "") for column in columns])
    return buffer.getvalue().encode("utf-8")


def build(feed_path: Path, day: dt.date, out: Path) -> dict[str, tuple[int, int]]:
    with zipfile.ZipFile(feed_path) as feed:
        names = {Path(n).name: n for n in feed.namelist() if n.endswith(".txt")}
        table = {name: read_table(feed, names, name) for name in
                 ["agency.txt", "stops.txt", "routes.txt", "trips.txt", "stop_times.txt", "calendar.txt",
                  "calendar_dates.txt", "frequencies.txt", "feed_info.txt"]}
    for name in ["agency.txt", "stops.txt", "routes.txt", "trips.txt", "stop_times.txt"]:
        if table[name] is None:
            sys.exit(f"{feed_path}: {name} missing, not a GTFS feed")

    services = active_services(table["calendar.txt"], table["calendar_dates.txt"], day)
    if not services:
        sys.exit(f"{feed_path}: no service runs on {day.isoformat()}")
    trips = [row for row in table["trips.txt"] if row["service_id"] in services]
    trip_ids = {row["trip_id"] for row in trips}
    stop_times = [row for row in table["stop_times.txt"] if row["trip_id"] in trip_ids]
    stop_times.sort(key=lambda row: (row["trip_id"], int(row["stop_sequence"])))
    frequencies = [row for row in table["frequencies.txt"] or [] if row["trip_id"] in trip_ids]

    used_stops = {row["stop_id"] for row in stop_times}
    all_stops = {row["stop_id"]: row for row in table["stops.txt"]}
    keep_stops = set(used_stops)
    for stop_id in used_stops:  # parent stations (and their parents, should a feed nest them)
        parent = all_stops.get(stop_id, {}).get("parent_station", "")
        while parent and parent not in keep_stops:
            keep_stops.add(parent)
            parent = all_stops.get(parent, {}).get("parent_station", "")
    stops = [row for row in table["stops.txt"] if row["stop_id"] in keep_stops]

    route_ids = {row["route_id"] for row in trips}
    routes = [row for row in table["routes.txt"] if row["route_id"] in route_ids]
    agency_ids = {row.get("agency_id", "") for row in routes}
    agencies = [row for row in table["agency.txt"] if row.get("agency_id", "") in agency_ids or len(table["agency.txt"]) == 1]

    weekday = WEEKDAYS[day.weekday()]
    ymd = day.strftime("%Y%m%d")
    calendar = [
        {"service_id": service, **{w: "1" if w == weekday else "0" for w in WEEKDAYS}, "start_date": ymd, "end_date": ymd}
        for service in sorted(services)
    ]

    outputs = {
        "agency.txt": agencies, "stops.txt": stops, "routes.txt": routes, "trips.txt": trips,
        "stop_times.txt": stop_times, "calendar.txt": calendar,
    }
    if frequencies:
        outputs["frequencies.txt"] = frequencies
    if table["feed_info.txt"]:
        outputs["feed_info.txt"] = table["feed_info.txt"]

    sizes: dict[str, tuple[int, int]] = {}
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_suffix(".part")
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name in ORDER:
            if name not in outputs:
                continue
            rows = outputs[name]
            data = to_csv(columns_for(name, rows), rows)
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data, compresslevel=9)
            sizes[name] = (len(rows), len(data))
    partial.replace(out)
    print(f"{feed_path} -> {out}")
    print(f"service date {day.isoformat()} ({weekday}); services {', '.join(sorted(services))}")
    for name, (count, size) in sizes.items():
        print(f"  {name:<16} {count:>7} rows {size:>10,} bytes")
    print(f"  uncompressed total {sum(s for _, s in sizes.values()):,} bytes; zip {out.stat().st_size:,} bytes")
    return sizes


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--feed", type=Path, default=DEFAULT_FEED, help="full ACTV GTFS zip (default: %(default)s)")
    parser.add_argument("--date", default=DEFAULT_DATE, help="service date YYYY-MM-DD (default: %(default)s)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="extract to write (default: %(default)s)")
    args = parser.parse_args(argv)
    if not args.feed.exists():
        sys.exit(f"{args.feed}: not found (the full ACTV feed is not in the repository)")
    build(args.feed, dt.date.fromisoformat(args.date), args.out)


if __name__ == "__main__":
    main()
