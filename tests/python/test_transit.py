"""The transit model (GTFS + RAPTOR) against an independent Python oracle
(transit_oracle.py: a round-by-round scan over trips, written for the tests),
on hand-made feeds and on the embedded ACTV waterbus extract; hand-checked
ACTV rides; transit in the analyses; bad feeds."""

from __future__ import annotations

from pathlib import Path

import capacitymetro as cm
import numpy as np
import pyproj
import pytest
from capacitymetro import _core

import gtfs_fixtures as fx
import transit_oracle as oracle

DATA = Path(cm.DEMO_DATA)
ACTV = DATA / "actv_waterbus.zip"
DATE = "2026-04-15"  # the Wednesday of the extract
TO_UTM = pyproj.Transformer.from_crs(4326, 32633, always_xy=True)


def engine(feed, origins, destinations, departure="08:00", window_minutes=30, **options):
    return _core.transit_times(np.asarray(origins, float), np.asarray(destinations, float), 32633, gtfs=[feed],
                               service_date=options.pop("date", DATE), departure_time=departure,
                               window_minutes=window_minutes, **options)


def same(a, b):
    """Equal travel times, infinity included."""
    a, b = np.asarray(a), np.asarray(b)
    assert a.shape == b.shape
    assert np.array_equal(np.isinf(a), np.isinf(b))
    np.testing.assert_allclose(a[np.isfinite(a)], b[np.isfinite(b)], rtol=0, atol=1e-6)


@pytest.fixture(scope="module")
def feeds(tmp_path_factory):
    folder = tmp_path_factory.mktemp("gtfs")
    return {f.__name__: f(folder) for f in fx.ALL_GOOD + fx.ALL_BAD}


@pytest.mark.parametrize("name, departure, seconds", [
    ("overnight_feed", "23:45", 85500), ("overnight_feed", "00:20", 1200),
    ("frequencies_feed", "08:00", 28800), ("calendar_dates_feed", "08:00", 28800), ("walk_network_feed", "08:00", 28800),
])
def test_hand_made_feeds_equal_the_oracle(feeds, name, departure, seconds):
    feed = feeds[name]
    points = np.array([fx.stop_xy(feed, s) for s in _stop_ids(feed)])
    points = np.vstack([points, points + [300.0, 0.0]])  # at the stops, and a walk away
    ours = engine(feed, points, points, departure=departure, window_minutes=15)
    theirs = oracle.times(feed, DATE, points, points, seconds, 15)
    same(ours["travel_time_s"], theirs)
    for p in (25, 50, 75):
        got = engine(feed, points, points, departure=departure, window_minutes=15, percentile=p)["percentile_s"]
        same(got, oracle.percentile(theirs, p))


def _stop_ids(feed):
    import csv
    import io
    import zipfile

    with zipfile.ZipFile(feed) as z:
        rows = list(csv.DictReader(io.TextIOWrapper(z.open("stops.txt"), encoding="utf-8-sig")))
    return [r["stop_id"] for r in rows if r.get("stop_lat") and r.get("location_type", "0") in ("", "0")]


@pytest.fixture(scope="module")
def actv():
    if not ACTV.exists():
        pytest.skip(f"{ACTV} is absent (built by python/tools/build_actv_extract.py)")
    return ACTV


def test_actv_extract_equals_the_oracle_from_random_places(actv):
    rng = np.random.default_rng(7)
    stops = np.array([fx.stop_xy(actv, s) for s in _stop_ids(actv)])
    origins = stops[rng.choice(len(stops), 12, replace=False)] + rng.normal(0, 250, (12, 2))
    destinations = stops[rng.choice(len(stops), 8, replace=False)] + rng.normal(0, 250, (8, 2))
    ours = engine(actv, origins, destinations, window_minutes=20)
    theirs = oracle.times(actv, DATE, origins, destinations, 8 * 3600, 20)
    same(ours["travel_time_s"], theirs)
    same(ours["percentile_s"], oracle.percentile(theirs, 50))
    assert np.isfinite(theirs).mean() > 0.5  # most pairs are reached: the comparison says something


def xy(lon, lat):
    return TO_UTM.transform(lon, lat)


