"""Travel areas (isochrones) against QGIS's ``native:serviceareafromlayer``
run in process through PyQGIS, without qgis_process's start-up.

Data as in benchmarks/network.py: its network (Liechtenstein from
../shared/data when present, else Helsinki), the walk graph, and the first
10 of its 100 services (numpy default_rng(1) over the walk nodes; a service
sits on a node). Both tools walk the same links at the same speeds: each
walk link once (the quickest of parallel links; walking links are two-way
with equal times) as a two-point line, since every link of the graph is
straight, with its speed in km/h (length / time: 4.5, 1.8 on steps) in a
field that QGIS reads as SPEED_FIELD; STRATEGY fastest, both directions,
DEFAULT_SPEED 4.5 km/h (unused: every link has a speed), TOLERANCE 0.

Measured, best of 3, for 10 services and one 15-minute band, then for the
same services and 4 bands (5, 10, 15, 30 minutes):

- capacitymetro: the whole ``cm.travel_areas`` call (read the services
  file, snap them, snap the grid to the network, one search per service,
  contour, polygons handed to Python) on a Network built once, not timed;
- QGIS: only the ``processing.run("native:serviceareafromlayer", ...)``
  calls, with the lines output in memory (TEMPORARY_OUTPUT), as a QGIS user
  or script would call it: each call builds its graph from the line layer,
  which QGIS does not keep between calls. The 4 bands need 4 calls, QGIS
  takes one travel cost per call. QGIS runs in Debian's python3 (the one
  PyQGIS is built for), the QgsApplication, processing and an empty project
  set up once and the memory layers built once, none of it timed.

Reach agreement, 15-minute band: QGIS's reached network vertices (the
"within" points of its OUTPUT layer, from one more run, not timed) against
(a) the exact times from the service's node on our graph
(``Network.node_times``), which checks that the graphs are the same, and
(b) our area for the same service and band: the share of QGIS's vertices
inside it, and how near the band's end those outside are reached. Our area
also holds places up to two cells (100 m) off the network, but its time
surface is exact only at cell centres, which add their walk to the network,
and is interpolated between them, so vertices reached near the band's end
can fall just outside.

Then where our time goes: the same call with 1 and 10 services at 25, 50
and 100 m cells (the grid over the network's whole extent is snapped once
per call, the search and contouring are per service), a fit of the
one-service time as fixed + per grid cell, the services file read and
validated alone, and the 10 searches alone (``Network.node_times`` with the
band as cut-off). Timings are wall-clock: other load on the machine shows
in them (the load average before and after is printed). Prints the tables;
writes no file.

Run (QGIS from Debian, ``make qgis-deps``): .venv/bin/python benchmarks/travel_areas_qgis.py
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable, TypeVar

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
MODE = "walk"
N_SERVICES = 10
BAND_MIN = 15.0
BANDS_MIN = (5.0, 10.0, 15.0, 30.0)
REPEATS = 3
# Debian's interpreter, for which python3-qgis is built (the venv cannot import qgis)
QGIS_PYTHON = "/usr/bin/python3"
QGIS_PLUGINS = "/usr/share/qgis/python/plugins"
WALK_KMH = 4.5
# the travel areas' default grid cell when walking
CELL_M = 50.0

T = TypeVar("T")


def best_of(function: Callable[[], T], repeats: int = REPEATS) -> tuple[float, T]:
    """The quickest of ``repeats`` runs of ``function``, in seconds, and its last result."""
    best, result = float("inf"), None
    for _ in range(repeats):
        start = time.perf_counter()
        result = function()
        best = min(best, time.perf_counter() - start)
    return best, result  # type: ignore[return-value]


# ---- the QGIS side: Debian's python3, stdlib and PyQGIS only; prints one JSON line ----


def qgis_worker(inputs: Path) -> None:
    """Sets up QGIS once, builds the memory layers once from ``inputs``, times
    the processing.run calls only, and prints the times and QGIS's reach."""
    started = time.perf_counter()
    from qgis.core import Qgis, QgsApplication, QgsFeature, QgsGeometry, QgsPointXY, QgsProject, QgsVectorLayer

    app = QgsApplication([], False)
    app.initQgis()
    sys.path.insert(0, QGIS_PLUGINS)
    from processing.core.Processing import Processing

    Processing.initialize()
    import processing

    project = QgsProject.instance()
    project.clear()  # empty: the network algorithms only need one to exist
    ready = time.perf_counter()

    data = json.loads(inputs.read_text())
    xy: list[list[float]] = data["xy"]
    crs = f"EPSG:{data['epsg']}"
    lines = QgsVectorLayer(f"LineString?crs={crs}&field=speed_kmh:double", "walk links", "memory")
    features = []
    for a, b, kmh in data["links"]:
        feature = QgsFeature(lines.fields())
        feature.setGeometry(QgsGeometry.fromPolylineXY([QgsPointXY(*xy[a]), QgsPointXY(*xy[b])]))
        feature.setAttributes([kmh])
        features.append(feature)
    lines.dataProvider().addFeatures(features)
    starts = QgsVectorLayer(f"Point?crs={crs}&field=node:integer", "services", "memory")
    points = []
    for node in data["starts"]:
        feature = QgsFeature(starts.fields())
        feature.setGeometry(QgsGeometry.fromPointXY(QgsPointXY(*xy[node])))
        feature.setAttributes([node])
        points.append(feature)
    starts.dataProvider().addFeatures(points)
    assert lines.featureCount() == len(data["links"]) and starts.featureCount() == len(data["starts"])
    built = time.perf_counter()

    def parameters(minutes: float, **outputs: str) -> dict[str, Any]:
        return {
            "INPUT": lines,
            "STRATEGY": 1,  # fastest
            "DEFAULT_DIRECTION": 2,  # both directions
            "SPEED_FIELD": "speed_kmh",
            "DEFAULT_SPEED": WALK_KMH,
            "TOLERANCE": 0,
            "START_POINTS": starts,
            "TRAVEL_COST2": minutes / 60,  # hours, for the fastest path
            "INCLUDE_BOUNDS": False,
            **outputs,
        }

    def run(minutes: float, **outputs: str) -> dict[str, Any]:
        return processing.run("native:serviceareafromlayer", parameters(minutes, **outputs))

    def timed(bands: list[float]) -> float:
        best = float("inf")
        for _ in range(REPEATS):
            seconds = 0.0
            for minutes in bands:
                start = time.perf_counter()
                result = run(minutes, OUTPUT_LINES="TEMPORARY_OUTPUT")
                seconds += time.perf_counter() - start
                assert result["OUTPUT_LINES"].featureCount() == len(data["starts"])
                del result
            best = min(best, seconds)
        return best

    one_band_s = timed([data["band_min"]])
    bands_s = timed(data["bands_min"])

    # the reach, from one more run with the vertices output: one "within" feature per start point, in order
    result = run(data["band_min"], OUTPUT="TEMPORARY_OUTPUT")
    reached = []
    for feature in result["OUTPUT"].getFeatures():
        if feature["type"] == "within":
            reached.append([[p.x(), p.y()] for p in feature.geometry().asMultiPoint()])
    print(json.dumps({
        "qgis": Qgis.QGIS_VERSION,
        "setup_s": ready - started,
        "layers_s": built - ready,
        "one_band_s": one_band_s,
        "bands_s": bands_s,
        "reached": reached,
    }), flush=True)
    os._exit(0)  # QGIS's exit handlers can crash a headless script; nothing is left to write


