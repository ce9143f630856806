"""Tests of the Python transit oracle (tests/python/transit_oracle.py) itself.

The oracle is the reference the Rust transit engine is compared with, so it is
checked here against answers worked out by hand: on the hand-made feeds of
gtfs_fixtures.py (overnight trips, frequencies, calendar exceptions, walking
rules, bad feeds) and on two rides read from the ACTV waterbus timetable of the
embedded extract (python/capacitymetro/data/actv_waterbus.zip, 2026-04-15).
Also checked: the Venezia municipalità demand units and their points.
"""

from __future__ import annotations

import csv
import io
import json
import math
import zipfile
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

import gtfs_fixtures as fx
import transit_oracle as oracle
from transit_oracle import INF, FeedError, hms

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "python" / "capacitymetro" / "data"
EXTRACT = DATA / "actv_waterbus.zip"
FULL_FEED = ROOT.parent / "shared" / "data" / "gtfs" / "actv_nav.zip"
ACTV_DATE = "2026-04-15"


def skip_because(reason: str):
    print(f"SKIPPED: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def feeds(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("gtfs")
    return {f.__name__: f(folder) for f in fx.ALL_GOOD + fx.ALL_BAD}


def at(feed: Path, stop_id: str, dx: float = 0.0, dy: float = 0.0) -> np.ndarray:
    x, y = fx.stop_xy(feed, stop_id)
    return np.array([[x + dx, y + dy]])


def one(feed, date, origin, destination, t, **kw) -> float:
    return float(oracle.times(feed, date, origin, destination, t, 1, **kw)[0, 0, 0])


# --------------------------------------------------------------------------- hand-made feeds


def test_overnight_trips_belong_to_their_service_day(feeds):
    feed = feeds["overnight_feed"]
    a, b, c = at(feed, "A"), at(feed, "B"), at(feed, "C")
    assert one(feed, fx.DATE, a, c, hms("23:45:00")) == 4800
    assert one(feed, fx.DATE, b, c, hms("24:10:00")) == 3300
    assert one(feed, fx.DATE, a, c, hms("23:51:00")) == INF
    assert one(feed, fx.DATE, a, c, hms("00:20:00")) == 3000            # N0; Tuesday's P1 not used
    assert one(feed, fx.DATE, a, c, hms("00:20:00"), previous_day=True) == 2400
    window = oracle.times(feed, fx.DATE, a, c, hms("23:45:00"), 10)[:, 0, 0]
    assert list(window) == [4800, 4740, 4680, 4620, 4560, 4500, INF, INF, INF, INF]
    assert oracle.percentile(window, 50) == 4740
    assert oracle.percentile(window, 75) == INF


def test_frequencies_expand_from_start_time_while_before_end_time(feeds):
    feed = feeds["frequencies_feed"]
    a, b, c = at(feed, "A"), at(feed, "B"), at(feed, "C")
    assert one(feed, fx.DATE, a, c, hms("08:00:00")) == 720
    assert one(feed, fx.DATE, a, c, hms("08:01:00")) == 1260
    assert one(feed, fx.DATE, b, c, hms("08:14:00")) == 480
    assert one(feed, fx.DATE, b, c, hms("08:15:00")) == 420
    assert one(feed, fx.DATE, a, c, hms("08:51:00")) == 3060
    assert one(feed, fx.DATE, a, c, hms("09:46:00")) == INF
    window = oracle.times(feed, fx.DATE, a, c, hms("08:00:00"), 10)
    assert sorted(window[:, 0, 0]) == list(range(720, 1261, 60))
    assert {p: float(oracle.percentile(window, p)[0, 0]) for p in (25, 50, 75, 100)} == {25: 840, 50: 960, 75: 1140, 100: 1260}


def test_calendar_dates_remove_and_add_services(feeds):
    feed = feeds["calendar_dates_feed"]
    a, b = at(feed, "A"), at(feed, "B")
    assert one(feed, "2026-04-15", a, b, hms("08:00:00")) == 1920
    assert one(feed, "2026-04-15", a, b, hms("08:21:00")) == 1260
    assert one(feed, "2026-04-15", a, b, hms("08:31:00")) == INF
    assert one(feed, "2026-04-22", a, b, hms("08:00:00")) == 1020
    assert one(feed, "2026-04-22", a, b, hms("08:06:00")) == INF
    assert one(feed, "20260414", a, b, hms("08:00:00")) == 1020


def test_walking_transfers_rides_and_limits(feeds):
    feed = feeds["walk_network_feed"]
    origin = at(feed, "P", 0, 900)
    q, s, u = at(feed, "Q"), at(feed, "S"), at(feed, "U")
    destinations = np.vstack([q, s, u, at(feed, "Q", 0, 1000), at(feed, "Q", 0, 1001),
                              origin + [0, 1000], origin + [0, 1001]])
    t = hms("08:00:00")

    def run(**kw):
        return [float(v) for v in oracle.times(feed, fx.DATE, origin, destinations, t, 1, **kw)[0, 0]]

    default = run()
    assert default[:3] == [2400, 3600, 4800]          # T1; T1 + T2 (0 s at Q); T1 + 832 s walk + T4
    assert default[3] == pytest.approx(3440, abs=1e-6)  # egress of exactly 1000 m is allowed
    assert default[4] == INF                            # 1001 m from the last stop: unreachable, not a straight line
    assert default[5] == pytest.approx(1040, abs=1e-6)  # direct walk of exactly 1000 m
    assert default[6] == INF                            # no chained walks O -> V -> W either
    assert run(max_rides=1)[:3] == [2400, INF, INF]
    assert run(max_rides=2)[2] == 4800
    assert run(max_minutes=80)[2] == 4800
    assert run(max_minutes=79)[2] == INF
    assert run(max_walk_m=899) == [INF] * 7             # the station 50 m away is not boarded
    assert run(max_walk_m=900)[0] == 2400
    slow = run(walk_m_s=1.0, detour_factor=1.0)
    assert slow[0] == 2400 and slow[5] == pytest.approx(1000, abs=1e-6)


def test_walk_time_formula_and_boarding_without_slack(feeds):
    feed = feeds["walk_network_feed"]
    # origin 936 s (900 m) from P; T1 leaves P at 08:20:00 = 08:04:24 + 936 s
    p = at(feed, "P", 0, 900)
    q = at(feed, "Q")
    assert 900 * 1.3 / 1.25 == pytest.approx(936)
    assert one(feed, fx.DATE, p, q, hms("08:04:23")) == hms("08:40:00") - hms("08:04:23")  # at P 08:19:59
    assert one(feed, fx.DATE, p, q, hms("08:04:25")) == INF  # T1 missed by a second; nothing else to Q


def test_percentile_is_nearest_rank_with_infinities_last():
    values = np.array([5.0, INF, 1.0, 3.0, 2.0, 4.0, INF, 6.0, 7.0, 8.0]).reshape(10, 1, 1)
    assert oracle.percentile(values, 50)[0, 0] == 5.0      # index ceil(5) - 1 = 4
    assert oracle.percentile(values, 70)[0, 0] == 7.0      # index 6 (exact arithmetic, not 7.000000000000001)
    assert oracle.percentile(values, 80)[0, 0] == 8.0
    assert oracle.percentile(values, 90)[0, 0] == INF
    assert oracle.percentile(values, 1)[0, 0] == 1.0
    with pytest.raises(ValueError):
        oracle.percentile(values, 0)


def test_bad_feeds_are_refused_with_file_row_and_field(feeds):
    with pytest.raises(FeedError, match=r"no trips run on 2026-04-15"):
        oracle.times(feeds["no_trips_feed"], fx.DATE, [[0, 0]], [[0, 0]], hms("08:00:00"), 1)
    feed = feeds["no_trips_feed"]
    assert one(feed, "2026-04-13", at(feed, "A"), at(feed, "B"), hms("08:00:00")) == 600
    with pytest.raises(FeedError, match=r"stops\.txt line 3: field stop_lat empty \(stop_id B\)"):
        oracle.times(feeds["missing_coordinates_feed"], fx.DATE, [[0, 0]], [[0, 0]], hms("08:00:00"), 1)
    with pytest.raises(FeedError, match=r"stop_times\.txt line 4 \(trip T, stop_sequence 3\): field arrival_time .*out of order"):
        oracle.times(feeds["out_of_order_feed"], fx.DATE, [[0, 0]], [[0, 0]], hms("08:00:00"), 1)
    with pytest.raises(FeedError, match=r"stops\.txt missing, not a GTFS feed"):
        oracle.times(feeds["not_gtfs_zip"], fx.DATE, [[0, 0]], [[0, 0]], hms("08:00:00"), 1)
    with pytest.raises(FeedError, match=r"not a zip file"):
        oracle.times(feeds["not_a_zip"], fx.DATE, [[0, 0]], [[0, 0]], hms("08:00:00"), 1)


# --------------------------------------------------------------------------- ACTV extract


@pytest.fixture(scope="module")
def extract() -> Path:
    if not EXTRACT.exists():
        skip_because(f"{EXTRACT} absent: build it with python/tools/build_actv_extract.py")
    return EXTRACT


def actv_stop(stop_id: str) -> np.ndarray:
    with zipfile.ZipFile(EXTRACT) as archive:
        rows = {r["stop_id"]: r for r in csv.DictReader(io.TextIOWrapper(archive.open("stops.txt"), "utf-8"))}
    row = rows[stop_id]
    return oracle.project(float(row["stop_lon"]), float(row["stop_lat"]))


def test_extract_is_one_wednesday(extract):
    with zipfile.ZipFile(extract) as archive:
        names = set(archive.namelist())
        calendar = list(csv.DictReader(io.TextIOWrapper(archive.open("calendar.txt"), "utf-8")))
    assert names == {"agency.txt", "stops.txt", "routes.txt", "trips.txt", "stop_times.txt", "calendar.txt"}
    assert [(r["service_id"], r["wednesday"], r["start_date"], r["end_date"]) for r in calendar] == [
        ("632010_000", "1", "20260415", "20260415")]
    assert extract.stat().st_size < 1_000_000


def test_actv_lido_sme_to_piazzale_roma(extract):
    """Line 6, trip 18467 (route 116, headsign P.le Roma "C"), 2026-04-15:
    Lido S.M.E. "B" (stop 5001) departs 08:02:00, S. Elena 08:07, Giardini
    08:10, Spirito Santo 08:18, Zattere 08:20, S. Basilio 08:24, S. Marta 08:29,
    P.le Roma "C" (stop 5112) arrives 08:33:00. Standing at stop 5001 at
    08:00:00, the earliest arrival at P.le Roma "C" is 08:33:00 (1980 s): the
    5.1 from S.M.E. "A" leaves at 08:00:00 sharp, 25 m away (missed), line 1
    at 08:08 arrives 09:13, the 5.2 at 08:12 reaches P.le Roma "D" 08:46."""
    origin, destination = actv_stop("5001"), actv_stop("5112")
    assert one(extract, ACTV_DATE, origin, destination, hms("08:00:00")) == hms("08:33:00") - hms("08:00:00")
    assert one(extract, ACTV_DATE, origin, destination, hms("08:02:00")) == hms("08:33:00") - hms("08:02:00")


def test_actv_fondamente_nove_to_burano(extract):
    """Line 12, trip 19041 (route 200, headsign Treporti), 2026-04-15:
    F.te Nove "A" (stop 5086) departs 08:10:00, Murano Faro "A" (5096) 08:19,
    Mazzorbo (5101) 08:43, Torcello (5097) 08:48, Burano "B" (stop 5068)
    arrives 08:53:00; the previous line 12 left F.te Nove at 07:40.

    Standing at stop 5086 at 08:00:00 with the default walking rules, the
    earliest arrival at Burano "B" is not the ride to 08:53:00 but alighting at
    Mazzorbo at 08:43:00 and walking the 527.06 m to Burano "B" (548.14 s with
    the 1.3 detour at 1.25 m/s): 08:52:08.14 (Mazzorbo and Burano are joined by
    a footbridge). With max_walk_m=100 (only the Burano stops are within
    reach of each other) the ride itself is the answer: 08:53:00, 3180 s."""
    origin, destination = actv_stop("5086"), actv_stop("5068")
    mazzorbo = actv_stop("5101")
    walk = float(np.hypot(*(mazzorbo - destination)[0])) * 1.3 / 1.25
    assert walk == pytest.approx(548.14, abs=0.01)
    t = hms("08:00:00")
    assert one(extract, ACTV_DATE, origin, destination, t) == pytest.approx(hms("08:43:00") + walk - t, abs=1e-6)
    assert one(extract, ACTV_DATE, origin, destination, t, max_walk_m=100) == hms("08:53:00") - t
    assert one(extract, ACTV_DATE, origin, destination, hms("08:10:00"), max_walk_m=100) == hms("08:53:00") - hms("08:10:00")


def test_extract_gives_the_same_times_as_the_full_feed(extract):
    if not FULL_FEED.exists():
        skip_because(f"{FULL_FEED} absent: the full ACTV feed is not in the repository")
    points = np.vstack([actv_stop(s) for s in ["5001", "5086", "5112", "5068", "5166", "5138"]]
                       + [municipalita_xy()[:2]])
    small = oracle.times(extract, ACTV_DATE, points, points, hms("08:00:00"), 5)
    full = oracle.times(FULL_FEED, ACTV_DATE, points, points, hms("08:00:00"), 5)
    assert np.array_equal(small, full)
    assert np.isfinite(small).sum() > 0.8 * small.size


# --------------------------------------------------------------------------- municipalità


def municipalita_rows() -> list[dict[str, str]]:
    with (DATA / "venezia_municipalita.csv").open(newline="") as f:
        return list(csv.DictReader(f))


def municipalita_xy() -> np.ndarray:
    rows = municipalita_rows()
    return oracle.project([float(r["lon"]) for r in rows], [float(r["lat"]) for r in rows])


def test_municipalita_populations_are_the_2019_shares_of_the_2023_total():
    rows = municipalita_rows()
    assert [r["name"] for r in rows] == ["Venezia-Murano-Burano", "Lido-Pellestrina", "Favaro Veneto",
                                         "Mestre-Carpenedo", "Chirignago-Zelarino", "Marghera"]
    assert {r["zone_istat"] for r in rows} == {"027042"}
    register_2019 = [69679, 21691, 23376, 88181, 37629, 28285]
    assert sum(register_2019) == 268841
    total = 250369
    exact = [Fraction(p * total, sum(register_2019)) for p in register_2019]
    floors = [math.floor(q) for q in exact]
    for i in sorted(range(6), key=lambda i: floors[i] - exact[i])[: total - sum(floors)]:
        floors[i] += 1                                  # largest remainders get the missing units
    assert [int(r["population"]) for r in rows] == floors == [64891, 20201, 21770, 82122, 35043, 26342]
    assert sum(floors) == total
    metadata = json.loads((DATA / "metadata.json").read_text())
    assert "250,369" in metadata["venezia_municipalita.csv"]["population"]
    assert metadata["actv_waterbus.zip"]["licence"] == "ACTV open data, CC BY 3.0"


def test_municipalita_points_inside_venezia_and_on_land(extract):
    from shapely.geometry import Point, shape

    geojson = json.loads((DATA / "municipalities.geojson").read_text())
    polygons = {f["properties"]["istat_code"]: shape(f["geometry"]) for f in geojson["features"]}
    rows = municipalita_rows()
    for row in rows:
        point = Point(float(row["lon"]), float(row["lat"]))
        assert polygons["027042"].contains(point), row["name"]
        assert [code for code, poly in polygons.items() if poly.contains(point)] == ["027042"], row["name"]
        assert row["point_source"].startswith("https://")
    # Venezia's polygon includes the lagoon, so containment does not prove land: the
    # historic-centre and Lido points must be a short walk from a waterbus stop.
    stops = oracle.load(extract, ACTV_DATE).stop_xy
    xy = municipalita_xy()
    for i, name in [(0, "Venezia-Murano-Burano"), (1, "Lido-Pellestrina")]:
        assert rows[i]["name"] == name
        nearest = np.hypot(stops[:, 0] - xy[i, 0], stops[:, 1] - xy[i, 1]).min()
        assert nearest <= 300, (name, nearest)


def test_oracle_centro_storico_to_lido_by_waterbus(extract):
    """From Campo San Bartolomio (VE-M1) to the Lido point on the Gran Viale
    (VE-M2), 3.5 km apart across the lagoon, leaving at 08:00:00 on 2026-04-15.

    Hand check: walk 805 m to S. Marco-San Zaccaria "A" (stop 15009, 837 s, there
    at 08:13:57), trip 19220 (route 161, line 14 towards Burano "C") departs
    08:15:00 and reaches Lido S.M.E. "C" (stop 5158) at 08:29:00, then walk
    193 m to the point (200 s): 08:32:20, 1940.5 s. The oracle finds exactly
    this; a straight-line walk is never used (3.5 km > 1000 m)."""
    xy = municipalita_xy()
    centre, lido = xy[:1], xy[1:2]
    assert np.hypot(*(centre - lido)[0]) > 3000
    to_stop = float(np.hypot(*(centre - actv_stop("15009"))[0]))
    from_stop = float(np.hypot(*(actv_stop("5158") - lido)[0]))
    assert (round(to_stop), round(from_stop)) == (805, 193)
    t = hms("08:00:00")
    assert t + to_stop * 1.04 <= hms("08:15:00")
    expected = hms("08:29:00") + from_stop * 1.3 / 1.25 - t
    assert one(extract, ACTV_DATE, centre, lido, t) == pytest.approx(expected, abs=1e-6)
    window = oracle.times(extract, ACTV_DATE, centre, lido, t, 60)[:, 0, 0]
    assert np.isfinite(window).all()
    assert 15 * 60 < oracle.percentile(window, 50) < 60 * 60