def test_hand_checked_actv_rides(actv):
    # Line 6, trip 18467: Lido S.M.E. "B" (5001) 08:02 -> P.le Roma "C" (5112) 08:33, from a stop left at 08:00.
    lido, roma = fx.stop_xy(actv, "5001"), fx.stop_xy(actv, "5112")
    assert engine(actv, [lido], [roma], window_minutes=1, max_walk_m=50)["travel_time_s"][0, 0, 0] == 1980
    # Line 12, trip 19041: F.te Nove "A" (5086) 08:10 -> Burano "B" (5068) 08:53 (walks kept short: no
    # getting off at Mazzorbo and walking over its bridge).
    nove, burano = fx.stop_xy(actv, "5086"), fx.stop_xy(actv, "5068")
    assert engine(actv, [nove], [burano], window_minutes=1, max_walk_m=100)["travel_time_s"][0, 0, 0] == 3180


def test_centro_storico_reaches_the_lido_by_waterbus_and_nobody_swims(actv):
    centre, lido = xy(12.3367, 45.4377), xy(12.3705, 45.4170)  # Campo San Bartolomio, Gran Viale
    # walk 805 m to S. Zaccaria "A", line 14 trip 19220 08:15 -> Lido S.M.E. "C" 08:29, walk 193 m: 08:32:20.5
    t = engine(actv, [centre], [lido], window_minutes=1)["travel_time_s"][0, 0, 0]
    assert t == pytest.approx(1940.46, abs=0.01)  # 805 m and 193 m walked at 1.25 m/s x 1.3
    # a place 3 km out in the lagoon, far from every stop: unreachable, never a straight-line time
    lagoon = xy(12.29, 45.36)
    result = engine(actv, [centre, lagoon], [lido, lagoon], window_minutes=5)
    assert np.isinf(result["percentile_s"][1, 0]) and np.isinf(result["percentile_s"][0, 1])
    assert result["percentile_s"][1, 1] == 0.0  # already there


def test_transit_in_the_coverage_job_equals_the_oracle(actv, tmp_path):
    demand = tmp_path / "places.csv"
    demand.write_text("code,pop,lon,lat\nSAN_BARTOLOMIO,100,12.3367,45.4377\nLIDO,50,12.3705,45.4170\n")
    services = tmp_path / "desks.csv"
    services.write_text("id,name,categories,lon,lat\nD1,Desk Lido,legal,12.3690,45.4160\nD2,Desk Roma,legal,12.3180,45.4385\n")
    result = cm.coverage(services, demand, "pop", id_field="code", mode="transit", gtfs=[actv], service_date=DATE,
                         window_minutes=10, working_epsg=32633, count_within_minutes=60)
    origins = np.array(result["demand"]["xy"])
    desks = np.array([xy(12.3690, 45.4160), xy(12.3180, 45.4385)])
    expected = oracle.percentile(oracle.times(actv, DATE, origins, desks, 8 * 3600, 10), 50).min(axis=1)
    np.testing.assert_allclose(result["coverage"]["legal"]["nearest_time_s"], expected, atol=1e-6)
    assert result["cost_model"] == "transit" and result["mode"] == "transit"


@pytest.mark.parametrize("name, message", [
    ("no_trips_feed", "no trip of the feeds runs on 2026-04-15"),
    ("missing_coordinates_feed", "the stop has no coordinates"),
    ("out_of_order_feed", "times go back"),
    ("not_gtfs_zip", "not a readable GTFS feed"),
    ("not_a_zip", "not a readable GTFS feed"),
])
def test_bad_feeds_give_one_clear_error(feeds, name, message):
    with pytest.raises(cm.InputError, match=message):
        engine(feeds[name], [[0.0, 0.0]], [[10.0, 0.0]])


def test_transit_options_are_checked():
    with pytest.raises(cm.InputError, match="service_date"):
        _core.transit_times(np.zeros((1, 2)), np.zeros((1, 2)), 32633, gtfs=[str(ACTV)], service_date="15/04/2026")
    with pytest.raises(cm.InputError, match="departure_time"):
        _core.transit_times(np.zeros((1, 2)), np.zeros((1, 2)), 32633, gtfs=[str(ACTV)], service_date=DATE,
                            departure_time="8 o'clock")
    with pytest.raises(cm.InputError, match="gtfs"):
        _core.transit_times(np.zeros((1, 2)), np.zeros((1, 2)), 32633, service_date=DATE)


