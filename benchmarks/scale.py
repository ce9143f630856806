"""How the accessibility job grows with the number of demand units: 10,000,
100,000 and 1,000,000 units, each its own zone, against 50 legal desks.

Measured, each tool in a fresh child process per size (so that peak RSS is its
own): the whole ``capacitymetro.accessibility`` call from GeoPackages (read,
straight-line walking costs, E2SFCA, gaps per unit and the per-zone gaps table
with one zone per unit, results handed to Python; no output file), once for
the one category that has desks and once with the default categories (every
category of the vocabulary); and PySAL access computing the same E2SFCA index
(checked equal to 1e-9) from the same GeoPackages read with pyogrio, its cost
pairs found with a scipy cKDTree. The peer computes the index only, no gaps.

Synthetic data, numpy default_rng(1): units uniform in a 40 km square around
Venice (EPSG:32633), populations 1-500; desks uniform in the same square,
capacities 10-100. Writing the inputs is not timed. Best of up to three runs
(one when a run takes over 20 s). O(n log n) shows about 10-12x per tenfold
step, O(n^2) 100x. Writes benchmarks/results-scale.md and prints it.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from importlib.metadata import version
from pathlib import Path
from typing import Any, Callable

HERE = Path(__file__).resolve().parent
SIZES = (10_000, 100_000, 1_000_000)
N_SERVICES = 50
CATEGORY = "legal"
EPSG = 32633
SIDE_M = 40_000.0
# south-west corner of the square: Venice is at about (291 km, 5035 km) in UTM 33N
ORIGIN = (271_000.0, 5_015_000.0)
# the job's defaults: walking at 1.25 m/s along straight lines x 1.3; E2SFCA steps reach 30 minutes
WALK_M_S, DETOUR, CATCHMENT_S = 1.25, 1.3, 30 * 60
REPEATS, LONG_RUN_S = 3, 20.0
# a tool is not run at a size where its projected time exceeds this
BUDGET_S = 120.0
TOOLS = {
    "ours": f"capacitymetro, categories=[{CATEGORY}]",
    "ours-all": "capacitymetro, default categories",
    "peer": "PySAL access (index only, no gaps)",
}


# ---- children: each prints one JSON line ----


def write_inputs(folder: Path) -> dict[str, Any]:
    import numpy as np
    import pyogrio
    import shapely

    rng = np.random.default_rng(1)
    corner = np.array(ORIGIN)
    # the system GDAL that the extension links warns on GeoPackage 1.4, pyogrio's GDAL default
    options: dict[str, Any] = {
        "driver": "GPKG",
        "geometry_type": "Point",
        "crs": f"EPSG:{EPSG}",
        "dataset_options": {"VERSION": "1.2"},
    }
    desks = shapely.to_wkb(shapely.points(rng.uniform(0, SIDE_M, (N_SERVICES, 2)) + corner))
    fields = [
        np.array([f"S{i}" for i in range(N_SERVICES)]),
        np.array([f"Desk {i}" for i in range(N_SERVICES)]),
        np.full(N_SERVICES, CATEGORY),
        rng.integers(10, 101, N_SERVICES).astype(np.float64),
    ]
    pyogrio.raw.write(folder / "services.gpkg", desks, fields, ["id", "name", "categories", "capacity"], **options)
    seconds = {}
    for n in SIZES:
        start = time.perf_counter()
        points = shapely.to_wkb(shapely.points(rng.uniform(0, SIDE_M, (n, 2)) + corner))
        # every unit its own zone: the largest per-zone table
        fields = [np.array([f"Z{i}" for i in range(n)]), rng.integers(1, 501, n)]
        pyogrio.raw.write(folder / f"demand-{n}.gpkg", points, fields, ["zone", "population"], **options)
        seconds[str(n)] = time.perf_counter() - start
    return {"seconds": seconds}


def peak_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def repeated(run: Callable[[float], tuple[list[float], Any]]) -> tuple[list[float], Any, float]:
    """Runs ``run(start)`` up to REPEATS times; it returns the times of its
    phases, which add up to the whole run, and a small result. Keeps those of
    the quickest run, and the peak RSS after the first run (later runs raise
    it a little through the allocator's fragmentation, not through the job)."""
    times: list[float] = []
    best: Any = None
    first_peak = 0.0
    for _ in range(REPEATS):
        # the checks that run after the last phase are not timed
        phases, result = run(time.perf_counter())
        times.append(sum(phases))
        first_peak = first_peak or peak_mb()
        if times[-1] == min(times):
            best = (phases, result)
        if times[-1] > LONG_RUN_S:
            break
    return times, best, first_peak


def run_ours(folder: Path, n: int, one_category: bool) -> dict[str, Any]:
    import capacitymetro as cm
    import numpy as np

    options: dict[str, Any] = {"aggregate_by": "zone"}
    if one_category:
        options["categories"] = [CATEGORY]

    def once(start: float) -> tuple[list[float], Any]:
        marks: list[float] = []
        # progress is reported while the cost pairs are found: it splits reading from the rest
        result = cm.accessibility(
            folder / "services.gpkg",
            folder / f"demand-{n}.gpkg",
            "population",
            progress=lambda done, total: marks.append(time.perf_counter()),
            **options,
        )
        end = time.perf_counter()
        legal = result["categories"][CATEGORY]
        assert result["working_epsg"] == EPSG and len(legal["by_zone"]) == n, "one zone per unit, no reprojection"
        # only what is reported is kept: a result alive during the next run would raise the peak RSS
        kept = (len(result["categories"]), np.count_nonzero(legal["unserved"]) / n, np.asarray(legal["access"]))
        return [marks[0] - start, marks[-1] - marks[0], end - marks[-1]], kept

    base = peak_mb()
    times, (phases, (categories, unserved, access)), peak = repeated(once)
    if one_category:
        np.save(folder / f"access-{n}.npy", access)
    return {
        "times": times,
        "phases": phases if one_category else None,
        "peak_mb": peak,
        "base_mb": base,
        "categories": categories,
        "unserved": float(unserved),
    }


def run_peer(folder: Path, n: int) -> dict[str, Any]:
    import warnings

    import numpy as np
    import pandas as pd
    import pyogrio
    import shapely
    from access import Access
    from scipy.spatial import cKDTree

    warnings.filterwarnings("ignore")  # access uses pandas calls that pandas 3 deprecates

    def once(start: float) -> tuple[list[float], Any]:
        _, _, points, (population,) = pyogrio.raw.read(folder / f"demand-{n}.gpkg", columns=["population"])
        _, _, desks, (capacity,) = pyogrio.raw.read(folder / "services.gpkg", columns=["capacity"])
        units_xy = shapely.get_coordinates(shapely.from_wkb(points))
        desks_xy = shapely.get_coordinates(shapely.from_wkb(desks))
        read = time.perf_counter()
        # the pairs within the catchment, cost as the job's: metres x detour at walking speed, in minutes
        found = cKDTree(units_xy).query_ball_point(desks_xy, CATCHMENT_S * WALK_M_S / DETOUR)
        j = np.repeat(np.arange(len(desks_xy)), [len(f) for f in found])
        i = np.concatenate([np.asarray(f, dtype=np.int64) for f in found])
        cost_min = np.hypot(*(units_xy[i] - desks_xy[j]).T) * DETOUR / WALK_M_S / 60
        paired = time.perf_counter()
        a = Access(
            demand_df=pd.DataFrame({"geoid": np.arange(n), "pop": population.astype(np.float64)}),
            demand_index="geoid",
            demand_value="pop",
            supply_df=pd.DataFrame({"sid": np.arange(len(desks_xy)), "cap": capacity}),
            supply_index="sid",
            supply_value="cap",
            cost_df=pd.DataFrame({"origin": i, "dest": j, "cost": cost_min}),
            cost_origin="origin",
            cost_dest="dest",
            cost_name="cost",
        )
        access = a.enhanced_two_stage_fca(name="x")["x_cap"].reindex(np.arange(n)).fillna(0).to_numpy()
        end = time.perf_counter()
        return [read - start, paired - read, end - paired], (access, len(i))

    base = peak_mb()
    times, (phases, (access, pairs)), peak = repeated(once)
    ours = folder / f"access-{n}.npy"
    if ours.exists():  # absent only when capacitymetro was skipped at this size
        np.testing.assert_allclose(access, np.load(ours), rtol=1e-9, atol=1e-12)
    return {"times": times, "phases": phases, "peak_mb": peak, "base_mb": base, "pairs": pairs}


def child(kind: str, folder: Path, n: int) -> None:
    if kind == "inputs":
        answer = write_inputs(folder)
    elif kind == "peer":
        answer = run_peer(folder, n)
    else:
        answer = run_ours(folder, n, one_category=kind == "ours")
    print(json.dumps(answer))


# ---- parent: stdlib only, so that the children it starts begin small ----


def in_child(kind: str, folder: Path, n: int = 0, timeout_s: float | None = None) -> dict[str, Any]:
    command = [sys.executable, __file__, "--child", kind, str(folder), str(n)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout_s)
    if done.returncode != 0:
        raise RuntimeError(f"{kind} at {n:,} units failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    rows: list[tuple[int, str, dict[str, Any] | None, str]] = []
    best: dict[tuple[str, int], float] = {}
    facts: dict[int, list[str]] = {n: [] for n in SIZES}
    label = dict(TOOLS)
    with tempfile.TemporaryDirectory(prefix="cm-scale-") as name:
        folder = Path(name)
        written = in_child("inputs", folder)["seconds"]
        for n in SIZES:
            for kind in TOOLS:
                # projected from the last two sizes, never below the linear 10x
                last, earlier = best.get((kind, n // 10)), best.get((kind, n // 100))
                projected = last * max(10.0, last / earlier if earlier else 0.0) if last else 0.0
                if projected > BUDGET_S:
                    rows.append((n, kind, None, f"skipped: about {projected:.0f} s projected, over {BUDGET_S:.0f} s"))
                    continue
                try:
                    got = in_child(kind, folder, n, timeout_s=BUDGET_S * REPEATS + 60)
                except subprocess.TimeoutExpired:
                    rows.append((n, kind, None, f"stopped after {BUDGET_S * REPEATS + 60:.0f} s"))
                    continue
                best[(kind, n)] = min(got["times"])
                rows.append((n, kind, got, ""))
                if kind == "ours":
                    facts[n].append(f"{got['unserved']:.0%} of units unserved")
                elif kind == "ours-all":
                    k = got["categories"]
                    label[kind] = f"{TOOLS[kind]} (all {k}; {k - 1} without desks)"
                else:
                    facts[n].append(f"{got['pairs']:,} unit-desk pairs within 30 minutes")
    lines = [
        f"Accessibility job (E2SFCA, walking, straight lines) with service gaps, one zone per unit, {N_SERVICES} desks",
        f"machine: {os.cpu_count()} cores, {platform.processor() or platform.machine()}; "
        f"capacitymetro {version('capacitymetro')}, access {version('access')}; best of up to {REPEATS} runs; "
        f"inputs written in {sum(written.values()):.1f} s (not timed)",
        "",
        "| units | tool | seconds (best) | worst run | read / pairs / rest s | peak RSS MB (before) | "
        "time / time at units/10 | tool / capacitymetro one category |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for n, kind, got, why in rows:
        if got is None:
            lines.append(f"| {n:,} | {label[kind]} | {why} | | | | | |")
            continue
        seconds = min(got["times"])
        phases = " / ".join(f"{p:.2f}" for p in got["phases"]) if got["phases"] else ""
        growth = f"{seconds / best[(kind, n // 10)]:.1f}x" if (kind, n // 10) in best else ""
        versus = f"{seconds / best[('ours', n)]:.2f}" if kind != "ours" and ("ours", n) in best else ""
        lines.append(
            f"| {n:,} | {label[kind]} | {seconds:.3f} | {max(got['times']):.3f} | {phases} | "
            f"{got['peak_mb']:.0f} ({got['base_mb']:.0f}) | {growth} | {versus} |"
        )
    lines += [
        "",
        "capacitymetro phases: read = until the first progress report (read and validate the GeoPackages, index the "
        "desks); pairs = unit-desk pairs within the catchment; rest = index, gaps per unit, per-zone table, results "
        "handed to Python. access phases: read = pyogrio reading the same GeoPackages; pairs = scipy cKDTree; "
        "rest = Access E2SFCA. Peak RSS is the child process's after the first run, imports included "
        "(before it in brackets).",
        "The last column below 1 means that tool is faster; PySAL access computes the index only, not the gaps.",
        *(f"{n:,} units: {', '.join(f)}" for n, f in facts.items() if f),
    ]
    text = "\n".join(lines)
    (HERE / "results-scale.md").write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--child":
        child(sys.argv[2], Path(sys.argv[3]), int(sys.argv[4]))
    else:
        main()
