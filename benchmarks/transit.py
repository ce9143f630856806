"""Transit travel-time matrix on the full ACTV waterbus feed: capacitymetro
(RAPTOR, Rust, both cores) against the tests' Python reference router
(tests/python/transit_oracle.py; pyraptor is not installable here), side by
side in one run. Origins and destinations are random points within 500 m of
random stops; departures every minute of a 2-hour window.

The Python router is timed on a subset of origins and its per-origin time
scaled; the table says so. Needs ../shared/data/gtfs/actv_nav.zip."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests" / "python"))
FEED = HERE.parents[1] / "shared" / "data" / "gtfs" / "actv_nav.zip"
DATE, DEPARTURE_S, WINDOW = "2026-04-15", 8 * 3600, 120


def main() -> None:
    if not FEED.exists():
        print(f"skipping the transit benchmark: {FEED} is absent")
        return
    import csv
    import io
    import zipfile

    from capacitymetro import _core

    import gtfs_fixtures as fx
    import transit_oracle as oracle

    with zipfile.ZipFile(FEED) as z:
        ids = [r["stop_id"] for r in csv.DictReader(io.TextIOWrapper(z.open("stops.txt"), encoding="utf-8-sig"))]
    stops = np.array([fx.stop_xy(FEED, s) for s in ids])
    rng = np.random.default_rng(1)
    origins = stops[rng.integers(0, len(stops), 1000)] + rng.normal(0, 250, (1000, 2))
    destinations = stops[rng.integers(0, len(stops), 100)] + rng.normal(0, 250, (100, 2))
    options = dict(gtfs=[str(FEED)], service_date=DATE, departure_time="08:00", window_minutes=WINDOW)

    start = time.perf_counter()
    _core.transit_times(origins[:1], destinations, 32633, **options)
    one_origin_s = time.perf_counter() - start
    # the same call from a point 50 km from every stop: reading the feed and binding, no search
    start = time.perf_counter()
    _core.transit_times(origins[:1] + 50_000.0, destinations, 32633, **options)
    load_s = time.perf_counter() - start
    start = time.perf_counter()
    ours = _core.transit_times(origins, destinations, 32633, **options)
    ours_s = time.perf_counter() - start
    subset = 10
    start = time.perf_counter()
    theirs = oracle.times(FEED, DATE, origins[:subset], destinations, DEPARTURE_S, WINDOW)
    theirs_s = (time.perf_counter() - start) * len(origins) / subset
    agree = np.array_equal(np.isinf(theirs), np.isinf(ours["travel_time_s"][:, :subset]))
    rows = [
        ("capacitymetro, 1,000 x 100, 120 departures", ours_s, 1.0),
        (f"Python reference router (timed on {subset} origins, scaled)", theirs_s, ours_s / theirs_s),
    ]
    print(f"Transit matrix, full ACTV feed ({len(stops)} stops), {DATE} 08:00-10:00 every minute; "
          f"{os.cpu_count()} cores; reachability agrees with the reference: {agree}")
    print("| tool | seconds | capacitymetro / tool |\n|---|---|---|")
    for name, seconds, ratio in rows:
        print(f"| {name} | {seconds:.2f} | {ratio:.4f} |")
    print(f"One origin, 100 destinations, 120 departures: {one_origin_s * 1000:.0f} ms a call, of which reading the "
          f"feed {load_s * 1000:.0f} ms, so the range query itself {(one_origin_s - load_s) * 1000:.0f} ms; "
          f"in the matrix {ours_s:.2f} ms per origin ({ours_s / WINDOW:.4f} ms per departure).")


if __name__ == "__main__":
    main()