def test_transit_demo_measures_the_historic_centre_by_waterbus(actv, tmp_path):
    """Venezia is six units; the historic centre's nearest legal desk is the
    oracle's (waterbus and walks over the 08:00-10:00 window), not Mestre's."""
    import csv

    result = cm.run_demo(tmp_path, mode="transit")
    names = list(result["demand"]["name"])
    assert len(names) == 49 and "Venezia" not in names
    centre, mestre = names.index("Venezia-Murano-Burano"), names.index("Mestre-Carpenedo")
    with open(DATA / "services.csv", newline="", encoding="utf-8") as f:
        legal = [r for r in csv.DictReader(f) if "legal" in r["categories"].split(";")]
    desks = np.array([xy(float(r["lon"]), float(r["lat"])) for r in legal])
    origin = np.array(result["demand"]["xy"])[[centre]]
    expected = oracle.percentile(oracle.times(actv, DATE, origin, desks, 8 * 3600, 120), 50).min()
    got = result["coverage"]["legal"]["nearest_time_s"]
    assert got[centre] == pytest.approx(expected, abs=1e-6)
    assert np.isfinite(got[centre]) and got[centre] != got[mestre]


def _roads(path, polylines, feed):
    """A walkable line layer in EPSG:32633 through points given as stop ids or (x, y) offsets from BASE."""
    from conftest import write_geojson

    def point(p):
        return list(fx.stop_xy(feed, p)) if isinstance(p, str) else [fx.BASE[0] + p[0], fx.BASE[1] + p[1]]

    rows = [{"name": f"road {i}", "geometry": {"type": "LineString", "coordinates": [point(a), point(b)]}}
            for i, line in enumerate(polylines) for a, b in zip(line, line[1:])]
    return str(write_geojson(path, rows, crs="EPSG:32633"))


def test_walking_legs_on_a_network_equal_the_oracle_walking_those_streets(feeds, tmp_path):
    """Streets along the stops of the walk_network feed: every walk is along a
    straight street, so the network walk equals the oracle's straight walk
    with no detour (walk_m_s 1.25, detour 1.0)."""
    feed = feeds["walk_network_feed"]
    origin = np.add(fx.stop_xy(feed, "P"), [0.0, 900.0])
    roads = _roads(tmp_path / "streets.geojson", [
        ["P", "Q", "R", "S", "U"],
        ["P", tuple(origin - fx.BASE), "V", "W"],
    ], feed)
    points = np.array([origin] + [fx.stop_xy(feed, s) for s in "PQRSUVW"])
    ours = engine(feed, points, points, window_minutes=15, network=roads)
    theirs = oracle.times(feed, DATE, points, points, 8 * 3600, 15, detour_factor=1.0)
    same(ours["travel_time_s"], theirs)
    assert ours["stops_off_network"] == []
    # O to U: T1, then Q -> R walked in 640 s on the street (832 s straight x 1.3) catches T3 at 08:53:51
    assert ours["travel_time_s"][0, 0, 5] == 4200


def test_a_canal_between_a_place_and_its_stop_is_walked_around(feeds, tmp_path):
    """A place 300 m from stop Q across water: the straight line walks to Q
    and rides on; on the streets, whose only way to Q is 9.7 km round, it is
    unreachable by transit, and a stop far from every street is reported."""
    feed = feeds["walk_network_feed"]
    place = np.add(fx.stop_xy(feed, "Q"), [0.0, 300.0])
    roads = _roads(tmp_path / "canal.geojson", [
        ["P", "Q", "R", (13000.0, 0.0), "S"],
        [tuple(place - fx.BASE), (10000.0, 2000.0), (13000.0, 2000.0), (13000.0, 0.0)],
    ], feed)
    s = fx.stop_xy(feed, "S")
    straight = engine(feed, [place], [s], window_minutes=1)["travel_time_s"][0, 0, 0]
    assert straight == 3600  # walk 312 s to Q, T2 08:40 -> S 09:00
    with pytest.warns(cm.CapacityMetroWarning, match="3 stops lie too far from the walking network"):
        on_streets = engine(feed, [place], [s], window_minutes=1, network=roads)
    assert np.isinf(on_streets["travel_time_s"][0, 0, 0])
    assert [i.split(":")[-1] for i in on_streets["stops_off_network"]] == ["U", "V", "W"]


