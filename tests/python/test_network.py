"""Networks on real OpenStreetMap data against scipy's shortest paths."""

import shutil

import capacitymetro as cm
import numpy as np
import pytest
import scipy.sparse as sp
import shapely
from scipy.sparse.csgraph import dijkstra
from shapely.geometry import MultiPolygon, Polygon

from conftest import write_geojson

MODES = ("walk", "bike", "car")


@pytest.fixture(scope="module")
def helsinki(helsinki_pbf):
    return cm.Network.build(helsinki_pbf)


def matrix(network, mode):
    """The exported edge list as a sparse matrix, keeping the quickest of parallel edges."""
    e = network.edges(mode)
    n = len(network.nodes_xy(mode))
    order = np.lexsort((e["time_s"], e["target"], e["source"]))
    s, t, w = e["source"][order], e["target"][order], e["time_s"][order]
    first = np.ones(len(s), bool)
    first[1:] = (s[1:] != s[:-1]) | (t[1:] != t[:-1])
    assert np.all(w > 0), "zero-time edges would vanish in a sparse matrix"
    return sp.csr_matrix((w[first], (s[first], t[first])), shape=(n, n))


@pytest.mark.parametrize("mode", MODES)
def test_node_times_equal_scipy(helsinki, mode):
    graph = matrix(helsinki, mode)
    rng = np.random.default_rng(7)
    for source in rng.choice(graph.shape[0], 5, replace=False):
        ours, _ = helsinki.node_times(mode, [int(source)])
        np.testing.assert_allclose(ours, dijkstra(graph, indices=source), rtol=0, atol=1e-6)


def test_nearest_of_many_sources_equals_scipy(helsinki):
    graph = matrix(helsinki, "walk")
    sources = np.random.default_rng(3).choice(graph.shape[0], 100, replace=False)
    times, nearest = helsinki.node_times("walk", sources.tolist(), reverse=True)
    expected, _, origin = dijkstra(graph.T.tocsr(), indices=sources, min_only=True, return_predecessors=True)
    np.testing.assert_allclose(times, expected, atol=1e-6)
    # the source named is one at that time (ties may name another)
    reached = np.isfinite(times)
    check = dijkstra(graph.T.tocsr(), indices=sources[nearest[reached][:50]])
    rows = np.arange(min(50, reached.sum()))
    np.testing.assert_allclose(check[rows, np.flatnonzero(reached)[:50]], times[reached][:50], atol=1e-6)


def test_cutoff_bounds_the_search(helsinki):
    full, _ = helsinki.node_times("walk", [0])
    bounded, _ = helsinki.node_times("walk", [0], cutoff_s=300.0)
    inside = full <= 300.0
    np.testing.assert_allclose(bounded[inside], full[inside])
    assert np.all(np.isinf(bounded[~inside]))


def test_walk_is_two_way_and_car_respects_one_way(helsinki):
    for mode, expect_one_way in (("walk", False), ("car", True)):
        e = helsinki.edges(mode)
        pairs = set(zip(e["source"].tolist(), e["target"].tolist()))
        one_way = [(a, b) for a, b in pairs if (b, a) not in pairs]
        assert bool(one_way) == expect_one_way, mode
    # on a one-way car edge, going back costs more than the edge itself
    e = helsinki.edges("car")
    a, b = one_way[0]
    edge_time = e["time_s"][(e["source"] == a) & (e["target"] == b)].min()
    forward, _ = helsinki.node_times("car", [a])
    backward, _ = helsinki.node_times("car", [b])
    assert forward[b] == pytest.approx(edge_time)
    assert backward[a] > edge_time


def test_islands_are_dropped_and_reported(helsinki):
    info = helsinki.info()
    assert info["epsg"] == 32635  # Helsinki lies in UTM zone 35N
    for mode in MODES:
        m = info["modes"][mode]
        assert m["islands_dropped"] > 0 and m["island_length_m_dropped"] > 0
        graph = matrix(helsinki, mode)
        times = dijkstra(graph, indices=0)
        back = dijkstra(graph.T.tocsr(), indices=0)
        assert np.all(np.isfinite(times)) and np.all(np.isfinite(back)), "not strongly connected"


