"""An independent, deliberately plain reference for public-transport travel times.

Test helper, not project code: it shares nothing with the Rust engine and is
written to be read and believed rather than to be fast.

Semantics (the contract the engine is checked against)
------------------------------------------------------
Feed
  * A GTFS zip (or a list of them; ids are then namespaced per feed). Files may
    sit at the root of the zip or in one folder inside it.
  * The service date's active services: calendar.txt rows whose weekday flag is
    1 and whose start_date <= date <= end_date (both inclusive), then
    calendar_dates.txt for that date: exception_type 1 adds, 2 removes.
  * Times are seconds since midnight of the service date; times past 24:00:00
    belong to that service day (25:05:00 -> 90300 s). Only the chosen service
    day's trips run, unless ``previous_day=True``, which also runs the previous
    date's trips shifted by -86400 s (that is, its after-midnight part).
  * frequencies.txt: for each row, runs start at start_time, start_time +
    headway_secs, ... while < end_time; each run is the trip's stop_times
    shifted so that its first departure is that start. A trip named in
    frequencies.txt does not also run at its own stop_times times.
  * Only stops with location_type 0 (or empty) are walked to, boarded or
    alighted at; stations (1) and other types are never boarded.
  * pickup_type / drop_off_type are ignored by default (the contract says
    "board any trip ... alight at any later stop"); ``honour_pickup_drop_off``
    forbids boarding where pickup_type is 1 and alighting where drop_off_type is 1.

Walking
  * Coordinates are EPSG:32633 metres; stops are projected from WGS 84 with
    pyproj (always_xy=True). Walking d metres takes d * detour_factor / walk_m_s
    seconds, and is allowed only if d <= max_walk_m. No rounding is applied.

Journey (leaving origin o at time t)
  * walk directly to the destination (if allowed); or
  * walk to a stop (allowed distance), board any trip departing that stop at or
    after the arrival there (no boarding slack), ride, alight at any later stop
    of that trip; optionally walk to another stop (allowed distance; the same
    stop counts, 0 s), board again, ...; at most max_rides boardings; then walk
    to the destination (allowed distance). Walks are never chained: origin ->
    stop -> stop on foot, or stop -> stop -> stop on foot, are not journeys.
  * travel time = arrival - t; inf when > max_minutes * 60 or unreachable.

Window
  * departures t = departure_s + 60 * k for k = 0 .. window_minutes - 1.
  * percentile p over the window by nearest rank: sort (inf last), take index
    ceil(p / 100 * n) - 1.

Algorithm: for each departure and origin, rounds k = 1 .. max_rides (a
round-based earliest-arrival search, the RAPTOR idea without its
optimisations). ``ready[s]`` is the earliest time one can stand at stop s ready
to board the k-th vehicle: after the origin walk for k = 1, after the (k-1)-th
ride plus one transfer walk otherwise. Every active trip is scanned stop by
stop in stop_sequence order: once a stop with ``ready[s] <= departure`` is
passed the traveller is on board, and every later stop is reached at its
arrival time. Boarding at the first possible stop of a trip is never worse than
boarding later on the same trip, so the scan is exact. The answer is the best
over 0 .. max_rides rides, plus the egress walk.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import math
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import numpy as np

INF = math.inf
WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
CRS = "EPSG:32633"


class FeedError(ValueError):
    """A feed the oracle refuses, with the file, row and field when there is one."""


# --------------------------------------------------------------------------- reading


def _parse_date(date: str | dt.date) -> dt.date:
    if isinstance(date, dt.date):
        return date
    text = str(date).strip()
    if len(text) == 8 and text.isdigit():
        return dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))
    return dt.date.fromisoformat(text)


def parse_time(text: str, where: str) -> int:
    """'H:MM:SS' or 'HH:MM:SS' (hours may exceed 23) -> seconds."""
    parts = text.strip().split(":")
    if len(parts) != 3 or not all(p.isdigit() for p in parts) or int(parts[1]) > 59 or int(parts[2]) > 59:
        raise FeedError(f"{where}: bad time {text!r}")
    return int(parts[0]) * 3600 + int(parts[1]) * 60 + int(parts[2])


def _read_tables(path: Path) -> dict[str, list[tuple[int, dict[str, str]]]]:
    """Every .txt member as a list of (line number, row); the header is line 1."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as error:
        raise FeedError(f"{path}: not a zip file ({error})") from None
    tables: dict[str, list[tuple[int, dict[str, str]]]] = {}
    with archive:
        for member in archive.namelist():
            name = member.rsplit("/", 1)[-1]
            if not name.endswith(".txt") or name in tables:
                continue
            text = io.TextIOWrapper(archive.open(member), encoding="utf-8-sig", newline="")
            reader = csv.DictReader(text)
            rows = []
            for row in reader:
                clean = {(k or "").strip(): (v or "").strip() for k, v in row.items() if k is not None}
                rows.append((reader.line_num, clean))
            tables[name] = rows
    return tables