def test_transit_travel_areas_follow_the_oracle_surface(actv, tmp_path):
    """Travel areas by waterbus to a desk on the Lido: the surface at sampled
    cell centres equals the oracle's median over the window, every cell
    centre is on its side of each band, and a cell out in the lagoon, far
    from every stop, is never reached."""
    import shapely
    from shapely.geometry import MultiPolygon, Polygon

    services = tmp_path / "desks.csv"
    services.write_text("id,name,categories,lon,lat\nLIDO,Desk Lido,legal,12.3690,45.4160\n")
    bands, window = [20.0, 40.0], 10
    result = cm.travel_areas(services, mode="transit", gtfs=[actv], service_date=DATE, window_minutes=window,
                             working_epsg=32633, time_bands_minutes=bands, cell_m=250.0, keep_surfaces=True,
                             output=tmp_path / "areas.gpkg")
    surface = result["surfaces"]["LIDO"]
    h, w = surface["times_s"].shape
    jj, ii = np.mgrid[0:h, 0:w]
    centres = np.column_stack([surface["x0"] + ii.ravel() * 250.0, surface["y0"] + jj.ravel() * 250.0])
    times = surface["times_s"].ravel()
    reached = np.flatnonzero(np.isfinite(times))
    assert len(reached) > 100
    rng = np.random.default_rng(3)
    sample = np.concatenate([rng.choice(reached, 40, replace=False), rng.choice(len(times), 20, replace=False)])
    expected = oracle.percentile(oracle.times(actv, DATE, centres[sample], [xy(12.3690, 45.4160)], 8 * 3600, window), 50)
    expected[expected > bands[-1] * 60] = np.inf
    same(times[sample], expected[:, 0])
    for area in result["areas"]:
        polygon = MultiPolygon([Polygon(exterior, holes) for exterior, holes in area["polygons"]])
        band_s = area["minutes"] * 60
        clear = np.abs(times - band_s) > 1e-6
        inside = shapely.contains(polygon, shapely.points(centres))
        np.testing.assert_array_equal(inside[clear], (times <= band_s)[clear])
    lagoon = np.hypot(*(centres - xy(12.29, 45.36)).T).argmin()
    assert np.isinf(times[lagoon])
    assert sorted(a["minutes"] for a in result["areas"]) == bands


def test_cells_too_large_for_the_bands_give_a_warning_not_silence(actv, tmp_path):
    services = tmp_path / "desks.csv"
    services.write_text("id,name,categories,lon,lat\nLIDO,Desk Lido,legal,12.3690,45.4160\n")
    with pytest.warns(cm.CapacityMetroWarning, match=r"no travel area was drawn: .*use smaller cells \(cell_m, now 5000"):
        result = cm.travel_areas(services, mode="transit", gtfs=[actv], service_date=DATE, window_minutes=5,
                                 working_epsg=32633, time_bands_minutes=[3.0], cell_m=5000.0)
    assert result["areas"] == []


def test_walking_speed_is_an_option_and_equals_the_oracle(feeds):
    feed = feeds["walk_network_feed"]
    origin = np.add(fx.stop_xy(feed, "P"), [0.0, 900.0])
    points = np.array([origin] + [fx.stop_xy(feed, s) for s in "PQRSU"] + [origin + [0.0, 1000.0]])
    ours = engine(feed, points, points, window_minutes=15, walk_m_s=1.0)
    theirs = oracle.times(feed, DATE, points, points, 8 * 3600, 15, walk_m_s=1.0)
    same(ours["travel_time_s"], theirs)
    assert ours["travel_time_s"][0, 0, 6] == 1300.0  # the direct walk of 1000 m x 1.3 at 1 m/s