def point_segment_distance(points, a, b):
    ab = b - a
    t = np.clip(((points[:, None, :] - a) * ab).sum(-1) / np.maximum((ab * ab).sum(-1), 1e-12), 0, 1)
    nearest = a + t[..., None] * ab
    return np.hypot(*(points[:, None, :] - nearest).transpose(2, 0, 1)).min(axis=1)


def test_snapping_distance_equals_brute_force(helsinki):
    xy = helsinki.nodes_xy("walk")
    e = helsinki.edges("walk")
    rng = np.random.default_rng(11)
    lo, hi = xy.min(axis=0), xy.max(axis=0)
    points = rng.uniform(lo - 300, hi + 300, (300, 2))
    snapped = helsinki.snap("walk", points, max_snap_m=150.0)
    brute = point_segment_distance(points, xy[e["source"]], xy[e["target"]])
    near = brute <= 150.0
    np.testing.assert_allclose(snapped["distance_m"][near], brute[near], atol=1e-6)
    assert np.all(snapped["link"][~near] == -1) and np.all(snapped["link"][near] >= 0)
    assert near.sum() > 50 and (~near).sum() > 20


def services_at_nodes(tmp_path, network, mode, nodes, name="desks.geojson"):
    import pyproj

    xy = network.nodes_xy(mode)[nodes]
    lon, lat = pyproj.Transformer.from_crs(network.epsg, 4326, always_xy=True).transform(xy[:, 0], xy[:, 1])
    rows = [{"id": f"S{i}", "name": f"Desk {i}", "categories": "legal", "lon": x, "lat": y}
            for i, (x, y) in enumerate(zip(lon, lat))]
    return write_geojson(tmp_path / name, rows)


def test_coverage_on_the_network_equals_scipy(tmp_path, helsinki):
    graph = matrix(helsinki, "walk")
    rng = np.random.default_rng(5)
    nodes = rng.choice(graph.shape[0], 12, replace=False)
    services = services_at_nodes(tmp_path, helsinki, "walk", nodes[:4])
    demand_path = tmp_path / "demand.geojson"
    import pyproj

    xy = helsinki.nodes_xy("walk")[nodes[4:]]
    lon, lat = pyproj.Transformer.from_crs(helsinki.epsg, 4326, always_xy=True).transform(xy[:, 0], xy[:, 1])
    write_geojson(demand_path, [{"code": f"D{i}", "pop": 10, "lon": a, "lat": b} for i, (a, b) in enumerate(zip(lon, lat))])
    result = cm.coverage(services, demand_path, "pop", id_field="code", network=helsinki, mode="walk",
                         categories=["legal"], count_within_minutes=10)
    expected = dijkstra(graph, indices=nodes[4:])[:, nodes[:4]]
    np.testing.assert_allclose(result["coverage"]["legal"]["nearest_time_s"], expected.min(axis=1), atol=1e-3)
    np.testing.assert_array_equal(result["coverage"]["legal"]["count_within"], (expected <= 600 + 1e-6).sum(axis=1))
    assert result["cost_model"] == "network" and result["working_epsg"] == helsinki.epsg


def test_services_far_from_the_network_are_reported(tmp_path, helsinki):
    row = {"id": "FAR", "name": "Far desk", "categories": "legal", "lon": 25.5, "lat": 60.5}
    path = write_geojson(tmp_path / "far.geojson", [row])
    result = cm.travel_areas(path, helsinki, mode="walk", time_bands_minutes=[5])
    assert result["unreachable_services"] == ["FAR"] and result["areas"] == []


def surface_oracle(points, network, mode, times_to_service, walk_m_s=1.25):
    """The documented surface, computed independently: a place joins the nearest
    edge at its nearest point, walks there, then goes on to either end."""
    xy, e = network.nodes_xy(mode), network.edges(mode)
    a, b = xy[e["source"]], xy[e["target"]]
    ab = b - a
    out = np.empty(len(points))
    for k, p in enumerate(points):
        f = np.clip(((p - a) * ab).sum(1) / (ab * ab).sum(1), 0, 1)
        d = np.hypot(*(p - (a + f[:, None] * ab)).T)
        nearest = d <= d.min() + 1e-9  # ties: the quicker
        forward = (1 - f) * e["time_s"] + times_to_service[e["target"]]
        out[k] = (np.where(nearest, forward, np.inf).min()) + d.min() / walk_m_s
    return out