@dataclass
class Trip:
    trip_id: str
    stops: list[int]                 # index into Feed.stop_xy
    arrivals: list[int]
    departures: list[int]
    pickup: list[bool]
    drop_off: list[bool]


@dataclass
class Feed:
    date: dt.date
    stop_ids: list[str] = field(default_factory=list)
    stop_names: list[str] = field(default_factory=list)
    stop_xy: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))
    trips: list[Trip] = field(default_factory=list)   # runs: frequency-expanded, date-resolved

    def stop_index(self, stop_id: str) -> int:
        return self.stop_ids.index(stop_id)


def _transformer():
    from pyproj import Transformer

    return Transformer.from_crs("EPSG:4326", CRS, always_xy=True)


def project(lon: float | Sequence[float], lat: float | Sequence[float]) -> np.ndarray:
    """WGS 84 lon/lat -> EPSG:32633 metres, as (n, 2)."""
    x, y = _transformer().transform(np.atleast_1d(np.asarray(lon, float)), np.atleast_1d(np.asarray(lat, float)))
    return np.column_stack([x, y])


def active_services(tables, date: dt.date, label: str) -> set[str]:
    calendar = tables.get("calendar.txt")
    calendar_dates = tables.get("calendar_dates.txt")
    if calendar is None and calendar_dates is None:
        raise FeedError(f"{label}: neither calendar.txt nor calendar_dates.txt")
    ymd = date.strftime("%Y%m%d")
    weekday = WEEKDAYS[date.weekday()]
    active = set()
    for line, row in calendar or []:
        for column in ("service_id", weekday, "start_date", "end_date"):
            if column not in row:
                raise FeedError(f"{label}/calendar.txt line {line}: field {column} missing")
        if row["start_date"] <= ymd <= row["end_date"] and row[weekday] == "1":
            active.add(row["service_id"])
    for line, row in calendar_dates or []:
        if row.get("date") != ymd:
            continue
        if row.get("exception_type") == "1":
            active.add(row["service_id"])
        elif row.get("exception_type") == "2":
            active.discard(row["service_id"])
        else:
            raise FeedError(f"{label}/calendar_dates.txt line {line}: field exception_type is {row.get('exception_type')!r}")
    return active


