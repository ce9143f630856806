"""Small hand-made GTFS feeds for the transit tests, each with its right answers.

Every feed is written from stop positions given in EPSG:32633 metres relative
to a base point near Venice (``BASE``); the stops.txt coordinates are their WGS
84 inverse projection written with 9 decimals (about 0.1 mm), so distances
between stops are the nominal ones to well under a millimetre and walking
times to well under a millisecond. The service date is ``DATE`` (2026-04-15,
a Wednesday) unless a docstring says otherwise.

Walking defaults used in the answers: time = d * 1.3 / 1.25 s (1.04 s per
metre), allowed when d <= 1000 m, no boarding slack, at most 4 rides, at most
120 minutes. "At A" means a point placed exactly on stop A (walk 0 s).

``stop_xy(feed, stop_id)`` gives a stop's EPSG:32633 position as a router
reading the feed sees it (the written lon/lat projected back), so tests can
place origins and destinations exactly on, or an exact distance from, a stop.
"""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

DATE = "2026-04-15"
BASE = (290000.0, 5035000.0)   # EPSG:32633, on the mainland west of Mestre; only relative positions matter

AGENCY = [{"agency_id": "FX", "agency_name": "Fixture Navigazione", "agency_url": "https://example.org",
           "agency_timezone": "Europe/Rome"}]


def _lonlat(x: float, y: float) -> tuple[str, str]:
    from pyproj import Transformer

    lon, lat = Transformer.from_crs("EPSG:32633", "EPSG:4326", always_xy=True).transform(BASE[0] + x, BASE[1] + y)
    return f"{lon:.9f}", f"{lat:.9f}"


def _stop(stop_id: str, x: float, y: float, **extra: str) -> dict[str, str]:
    lon, lat = _lonlat(x, y)
    row = {"stop_id": stop_id, "stop_name": f"Stop {stop_id}", "stop_lat": lat, "stop_lon": lon,
           "location_type": "", "parent_station": ""}
    row.update(extra)
    return row


def _trip_rows(trip_id: str, calls: list[tuple[str, str, str]]) -> list[dict[str, str]]:
    """calls: (stop_id, arrival_time, departure_time) in order; stop_sequence 1, 2, ..."""
    return [{"trip_id": trip_id, "arrival_time": a, "departure_time": d, "stop_id": s, "stop_sequence": str(i + 1)}
            for i, (s, a, d) in enumerate(calls)]


def _calendar(service_id: str, days: str, start: str, end: str) -> dict[str, str]:
    """days: seven characters, Monday first, e.g. '0010000' for Wednesdays only."""
    names = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
    return {"service_id": service_id, **dict(zip(names, days)), "start_date": start, "end_date": end}