def test_travel_areas_follow_the_time_surface_and_hold_their_nodes(tmp_path, helsinki):
    """Checked three ways: the surface against an independent computation, the
    polygons against the surface, and the nodes against scipy's times."""
    graph = matrix(helsinki, "walk")
    nodes = np.random.default_rng(9).choice(graph.shape[0], 3, replace=False)
    services = services_at_nodes(tmp_path, helsinki, "walk", nodes)
    cell_m, walk = 50.0, 1.25
    bands = [5.0, 10.0, 15.0]
    result = cm.travel_areas(services, helsinki, mode="walk", time_bands_minutes=bands, cell_m=cell_m, keep_surfaces=True,
                             output=tmp_path / "areas.gpkg")
    xy = helsinki.nodes_xy("walk")
    to_service = dijkstra(graph.T.tocsr(), indices=nodes)  # time from every node to each service
    tolerance = 2 * 2**0.5 * cell_m / walk  # the documented resolution
    previous = {}
    checked_nodes = reached_nodes = agreeing_nodes = 0
    for area in result["areas"]:
        s = int(area["service"][1:])
        band_s = area["minutes"] * 60
        polygon = MultiPolygon([Polygon(exterior, holes) for exterior, holes in area["polygons"]])
        assert polygon.is_valid
        surface = result["surfaces"][area["service"]]
        h, w = surface["times_s"].shape
        jj, ii = np.mgrid[0:h, 0:w]
        centres = np.column_stack([surface["x0"] + ii.ravel() * cell_m, surface["y0"] + jj.ravel() * cell_m])
        times = surface["times_s"].ravel()
        # 1. the surface equals the independent computation (on a sample of cells)
        reached = np.flatnonzero(np.isfinite(times))
        sample = np.random.default_rng(s).choice(reached, min(150, len(reached)), replace=False)
        expected = surface_oracle(centres[sample], helsinki, "walk", to_service[s])
        np.testing.assert_allclose(times[sample], expected, atol=1e-6)
        # 2. marching squares keeps every cell centre on its side of the band
        clear = np.abs(times - band_s) > 1e-6
        inside = shapely.contains(polygon, shapely.points(centres))
        np.testing.assert_array_equal(inside[clear], (times <= band_s)[clear])
        # 3. nodes: where the four surrounding cell centres agree with the node's
        #    own time (no disconnected path within a cell), the node is inside
        #    band T when its time is at most T - tolerance and outside beyond T + tolerance
        i = np.floor((xy[:, 0] - surface["x0"]) / cell_m).astype(int)
        j = np.floor((xy[:, 1] - surface["y0"]) / cell_m).astype(int)
        in_window = (i >= 0) & (j >= 0) & (i < w - 1) & (j < h - 1)
        t = to_service[s]
        corners = np.full((len(xy), 4), np.inf)
        ok = np.flatnonzero(in_window)
        for c, (dj, di) in enumerate([(0, 0), (0, 1), (1, 0), (1, 1)]):
            corners[ok, c] = surface["times_s"][j[ok] + dj, i[ok] + di]
        agree = in_window & np.all(np.abs(corners - t[:, None]) <= tolerance, axis=1)
        node_inside = shapely.contains(polygon, shapely.points(xy))
        sure_in = agree & (t <= band_s - tolerance)
        sure_out = agree & np.isfinite(t) & (t > band_s + tolerance)
        assert node_inside[sure_in].all() and not node_inside[sure_out].any()
        checked_nodes += sure_in.sum()
        reached_nodes += (t <= band_s).sum()
        agreeing_nodes += (agree & (t <= band_s)).sum()
        if s in previous:  # bands are cumulative and grow
            assert polygon.area > previous[s].area
            assert polygon.buffer(1e-6).contains(previous[s])
        previous[s] = polygon
    assert len(result["areas"]) == 3 * len(bands) and checked_nodes > 100
    print(f"{agreeing_nodes} of {reached_nodes} reached nodes unambiguous")
    assert agreeing_nodes > 0.6 * reached_nodes, "most reached nodes are unambiguous"
    assert (tmp_path / "areas.gpkg").exists()