def _load_one(path: Path, date: dt.date, prefix: str, previous_day: bool, feed: Feed) -> None:
    label = str(path)
    tables = _read_tables(path)
    for name in ("stops.txt", "trips.txt", "stop_times.txt"):
        if name not in tables:
            raise FeedError(f"{label}: {name} missing, not a GTFS feed")

    # stops: only location_type 0 / empty are usable; all types 0-2 need coordinates
    lon_lat: list[tuple[float, float]] = []
    local: dict[str, int] = {}
    seen: set[str] = set()
    for line, row in tables["stops.txt"]:
        stop_id = row.get("stop_id", "")
        if not stop_id:
            raise FeedError(f"{label}/stops.txt line {line}: field stop_id empty")
        if stop_id in seen:
            raise FeedError(f"{label}/stops.txt line {line}: field stop_id {stop_id!r} repeated")
        seen.add(stop_id)
        location_type = row.get("location_type", "") or "0"
        if location_type not in ("0", "1", "2"):
            continue
        for column in ("stop_lat", "stop_lon"):
            if not row.get(column, ""):
                raise FeedError(f"{label}/stops.txt line {line}: field {column} empty (stop_id {stop_id})")
        try:
            lat, lon = float(row["stop_lat"]), float(row["stop_lon"])
        except ValueError:
            raise FeedError(f"{label}/stops.txt line {line}: field stop_lat/stop_lon not a number (stop_id {stop_id})") from None
        if location_type != "0":
            continue
        local[stop_id] = len(feed.stop_ids) + len(lon_lat)
        lon_lat.append((lon, lat))
        feed.stop_names.append(row.get("stop_name", ""))
    all_stop_ids = seen
    feed.stop_ids.extend(prefix + sid for sid in local)
    if lon_lat:
        xy = project([p[0] for p in lon_lat], [p[1] for p in lon_lat])
        feed.stop_xy = np.vstack([feed.stop_xy, xy])

    # which trips run, and with what shift (0 for the date, -86400 for the previous date)
    shifts = {}
    for shift, day in [(0, date)] + ([(-86400, date - dt.timedelta(days=1))] if previous_day else []):
        for service in active_services(tables, day, label):
            shifts.setdefault(service, []).append(shift)
    running: dict[str, list[int]] = {}
    for line, row in tables["trips.txt"]:
        if "trip_id" not in row or "service_id" not in row:
            raise FeedError(f"{label}/trips.txt line {line}: field trip_id or service_id missing")
        if row["service_id"] in shifts:
            running[row["trip_id"]] = shifts[row["service_id"]]
    if not running:
        raise FeedError(f"{label}: no trips run on {date.isoformat()}")

    rows_by_trip: dict[str, list[tuple[int, int, dict[str, str]]]] = {}
    for line, row in tables["stop_times.txt"]:
        trip_id = row.get("trip_id", "")
        if trip_id not in running:
            continue
        try:
            sequence = int(row.get("stop_sequence", ""))
        except ValueError:
            raise FeedError(f"{label}/stop_times.txt line {line}: field stop_sequence not an integer") from None
        rows_by_trip.setdefault(trip_id, []).append((sequence, line, row))

    frequencies: dict[str, list[tuple[int, int, int]]] = {}
    for line, row in tables.get("frequencies.txt", []):
        where = f"{label}/frequencies.txt line {line}"
        start = parse_time(row.get("start_time", ""), where + " field start_time")
        end = parse_time(row.get("end_time", ""), where + " field end_time")
        headway = int(row.get("headway_secs", "0") or 0)
        if headway <= 0:
            raise FeedError(f"{where}: field headway_secs must be > 0")
        frequencies.setdefault(row.get("trip_id", ""), []).append((start, end, headway))

    for trip_id, rows in rows_by_trip.items():
        rows.sort(key=lambda item: item[0])
        stops, arrivals, departures, pickup, drop_off = [], [], [], [], []
        previous = None
        for sequence, line, row in rows:
            where = f"{label}/stop_times.txt line {line} (trip {trip_id}, stop_sequence {sequence})"
            if previous is not None and sequence == previous[0]:
                raise FeedError(f"{where}: field stop_sequence repeated")
            arrival_text, departure_text = row.get("arrival_time", ""), row.get("departure_time", "")
            if not arrival_text and not departure_text:
                raise FeedError(f"{where}: fields arrival_time and departure_time empty (interpolation is not supported)")
            arrival = parse_time(arrival_text or departure_text, where + " field arrival_time")
            departure = parse_time(departure_text or arrival_text, where + " field departure_time")
            if departure < arrival:
                raise FeedError(f"{where}: field departure_time {departure_text} before arrival_time {arrival_text}")
            if previous is not None and arrival < previous[1]:
                raise FeedError(f"{where}: field arrival_time {arrival_text or departure_text} "
                                "before the previous stop's departure (stop_times out of order)")
            previous = (sequence, departure)
            stop_id = row.get("stop_id", "")
            if stop_id not in all_stop_ids:
                raise FeedError(f"{where}: field stop_id {stop_id!r} not in stops.txt")
            if stop_id not in local:          # a station or other non-boardable location
                continue
            stops.append(local[stop_id])
            arrivals.append(arrival)
            departures.append(departure)
            pickup.append(row.get("pickup_type", "") != "1")
            drop_off.append(row.get("drop_off_type", "") != "1")
        if not stops:
            continue
        runs = [0]
        if trip_id in frequencies:
            runs = []
            for start, end, headway in frequencies[trip_id]:
                begin = start
                while begin < end:
                    runs.append(begin - departures[0])
                    begin += headway
        for day_shift in running[trip_id]:
            for offset in runs:
                shift = offset + day_shift
                feed.trips.append(Trip(
                    trip_id=prefix + trip_id, stops=stops,
                    arrivals=[a + shift for a in arrivals], departures=[d + shift for d in departures],
                    pickup=pickup, drop_off=drop_off,
                ))