def _csv(rows: list[dict[str, str]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def write_zip(path: Path, files: dict[str, list[dict[str, str]] | str]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content if isinstance(content, str) else _csv(content))
    return path


def _routes(route_type: str = "4") -> list[dict[str, str]]:
    return [{"route_id": "R", "agency_id": "FX", "route_short_name": "R", "route_long_name": "Fixture line",
             "route_type": route_type}]


def _trips(pairs: list[tuple[str, str]]) -> list[dict[str, str]]:
    return [{"route_id": "R", "service_id": service, "trip_id": trip} for trip, service in pairs]


def stop_xy(feed: Path, stop_id: str) -> tuple[float, float]:
    """EPSG:32633 position of a stop as written in the feed (lon/lat projected back)."""
    from pyproj import Transformer

    with zipfile.ZipFile(feed) as archive:
        rows = list(csv.DictReader(io.TextIOWrapper(archive.open("stops.txt"), "utf-8")))
    row = next(r for r in rows if r["stop_id"] == stop_id)
    x, y = Transformer.from_crs("EPSG:4326", "EPSG:32633", always_xy=True).transform(float(row["stop_lon"]), float(row["stop_lat"]))
    return float(x), float(y)


# --------------------------------------------------------------------------- (a) overnight


def overnight_feed(folder: Path) -> Path:
    """(a) Trips past midnight; service date 2026-04-15 (Wednesday).

    Stops A (0, 0), B (5000, 0), C (10000, 0): 5 km apart, too far to walk.
    Services: WED (Wednesdays, 2026-04-01..30), TUE (Tuesdays, same range).
    Trips:
      N1 (WED): A 23:50:00 -> B 24:20:00 -> C 25:05:00
      N0 (WED): A 00:40:00 -> C 01:10:00
      P1 (TUE): A 24:30:00 -> C 25:00:00  (Tuesday 14 April's service day; it
                physically runs 00:30-01:00 on the 15th)
    Right answers on 2026-04-15 (seconds since midnight of the 15th):
      * A -> C leaving 23:45:00 (85500): N1, arrive 25:05:00 (90300): 4800 s.
      * B -> C leaving 24:10:00 (87000): N1 from B at 24:20, arrive 25:05: 3300 s.
      * A -> C leaving 23:51:00: no later trip that service day: inf.
      * A -> C leaving 00:20:00 (1200): N0, arrive 01:10: 3000 s. P1 is not used:
        times past 24:00 belong to their own service day (14 April). A router
        that also runs the previous service day (oracle ``previous_day=True``)
        takes P1 and finds 2400 s.
      * A -> C, window 23:45 + 10 minutes: 4800, 4740, 4680, 4620, 4560, 4500
        (leaving 23:50:00 still boards N1: no slack), then inf x 4; median
        (index ceil(0.5*10)-1 = 4 of the sorted times) 4740 s; 75th: inf.
    """
    stops = [_stop("A", 0, 0), _stop("B", 5000, 0), _stop("C", 10000, 0)]
    stop_times = (_trip_rows("N1", [("A", "23:50:00", "23:50:00"), ("B", "24:20:00", "24:20:00"), ("C", "25:05:00", "25:05:00")])
                  + _trip_rows("N0", [("A", "00:40:00", "00:40:00"), ("C", "01:10:00", "01:10:00")])
                  + _trip_rows("P1", [("A", "24:30:00", "24:30:00"), ("C", "25:00:00", "25:00:00")]))
    return write_zip(folder / "overnight.zip", {
        "agency.txt": AGENCY, "stops.txt": stops, "routes.txt": _routes("4"),
        "trips.txt": _trips([("N1", "WED"), ("N0", "WED"), ("P1", "TUE")]),
        "stop_times.txt": stop_times,
        "calendar.txt": [_calendar("WED", "0010000", "20260401", "20260430"),
                         _calendar("TUE", "0100000", "20260401", "20260430")],
    })


# --------------------------------------------------------------------------- (b) frequencies


def frequencies_feed(folder: Path) -> Path:
    """(b) A frequency-based trip (route_type 1200, an extended ferry code).

    Stops A (0, 0), B (5000, 0), C (10000, 0). Service ALL (every day of 2026).
    Trip F's stop_times are a template: A 10:00:00, B arr 10:05:00 dep 10:06:00,
    C 10:12:00. frequencies.txt: F 08:00:00-09:00:00 every 600 s, and
    09:30:00-10:00:00 every 900 s. Runs start at 08:00, 08:10, ..., 08:50
    (09:00 is not < end_time) and 09:30, 09:45; each run is the template shifted
    so it leaves A at its start (B arr +5 min, dep +6 min; C +12 min). The
    template's own 10:00 run does not exist.
    Right answers (2026-04-15):
      * A -> C leaving 08:00: 08:00 run, arrive 08:12: 720 s.
      * A -> C leaving 08:01: 08:10 run, arrive 08:22: 1260 s.
      * B -> C leaving 08:14: the 08:10 run leaves B at 08:16, arrive 08:22: 480 s.
      * B -> C leaving 08:15: same run (boarding uses B's departure time 08:16,
        not its arrival 08:15): 420 s.
      * A -> C leaving 08:51: next run 09:30, arrive 09:42: 3060 s.
      * A -> C leaving 09:46: no run left (no 10:00 template run): inf.
      * A -> C, window 08:00 + 10 minutes: 720, 1260, 1200, ..., 780 s, i.e. the
        set 720..1260 in steps of 60; 25th percentile 840, median 960, 75th
        1140, 100th 1260.
    """
    stops = [_stop("A", 0, 0), _stop("B", 5000, 0), _stop("C", 10000, 0)]
    stop_times = _trip_rows("F", [("A", "10:00:00", "10:00:00"), ("B", "10:05:00", "10:06:00"), ("C", "10:12:00", "10:12:00")])
    frequencies = [{"trip_id": "F", "start_time": "08:00:00", "end_time": "09:00:00", "headway_secs": "600"},
                   {"trip_id": "F", "start_time": "09:30:00", "end_time": "10:00:00", "headway_secs": "900"}]
    return write_zip(folder / "frequencies.zip", {
        "agency.txt": AGENCY, "stops.txt": stops, "routes.txt": _routes("1200"),
        "trips.txt": _trips([("F", "ALL")]), "stop_times.txt": stop_times,
        "calendar.txt": [_calendar("ALL", "1111111", "20260101", "20261231")],
        "frequencies.txt": frequencies,
    })


# --------------------------------------------------------------------------- (c) calendar_dates


def calendar_dates_feed(folder: Path) -> Path:
    """(c) Calendar exceptions: a service removed on the date and another added.

    Stops A (0, 0), B (5000, 0); every trip A -> B takes 12 minutes (route_type 3).
    Services:
      WEEKDAY: calendar Mon-Fri 2026-04-01..30; calendar_dates removes it on 20260415 (type 2).
      HOLIDAY: not in calendar.txt; calendar_dates adds it on 20260415 (type 1).
      ENDED:   calendar Wednesdays 2026-03-01..2026-04-14 (ended the day before).
      EDGE:    calendar Wednesdays 2026-04-15..2026-04-15 (bounds are inclusive).
    Trips A -> B: W1 (WEEKDAY) 08:05-08:17, H1 (HOLIDAY) 08:20-08:32,
    E1 (ENDED) 08:10-08:22, D1 (EDGE) 08:30-08:42.
    Right answers, A -> B:
      * 2026-04-15 leaving 08:00: H1, 1920 s (W1 removed, E1 ended).
      * 2026-04-15 leaving 08:21: D1, 1260 s.
      * 2026-04-15 leaving 08:31: inf.
      * 2026-04-22 (a Wednesday without exceptions) leaving 08:00: W1, 1020 s;
        leaving 08:06: inf (H1 and D1 do not run that day).
      * 2026-04-14 (Tuesday) leaving 08:00: W1, 1020 s.
    """
    stops = [_stop("A", 0, 0), _stop("B", 5000, 0)]
    stop_times = []
    for trip, (start, end) in {"W1": ("08:05:00", "08:17:00"), "H1": ("08:20:00", "08:32:00"),
                               "E1": ("08:10:00", "08:22:00"), "D1": ("08:30:00", "08:42:00")}.items():
        stop_times += _trip_rows(trip, [("A", start, start), ("B", end, end)])
    return write_zip(folder / "calendar_dates.zip", {
        "agency.txt": AGENCY, "stops.txt": stops, "routes.txt": _routes("3"),
        "trips.txt": _trips([("W1", "WEEKDAY"), ("H1", "HOLIDAY"), ("E1", "ENDED"), ("D1", "EDGE")]),
        "stop_times.txt": stop_times,
        "calendar.txt": [_calendar("WEEKDAY", "1111100", "20260401", "20260430"),
                         _calendar("ENDED", "0010000", "20260301", "20260414"),
                         _calendar("EDGE", "0010000", "20260415", "20260415")],
        "calendar_dates.txt": [{"service_id": "WEEKDAY", "date": "20260415", "exception_type": "2"},
                               {"service_id": "HOLIDAY", "date": "20260415", "exception_type": "1"}],
    })


# --------------------------------------------------------------------------- (e) walking rules


def walk_network_feed(folder: Path) -> Path:
    """(e) Walking limits, transfers, rides cap, stations, chained walks.

    Stops (metres): platform P (0, 0) with parent station PS (0, 850)
    (location_type 1, not boardable); Q (10000, 0); R (10800, 0), 800 m from Q;
    S (20000, 0); U (30000, 0); V (0, 1800) and W (0, 2700), with no trip
    calling at V. Service ALL (every day of 2026). Trips:
      T1: P 08:20:00 -> Q 08:40:00
      T2: Q 08:40:00 -> S 09:00:00   (same-stop transfer from T1, 0 s)
      T3: R 08:53:51 -> U 09:10:00   (missed by 1 s: Q 08:40:00 + 800 m = 832 s -> R 08:53:52)
      T4: R 08:53:53 -> U 09:20:00   (caught)
      T5: S 09:00:00 -> U 09:30:00   (a third ride, later than T4)
      T6: W 08:40:00 -> U 08:45:00   (only reachable by chaining two walks O -> V -> W)
    Origin O = P + (0, 900): 50 m from the station PS, 900 m from P (936 s, at
    P 08:15:36 when leaving 08:00:00). Right answers leaving 08:00:00:
      * to Q: T1, 2400 s.        * to S: T1 + T2, 3600 s; max_rides=1: inf.
      * to U: T1, walk Q -> R, T4: 4800 s (not T3, not 08:45 via T6, which
        would need walk O -> V -> W); max_rides=1: inf; max_minutes=80: 4800;
        max_minutes=79: inf.
      * to Q + (0, 1000): egress of exactly 1000 m allowed: 2400 + 1040 = 3440 s.
      * to Q + (0, 1001): no stop within 1000 m is ever reached: inf (never a
        straight-line time).
      * to O + (0, 1000): direct walk, 1040 s; to O + (0, 1001): inf.
      * max_walk_m=899: P out of reach (the station at 50 m is not boarded): all inf.
      * max_walk_m=900: P exactly at the limit: to Q 2400 s.
      * walk_m_s=1.0, detour_factor=1.0: to O + (0, 1000) 1000 s; to Q 2400 s.
    """
    stops = [_stop("PS", 0, 850, location_type="1"), _stop("P", 0, 0, parent_station="PS"),
             _stop("Q", 10000, 0), _stop("R", 10800, 0), _stop("S", 20000, 0), _stop("U", 30000, 0),
             _stop("V", 0, 1800), _stop("W", 0, 2700)]
    stop_times = (_trip_rows("T1", [("P", "08:20:00", "08:20:00"), ("Q", "08:40:00", "08:40:00")])
                  + _trip_rows("T2", [("Q", "08:40:00", "08:40:00"), ("S", "09:00:00", "09:00:00")])
                  + _trip_rows("T3", [("R", "08:53:51", "08:53:51"), ("U", "09:10:00", "09:10:00")])
                  + _trip_rows("T4", [("R", "08:53:53", "08:53:53"), ("U", "09:20:00", "09:20:00")])
                  + _trip_rows("T5", [("S", "09:00:00", "09:00:00"), ("U", "09:30:00", "09:30:00")])
                  + _trip_rows("T6", [("W", "08:40:00", "08:40:00"), ("U", "08:45:00", "08:45:00")]))
    return write_zip(folder / "walk_network.zip", {
        "agency.txt": AGENCY, "stops.txt": stops, "routes.txt": _routes("4"),
        "trips.txt": _trips([(t, "ALL") for t in ["T1", "T2", "T3", "T4", "T5", "T6"]]),
        "stop_times.txt": stop_times,
        "calendar.txt": [_calendar("ALL", "1111111", "20260101", "20261231")],
    })


# --------------------------------------------------------------------------- (d) bad feeds


def _small(stops, stop_times, calendar) -> dict:
    return {"agency.txt": AGENCY, "stops.txt": stops, "routes.txt": _routes("4"),
            "trips.txt": _trips([("T", "S1")]), "stop_times.txt": stop_times, "calendar.txt": calendar}


def no_trips_feed(folder: Path) -> Path:
    """(d1) Valid GTFS whose only service runs on Mondays (2026-04-01..30).

    Right answer for 2026-04-15 (Wednesday): a clear error saying that no trips
    run on 2026-04-15 -- not a matrix of walking-only times, which would hide a
    wrong date. (2026-04-13, a Monday, works: A -> B leaving 08:00 is 600 s.)
    """
    stops = [_stop("A", 0, 0), _stop("B", 5000, 0)]
    stop_times = _trip_rows("T", [("A", "08:00:00", "08:00:00"), ("B", "08:10:00", "08:10:00")])
    return write_zip(folder / "no_trips.zip", _small(stops, stop_times, [_calendar("S1", "1000000", "20260401", "20260430")]))


def missing_coordinates_feed(folder: Path) -> Path:
    """(d2) Stop B (line 3 of stops.txt; the header is line 1) has empty
    stop_lat and stop_lon although it is a boardable stop (location_type empty).

    Right answer: an error naming stops.txt, line 3 (or data row 2) and the
    field stop_lat (or stop_lon) of stop B -- never a stop placed at (0, 0).
    """
    stops = [_stop("A", 0, 0), {**_stop("B", 5000, 0), "stop_lat": "", "stop_lon": ""}]
    stop_times = _trip_rows("T", [("A", "08:00:00", "08:00:00"), ("B", "08:10:00", "08:10:00")])
    return write_zip(folder / "missing_coordinates.zip", _small(stops, stop_times, [_calendar("S1", "1111111", "20260101", "20261231")]))


def out_of_order_feed(folder: Path) -> Path:
    """(d3) Trip T calls A 08:00, B 08:20, C 08:10 (stop_sequence 1, 2, 3): time
    goes backwards at stop_sequence 3, line 4 of stop_times.txt.

    Right answer: an error naming stop_times.txt, trip T, stop_sequence 3 (line
    4) and the field arrival_time -- not a silently reordered or dropped trip.
    """
    stops = [_stop("A", 0, 0), _stop("B", 5000, 0), _stop("C", 10000, 0)]
    stop_times = _trip_rows("T", [("A", "08:00:00", "08:00:00"), ("B", "08:20:00", "08:20:00"), ("C", "08:10:00", "08:10:00")])
    return write_zip(folder / "out_of_order.zip", _small(stops, stop_times, [_calendar("S1", "1111111", "20260101", "20261231")]))


def not_gtfs_zip(folder: Path) -> Path:
    """(d4) A valid zip holding no GTFS: a README, a CSV of places and a GeoJSON.

    Right answer: an error saying the zip is not a GTFS feed because stops.txt
    (and trips.txt, stop_times.txt, ...) is missing.
    """
    return write_zip(folder / "not_gtfs.zip", {
        "README.md": "# Places\nNot a timetable.\n",
        "places.csv": [{"name": "Mestre", "lon": "12.2424", "lat": "45.4906"}],
        "roads.geojson": '{"type": "FeatureCollection", "features": []}',
    })


def not_a_zip(folder: Path) -> Path:
    """(d5) A text file named feed.zip. Right answer: an error saying it is not a zip."""
    path = folder / "feed.zip"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("stop_id,stop_name\nA,Stop A\n")
    return path


ALL_GOOD = [overnight_feed, frequencies_feed, calendar_dates_feed, walk_network_feed]
ALL_BAD = [no_trips_feed, missing_coordinates_feed, out_of_order_feed, not_gtfs_zip, not_a_zip]