def test_dissolved_areas_cover_each_service_area(tmp_path, helsinki):
    nodes = np.random.default_rng(2).choice(len(helsinki.nodes_xy("walk")), 3, replace=False)
    services = services_at_nodes(tmp_path, helsinki, "walk", nodes)
    single = cm.travel_areas(services, helsinki, time_bands_minutes=[10])
    merged = cm.travel_areas(services, helsinki, time_bands_minutes=[10], dissolve=True)
    from shapely.ops import unary_union

    def shapes(a):
        return MultiPolygon([Polygon(e, h) for e, h in a["polygons"]])
    assert [a["category"] for a in merged["areas"]] == ["legal"]
    union = unary_union([shapes(a) for a in single["areas"]])
    assert shapes(merged["areas"][0]).symmetric_difference(union).area < 1e-3 * union.area


def test_saved_network_loads_and_is_rebuilt_when_its_source_changes(tmp_path, helsinki_pbf):
    source = minimal_pbf(tmp_path / "city.osm.pbf", with_way=True)
    saved = tmp_path / "city.cmnet"
    small = cm.Network.build(source)
    assert small.info()["modes"]["walk"]["nodes"] == 2
    small.save(saved)
    loaded, rebuilt = cm.Network.open(saved)
    assert not rebuilt and loaded.info() == small.info()
    np.testing.assert_array_equal(loaded.edges("walk")["time_s"], small.edges("walk")["time_s"])
    shutil.copy(helsinki_pbf, source)  # the source changes
    rebuilt_network, rebuilt = cm.Network.open(saved)
    assert rebuilt and rebuilt_network.info()["modes"]["walk"]["nodes"] > 6000
    again, rebuilt = cm.Network.open(saved)  # saved over: up to date now
    assert not rebuilt and again.info() == rebuilt_network.info()
    with open(source, "r+b") as f:  # a damaged source is reported, the saved file kept
        f.truncate(source.stat().st_size - 1)
    with pytest.raises(cm.InputError, match="not a readable OSM PBF file"):
        cm.Network.open(saved)
    source.unlink()  # without its source a saved network is used as it is
    kept, rebuilt = cm.Network.open(saved)
    assert not rebuilt and kept.info() == rebuilt_network.info()


def minimal_pbf(path, with_way=False):
    """An OSM PBF encoded by hand (protobuf): two nodes 111 m apart and, with
    ``with_way``, a residential street between them."""
    import struct
    import zlib

    def varint(n):
        out = b""
        while True:
            byte, n = n & 0x7F, n >> 7
            out += bytes([byte | (0x80 if n else 0)])
            if not n:
                return out

    def field(number, payload):  # length-delimited
        return varint(number << 3 | 2) + varint(len(payload)) + payload

    def number(field_number, value):
        return varint(field_number << 3) + varint(value)

    def zigzag(v):
        return (v << 1) ^ (v >> 63)

    def packed(number_, values):
        return field(number_, b"".join(varint(v) for v in values))

    def blob(kind, message):
        body = number(2, len(message)) + field(3, zlib.compress(message))
        header = field(1, kind.encode()) + number(3, len(body))
        return struct.pack(">I", len(header)) + header + body

    header_block = field(4, b"OsmSchema-V0.6") + field(4, b"DenseNodes")
    # ids 1, 2; lat 45.4, 45.401; lon 12.2 (units of 100 nanodegrees, delta coded)
    dense = (packed(1, [zigzag(1), zigzag(1)]) + packed(8, [zigzag(454_000_000), zigzag(10_000)])
             + packed(9, [zigzag(122_000_000), zigzag(0)]))
    groups = field(2, field(2, dense))
    if with_way:
        way = number(1, 1) + packed(2, [1]) + packed(3, [2]) + packed(8, [zigzag(1), zigzag(1)])
        groups += field(2, field(3, way))
    strings = field(1, field(1, b"") + field(1, b"highway") + field(1, b"residential"))
    path.write_bytes(blob("OSMHeader", header_block) + blob("OSMData", strings + groups))
    return path