@functools.lru_cache(maxsize=16)
def _load_cached(paths: tuple[tuple[str, float], ...], date: dt.date, previous_day: bool) -> Feed:
    feed = Feed(date=date)
    for index, (path, _mtime) in enumerate(paths):
        prefix = f"{index}:" if len(paths) > 1 else ""
        _load_one(Path(path), date, prefix, previous_day, feed)
    return feed


def load(feed_zip: str | Path | Iterable[str | Path], date: str | dt.date, previous_day: bool = False) -> Feed:
    """Read one or several GTFS zips for a service date (cached per file and mtime)."""
    paths = [feed_zip] if isinstance(feed_zip, (str, Path)) else list(feed_zip)
    key = tuple((str(Path(p).resolve()), Path(p).stat().st_mtime if Path(p).exists() else 0.0) for p in paths)
    for p in paths:
        if not Path(p).exists():
            raise FeedError(f"{p}: file not found")
    return _load_cached(key, _parse_date(date), previous_day)


# --------------------------------------------------------------------------- routing


def _pairs_within(a: np.ndarray, b: np.ndarray, max_walk_m: float) -> list[list[tuple[int, float]]]:
    """For each row of a, the (index in b, distance) within max_walk_m."""
    out = []
    for point in a:
        d = np.hypot(b[:, 0] - point[0], b[:, 1] - point[1])
        out.append([(int(j), float(d[j])) for j in np.nonzero(d <= max_walk_m)[0]])
    return out


def earliest_arrivals(
    feed: Feed, origin_xy: Sequence[float], destinations_xy: np.ndarray, t: float, *,
    max_walk_m: float = 1000.0, walk_m_s: float = 1.25, detour_factor: float = 1.3,
    max_rides: int = 4, max_minutes: float = 120.0, honour_pickup_drop_off: bool = False,
    walk_seconds: Callable[[float], float] | None = None,
    _transfers: list[list[tuple[int, float]]] | None = None,
    _egress: list[list[tuple[int, float]]] | None = None,
) -> np.ndarray:
    """Arrival time at each destination leaving origin_xy at t (inf if none within the limits)."""
    walk = walk_seconds or (lambda d: d * detour_factor / walk_m_s)
    limit = t + max_minutes * 60.0
    n_stops = len(feed.stop_ids)
    destinations_xy = np.asarray(destinations_xy, float).reshape(-1, 2)
    origin = np.asarray(origin_xy, float).reshape(1, 2)
    transfers = _transfers if _transfers is not None else _pairs_within(feed.stop_xy, feed.stop_xy, max_walk_m)
    egress = _egress if _egress is not None else _pairs_within(feed.stop_xy, destinations_xy, max_walk_m)

    arrival = np.full(len(destinations_xy), INF)
    # 0 rides: walk straight to the destination
    for j, d in _pairs_within(origin, destinations_xy, max_walk_m)[0]:
        arrival[j] = min(arrival[j], t + walk(d))

    ready = [INF] * n_stops                      # ready to board ride 1
    for s, d in _pairs_within(origin, feed.stop_xy, max_walk_m)[0]:
        ready[s] = t + walk(d)

    for _ride in range(max_rides):
        if not any(r <= limit for r in ready):
            break
        alighted = [INF] * n_stops               # earliest arrival at each stop with exactly this many rides
        for trip in feed.trips:
            if trip.departures[0] > limit or trip.arrivals[-1] < t:
                continue
            on_board = False
            for i, s in enumerate(trip.stops):
                if on_board and (trip.drop_off[i] or not honour_pickup_drop_off):
                    if trip.arrivals[i] < alighted[s]:
                        alighted[s] = trip.arrivals[i]
                if not on_board and ready[s] <= trip.departures[i] and (trip.pickup[i] or not honour_pickup_drop_off):
                    on_board = True
        for s in range(n_stops):                 # egress walk
            if alighted[s] <= limit:
                for j, d in egress[s]:
                    arrival[j] = min(arrival[j], alighted[s] + walk(d))
        ready = [INF] * n_stops                  # one transfer walk (same stop: 0 s) before the next ride
        for s in range(n_stops):
            if alighted[s] <= limit:
                for s2, d in transfers[s]:
                    candidate = alighted[s] + (0.0 if s2 == s else walk(d))
                    if candidate < ready[s2]:
                        ready[s2] = candidate
    return arrival


