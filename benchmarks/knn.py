"""k-nearest services for many points: capacitymetro vs scipy cKDTree vs
shapely 2 STRtree, on the same random data, in one run.

1,000,000 query points over 10,000 services in a 50 km square; k = 1 and 5;
index build included; best of three runs. Each peer's distances are checked
against capacitymetro's. Writes benchmarks/results-knn.md and prints it.
"""

from __future__ import annotations

import os
import platform
import time
from pathlib import Path

import capacitymetro as cm
import numpy as np
import scipy
import shapely
from scipy.spatial import cKDTree

N_SERVICES = 10_000
N_QUERIES = 1_000_000
REPEATS = 3


def best_of(function):
    times, result = [], None
    for _ in range(REPEATS):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return min(times), result


def main() -> None:
    rng = np.random.default_rng(2026)
    services = rng.uniform(0, 50_000, (N_SERVICES, 2))
    queries = rng.uniform(0, 50_000, (N_QUERIES, 2))
    rows = []
    for k in (1, 5):
        ours_s, (_, ours_d) = best_of(lambda: cm.FacilityIndex(services).nearest(queries, k=k))
        peers = {
            "scipy cKDTree (workers=1)": lambda: cKDTree(services).query(queries, k=k, workers=1)[0],
            "scipy cKDTree (workers=-1)": lambda: cKDTree(services).query(queries, k=k, workers=-1)[0],
        }
        if k == 1:
            def strtree():
                tree = shapely.STRtree(shapely.points(services))
                (q, s), d = tree.query_nearest(shapely.points(queries), return_distance=True, all_matches=False)
                return d
            peers["shapely STRtree"] = strtree
        rows.append((k, "capacitymetro", ours_s, 1.0))
        for name, run in peers.items():
            seconds, distances = best_of(run)
            np.testing.assert_allclose(np.asarray(distances).reshape(ours_d.shape), ours_d, rtol=1e-9, atol=1e-6)
            rows.append((k, name, seconds, ours_s / seconds))
        if k == 5:
            rows.append((k, "shapely STRtree", float("nan"), float("nan")))
    lines = [
        f"k-nearest: {N_QUERIES:,} queries over {N_SERVICES:,} services, index build included, best of {REPEATS}",
        f"machine: {os.cpu_count()} cores, {platform.processor() or platform.machine()}; "
        f"capacitymetro {cm.__version__}, scipy {scipy.__version__}, shapely {shapely.__version__}",
        "",
        "| k | tool | seconds | capacitymetro / tool |",
        "|---|------|---------|----------------------|",
    ]
    for k, name, seconds, ratio in rows:
        if np.isnan(seconds):
            lines.append(f"| {k} | {name} | n/a (no k-nearest for k > 1) | |")
        else:
            lines.append(f"| {k} | {name} | {seconds:.3f} | {ratio:.2f} |")
    lines.append("")
    lines.append("A ratio below 1.0 means capacitymetro is faster.")
    text = "\n".join(lines)
    Path(__file__).with_name("results-knn.md").write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