def test_pbf_without_highways_is_refused(tmp_path):
    path = minimal_pbf(tmp_path / "empty.osm.pbf")
    with pytest.raises(cm.InputError, match="no highway or ferry ways: not a road network"):
        cm.Network.build(path)


def test_corrupt_pbf_is_refused(tmp_path):
    path = tmp_path / "broken.osm.pbf"
    path.write_bytes(b"\x00\x00\x00\x0ethis is not a pbf file at all")
    with pytest.raises(cm.InputError, match="broken.osm.pbf: not a readable OSM PBF file"):
        cm.Network.build(path)


def line_rows():
    return [{"name": "a", "maxspeed": 50, "geometry": {"type": "LineString", "coordinates": [[12.24, 45.49], [12.25, 45.49]]}},
            {"name": "b", "maxspeed": 30, "geometry": {"type": "LineString", "coordinates": [[12.25, 45.49], [12.25, 45.50]]}}]


def test_line_layer_without_the_named_speed_field(tmp_path):
    path = write_geojson(tmp_path / "roads.geojson", line_rows())
    with pytest.raises(cm.InputError, match=r"layer 'roads', field 'speed': no such field \(fields: name, maxspeed\)"):
        cm.Network.build(path, speed_field="speed")


def test_point_layer_is_not_a_network(tmp_path):
    path = write_geojson(tmp_path / "desks.geojson", [{"id": "x", "lon": 12.2, "lat": 45.4}])
    with pytest.raises(cm.InputError, match="layer 'desks', feature 'fid 0', field 'geometry': the layer holds points"):
        cm.Network.build(path)


def test_line_layer_network_times(tmp_path):
    """Two joined lines driven at their own speeds, walked at 1.25 m/s."""
    import pyproj

    path = write_geojson(tmp_path / "roads.geojson", line_rows())
    network = cm.Network.build(path, speed_field="maxspeed", working_epsg=32633)
    geod = pyproj.Geod(ellps="WGS84")
    length = [geod.line_length([12.24, 12.25], [45.49, 45.49]), geod.line_length([12.25, 12.25], [45.49, 45.50])]
    xy = network.nodes_xy("car")
    start = int(np.argmin(np.hypot(*(xy - xy.min(axis=0)).T)))  # the western end
    car, _ = network.node_times("car", [start])
    walk, _ = network.node_times("walk", [start])
    # UTM lengths differ from geodesic ones by the scale factor (< 0.1 % here)
    assert car.max() == pytest.approx(length[0] / (50 / 3.6) + length[1] / (30 / 3.6), rel=2e-3)
    assert walk.max() == pytest.approx(sum(length) / 1.25, rel=2e-3)


def test_liechtenstein_network(liechtenstein_pbf):
    network = cm.Network.build(liechtenstein_pbf)
    info = network.info()
    assert info["epsg"] == 32632 and info["modes"]["walk"]["nodes"] > 20_000
    graph = matrix(network, "car")
    for source in (0, graph.shape[0] // 2):
        ours, _ = network.node_times("car", [source])
        np.testing.assert_allclose(ours, dijkstra(graph, indices=source), atol=1e-6)


def test_a_cancel_stops_network_coverage_at_the_next_report(tmp_path, helsinki):
    import pyproj

    xy = helsinki.nodes_xy("walk")[::5]  # about 1,300 demand points: several reports
    lon, lat = pyproj.Transformer.from_crs(helsinki.epsg, 4326, always_xy=True).transform(xy[:, 0], xy[:, 1])
    demand = write_geojson(tmp_path / "demand.geojson",
                           [{"code": f"D{i}", "pop": 1, "lon": a, "lat": b} for i, (a, b) in enumerate(zip(lon, lat))])
    services = services_at_nodes(tmp_path, helsinki, "walk", [0, 100, 200])
    reports = []

    def cancel(done, total):
        reports.append((done, total))
        return False

    with pytest.raises(cm.CancelledError):
        cm.coverage(services, demand, "pop", network=helsinki, categories=["legal"], progress=cancel)
    assert len(reports) == 1 and reports[0][0] < reports[0][1]