def run_qgis(inputs: Path, profile: Path) -> dict[str, Any]:
    """The worker in Debian's python3, set up as tests/qgis runs PyQGIS headless."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", QGIS_CUSTOM_CONFIG_PATH=str(profile), LC_ALL="C.UTF-8")
    env.pop("PYTHONPATH", None)
    done = subprocess.run([QGIS_PYTHON, __file__, "--qgis-worker", str(inputs)], env=env, capture_output=True,
                          text=True, timeout=1800)
    if done.returncode != 0:
        raise RuntimeError(f"the PyQGIS worker failed:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# ---- our side: the venv ----


def main() -> None:
    import capacitymetro as cm
    import numpy as np
    import pyproj
    import shapely

    from network import network_source

    load_before = os.getloadavg()[0]
    source = network_source()
    network = cm.Network.build(source)
    e = network.edges(MODE)
    xy = network.nodes_xy(MODE)
    n = len(xy)
    # the services of benchmarks/network.py, its first ten
    nodes = np.random.default_rng(1).choice(n, 100, replace=False)[:N_SERVICES]

    # each two-way link once, the quickest of parallel links
    quickest: dict[tuple[int, int], tuple[float, float]] = {}
    for a, b, seconds, metres in zip(e["source"].tolist(), e["target"].tolist(), e["time_s"].tolist(), e["length_m"].tolist()):
        key = (min(a, b), max(a, b))
        if key not in quickest or seconds < quickest[key][0]:
            quickest[key] = (seconds, metres)
    straight = np.hypot(*(xy[e["source"]] - xy[e["target"]]).T)
    assert np.allclose(straight, e["length_m"], rtol=1e-9, atol=1e-6), "links are straight: two-point lines are exact"
    links = [[a, b, metres / seconds * 3.6] for (a, b), (seconds, metres) in quickest.items()]

    with tempfile.TemporaryDirectory(prefix="cm-qgis-") as name:
        folder = Path(name)
        services = folder / "services.geojson"
        lon, lat = pyproj.Transformer.from_crs(network.epsg, 4326, always_xy=True).transform(xy[nodes, 0], xy[nodes, 1])
        services.write_text(json.dumps({"type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": {"id": f"S{i}", "name": f"Desk {i}", "categories": "legal"},
             "geometry": {"type": "Point", "coordinates": [x, y]}} for i, (x, y) in enumerate(zip(lon, lat))]}))
        inputs = folder / "inputs.json"
        inputs.write_text(json.dumps({"epsg": network.epsg, "xy": xy.tolist(), "links": links,
                                      "starts": nodes.tolist(), "band_min": BAND_MIN, "bands_min": list(BANDS_MIN)}))

        def ours(bands: tuple[float, ...], path: Path = services, **options: Any) -> Callable[[], dict[str, Any]]:
            return lambda: cm.travel_areas(path, network, mode=MODE, time_bands_minutes=list(bands), **options)

        ours_one_s, areas = best_of(ours((BAND_MIN,)))
        ours_bands_s, _ = best_of(ours(BANDS_MIN))
        assert not areas["unreachable_services"] and len(areas["areas"]) == N_SERVICES

        # where our time goes: a call with one service, and other cell sizes
        single = folder / "service.geojson"
        collection = json.loads(services.read_text())
        single.write_text(json.dumps({**collection, "features": collection["features"][:1]}))
        read_s, _ = best_of(lambda: cm.validate_catalogue(services))
        breakdown = []
        span = xy.max(axis=0) - xy.min(axis=0)
        for cell_m in (25.0, 50.0, 100.0):
            one_s, _ = best_of(ours((BAND_MIN,), single, cell_m=cell_m))
            ten_s, _ = best_of(ours((BAND_MIN,), cell_m=cell_m))
            # the grid over the network's extent, with a margin of the off-network walk (two cells) and a cell
            cells = int(np.prod(np.ceil((span + 2 * 3 * cell_m) / cell_m) + 1))
            breakdown.append((cell_m, cells, one_s, ten_s))

        # the searches alone: each service's walk within the band, as node times
        search_s, _ = best_of(lambda: [network.node_times(MODE, [s], cutoff_s=BAND_MIN * 60) for s in nodes.tolist()])

        started = time.perf_counter()
        got = run_qgis(inputs, folder / "profile")
        qgis_wall_s = time.perf_counter() - started

    # reach: QGIS's vertices against our exact node times and our areas
    node_of = {(x, y): i for i, (x, y) in enumerate(xy.tolist())}
    assert len(got["reached"]) == N_SERVICES
    band_s = BAND_MIN * 60
    qgis_vertices = inside = missed_by_us = extra_in_ours = interpolated = 0
    worst_gap_s = 0.0
    outside_spare_s: list[float] = []  # how long before the band's end QGIS's vertices outside our area are reached
    for i, (node, points) in enumerate(zip(nodes.tolist(), got["reached"])):
        found = sorted({node_of[p] for p in map(tuple, points) if p in node_of})
        interpolated += sum(1 for p in map(tuple, points) if p not in node_of)
        times, _ = network.node_times(MODE, [node])
        exact = set(np.flatnonzero(times <= band_s).tolist())
        differ = sorted(exact.symmetric_difference(found))
        missed_by_us += len(set(found) - exact)
        extra_in_ours += len(exact - set(found))
        if differ:
            worst_gap_s = max(worst_gap_s, float(np.max(np.abs(times[differ] - band_s))))
        area = next(a for a in areas["areas"] if a["service"] == f"S{i}" and a["minutes"] == BAND_MIN)
        polygon = shapely.union_all([shapely.Polygon(outer, holes) for outer, holes in area["polygons"]])
        within = shapely.intersects_xy(polygon, xy[found, 0], xy[found, 1])
        qgis_vertices += len(found)
        inside += int(np.count_nonzero(within))
        outside_spare_s.extend((band_s - times[found][~within]).tolist())
    # the surface's stated resolution (src/travel_areas.rs): 2 sqrt 2 cells at walking speed
    resolution_s = 2 * 2**0.5 * CELL_M / cm.default_speed_m_s(MODE)
    spare_s = max(outside_spare_s, default=0.0)
    beyond = sum(1 for t in outside_spare_s if t > resolution_s)
    # our one-service time as fixed + per grid cell, least squares over the cell sizes
    per_cell_s, fixed_s = np.polyfit([c for _, c, _, _ in breakdown], [one for _, _, one, _ in breakdown], 1)

    ratio_one = got["one_band_s"] / ours_one_s
    ratio_bands = got["bands_s"] / ours_bands_s
    lines = [
        f"Travel areas vs QGIS {got['qgis']} native:serviceareafromlayer in process (PyQGIS): {source.name}, "
        f"{MODE} graph {n:,} nodes, {len(links):,} two-way links; {N_SERVICES} services; best of {REPEATS}",
        f"machine: {os.cpu_count()} cores, {platform.processor() or platform.machine()}; "
        f"capacitymetro {cm.__version__} (its default 50 m cells), load average {load_before:.2f} before, "
        f"{os.getloadavg()[0]:.2f} after",
        "",
        "| task | capacitymetro s | QGIS s | QGIS / capacitymetro |",
        "|---|---|---|---|",
        f"| {N_SERVICES} services x 1 band ({BAND_MIN:g} min) | {ours_one_s:.4f} | {got['one_band_s']:.4f} (1 run) | "
        f"{ratio_one:.1f}x |",
        f"| {N_SERVICES} services x {len(BANDS_MIN)} bands ({', '.join(f'{b:g}' for b in BANDS_MIN)} min) | "
        f"{ours_bands_s:.4f} | {got['bands_s']:.4f} ({len(BANDS_MIN)} runs) | {ratio_bands:.1f}x |",
        "",
        f"Not timed: QGIS set-up (QgsApplication, processing) {got['setup_s']:.2f} s, memory layers "
        f"{got['layers_s']:.2f} s; the PyQGIS worker's whole run {qgis_wall_s:.1f} s.",
        "",
        f"Reach, {BAND_MIN:g}-minute band, {N_SERVICES} services together: QGIS reached {qgis_vertices:,} network "
        f"vertices (and {interpolated:,} points inside links where the band ends).",
        f"- same graph: {missed_by_us} of them are beyond {BAND_MIN:g} min by our exact node times, and "
        f"{extra_in_ours} nodes within it by ours are not among them"
        + (f" (all within {worst_gap_s:.2f} s of the band's end)" if missed_by_us + extra_in_ours else "") + ";",
        f"- inside our area: {inside:,} of {qgis_vertices:,} ({inside / max(qgis_vertices, 1):.2%}); the "
        f"{qgis_vertices - inside:,} outside are all reached in the band's last {spare_s:.0f} s, {beyond} of them "
        f"earlier than the surface's stated resolution with {CELL_M:g} m cells, {resolution_s:.0f} s, before its end.",
        "",
        "Where our time goes: the call with 1 service and with 10, per cell size (the grid over the whole network "
        f"is snapped once per call; search and contouring are per service). Reading and validating the "
        f"{N_SERVICES} services alone: {read_s * 1000:.1f} ms.",
        "",
        "| cell m | grid cells | 1 service s | 10 services s | per further service ms | 1 service, us per cell |",
        "|---|---|---|---|---|---|",
        *(f"| {cell:g} | {cells:,} | {one:.4f} | {ten:.4f} | {(ten - one) / (N_SERVICES - 1) * 1000:.1f} | "
          f"{one / cells * 1e6:.2f} |" for cell, cells, one, ten in breakdown),
        "",
        f"Fitted over the cell sizes, one service: {fixed_s * 1000:.0f} ms fixed + {per_cell_s * 1e6:.2f} us per grid "
        f"cell. The {N_SERVICES} searches alone ({BAND_MIN:g} min, Network.node_times): {search_s * 1000:.1f} ms.",
    ]
    print("\n".join(lines))


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--qgis-worker":
        qgis_worker(Path(sys.argv[2]))
    else:
        main()