def times(
    feed_zip, date, origins_xy, destinations_xy, departure_s: int, window_minutes: int, *,
    max_walk_m: float = 1000.0, walk_m_s: float = 1.25, detour_factor: float = 1.3,
    max_rides: int = 4, max_minutes: float = 120.0,
    previous_day: bool = False, honour_pickup_drop_off: bool = False,
    walk_seconds: Callable[[float], float] | None = None,
) -> np.ndarray:
    """Travel times in seconds, shape (window_minutes, n_origins, n_destinations); inf = unreachable.

    origins_xy and destinations_xy are EPSG:32633 metres (see ``project``).
    ``walk_seconds`` replaces d * detour_factor / walk_m_s (e.g. to mirror an
    engine that rounds walking times); leave it None for the contract.
    """
    feed = load(feed_zip, date, previous_day=previous_day)
    origins = np.asarray(origins_xy, float).reshape(-1, 2)
    destinations = np.asarray(destinations_xy, float).reshape(-1, 2)
    transfers = _pairs_within(feed.stop_xy, feed.stop_xy, max_walk_m)
    egress = _pairs_within(feed.stop_xy, destinations, max_walk_m)
    out = np.full((window_minutes, len(origins), len(destinations)), INF)
    for k in range(window_minutes):
        t = departure_s + 60 * k
        for i, origin in enumerate(origins):
            arrival = earliest_arrivals(
                feed, origin, destinations, t, max_walk_m=max_walk_m, walk_m_s=walk_m_s,
                detour_factor=detour_factor, max_rides=max_rides, max_minutes=max_minutes,
                honour_pickup_drop_off=honour_pickup_drop_off, walk_seconds=walk_seconds,
                _transfers=transfers, _egress=egress,
            )
            travel = arrival - t
            travel[travel > max_minutes * 60.0] = INF
            out[k, i] = travel
    return out


def percentile(times_array: np.ndarray, p: float = 50) -> np.ndarray:
    """Nearest-rank percentile over axis 0 (the departures): sorted, inf last, index ceil(p/100*n)-1."""
    if not 0 < p <= 100:
        raise ValueError("p must be in (0, 100]")
    values = np.sort(np.asarray(times_array, float), axis=0)   # inf sorts last
    n = values.shape[0]
    index = max(math.ceil(Fraction(str(p)) * n / 100) - 1, 0)   # exact: no 0.7 * 10 = 7.000000000000001
    return values[index]


def hms(text: str) -> int:
    """'08:33:00' -> 30780 (for tests that read times off a timetable)."""
    return parse_time(text, "time")
