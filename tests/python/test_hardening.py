"""Hardening regressions: damaged inputs get one clean CapaCityMetro error, never a panic, an abort or a
traceback.

Each test damages a valid file in one precise way and checks the exact error class and what the message
must say. The saved-network tests edit a ``.cmnet`` through its documented layout (src/network/file.rs):
an 8-byte signature whose last two bytes are the format version, then two sections of (u64 LE length,
u32 LE CRC-32, bincode payload), the source record and then the network (bincode 1.x, fixint, little
endian). The helpers check that layout on the saved file before editing it, so a format change fails
loudly here instead of making the tests pass for the wrong reason.
"""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import sqlite3
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import capacitymetro as cm
import numpy as np
import pytest

from conftest import write_geojson

SIGNATURE = b"CMNET\x00\x00\x02"
SECTION = struct.Struct("<QI")
CLI = str(Path(sys.executable).with_name("capacitymetro"))
CATALOGUE_GPKG = Path(__file__).resolve().parents[2] / "fuzz" / "corpus" / "catalogue_gpkg" / "services_32633.gpkg"


# --------------------------------------------------------------------------- a saved network and its layout


@dataclasses.dataclass
class Saved:
    """A small network saved from a line layer: the file, its source and the network as built."""

    path: Path
    source: Path
    network: cm.Network


@pytest.fixture
def saved(tmp_path: Path) -> Saved:
    """Two joined streets (three nodes), built in EPSG:32633 and saved with their source recorded."""
    rows = [
        {"name": "a", "maxspeed": 50, "geometry": {"type": "LineString", "coordinates": [[12.24, 45.49], [12.25, 45.49]]}},
        {"name": "b", "maxspeed": 30, "geometry": {"type": "LineString", "coordinates": [[12.25, 45.49], [12.25, 45.50]]}},
    ]
    source = write_geojson(tmp_path / "roads.geojson", rows)
    network = cm.Network.build(source, speed_field="maxspeed", working_epsg=32633)
    path = tmp_path / "roads.cmnet"
    network.save(path)
    return Saved(path, source, network)


def sections(data: bytes) -> list[tuple[int, int]]:
    """(start, end) of the two section payloads, after checking the signature, lengths and CRCs."""
    assert data[: len(SIGNATURE)] == SIGNATURE, "not a current-version .cmnet: the tests below need updating"
    spans, at = [], len(SIGNATURE)
    for _ in range(2):
        length, crc = SECTION.unpack_from(data, at)
        start = at + SECTION.size
        assert zlib.crc32(data[start : start + length]) == crc
        spans.append((start, start + length))
        at = start + length
    assert at == len(data)
    return spans


def network_payload(data: bytes) -> bytes:
    start, end = sections(data)[1]
    return data[start:end]


def with_network_payload(data: bytes, payload: bytes) -> bytes:
    """The file with a new network section: its length and CRC written to fit, so the loader gets past
    the checksum and the edit reaches deserialisation and the graph checks."""
    start, _ = sections(data)[1]
    header = start - SECTION.size
    return data[:header] + SECTION.pack(len(payload), zlib.crc32(payload)) + payload


@dataclasses.dataclass
class WalkGraph:
    """Offsets, inside the network payload, of the walk graph's first arrays (bincode: u64 length, then
    the items): ``xy`` (n x 2 f64), ``offsets`` (n + 1 u32), ``targets`` (m u32)."""

    xy: int
    offsets: int
    targets: int
    nodes: int
    edges: int


def walk_graph(payload: bytes, network: cm.Network) -> WalkGraph:
    """Finds the walk graph by its known content (the node coordinates, the first graph saved) and
    checks that the offsets and targets follow as the layout says."""
    xy = network.nodes_xy("walk")
    targets = network.edges("walk")["target"]
    n, m = len(xy), len(targets)
    at = payload.find(struct.pack("<Q", n) + np.ascontiguousarray(xy, "<f8").tobytes())
    assert at > 0, "walk node coordinates not found in the network section"
    offsets = at + 8 + 16 * n
    assert struct.unpack_from("<Q", payload, offsets)[0] == n + 1
    after = offsets + 8 + 4 * (n + 1)
    assert struct.unpack_from(f"<Q{m}I", payload, after) == (m, *targets.tolist())
    return WalkGraph(at, offsets, after, n, m)


def edit(payload: bytes, at: int, fmt: str, value: object) -> bytes:
    out = bytearray(payload)
    struct.pack_into(fmt, out, at, value)
    return bytes(out)


def damaged_by_one_byte(data: bytes) -> bytes:
    """One byte flipped in the middle of the network section, its CRC left as saved."""
    start, end = sections(data)[1]
    i = (start + end) // 2
    return data[:i] + bytes([data[i] ^ 0xFF]) + data[i + 1 :]


# --------------------------------------------------------------------------- a. checksum


def test_flipped_byte_without_source_is_a_clean_checksum_error(saved: Saved) -> None:
    """A damaged network section whose source is gone cannot be rebuilt: the loader must stop at the
    CRC with an InputError that names the file, the reason and where to build it from again. (The
    Python API has no load-only call; Network.open without the source is the load that never rebuilds.)"""
    saved.path.write_bytes(damaged_by_one_byte(saved.path.read_bytes()))
    saved.source.unlink()
    with pytest.raises(cm.InputError) as raised:
        cm.Network.open(saved.path)
    message = str(raised.value)
    assert message.startswith(f"{saved.path}: this network file cannot be used: ")
    assert re.search(r"its graph section does not match its checksum", message)
    assert f"build it again from {saved.source}" in message  # the source record itself was readable


def test_flipped_byte_with_source_is_rebuilt_to_the_same_network(saved: Saved) -> None:
    """With its source present, open_network rebuilds a damaged file the same way, says so through
    on_rebuilt and saves over it: the new file then loads without a rebuild and routes as the original."""
    saved.path.write_bytes(damaged_by_one_byte(saved.path.read_bytes()))
    rebuilt_paths: list[object] = []
    network = cm.open_network(saved.path, on_rebuilt=rebuilt_paths.append)
    assert rebuilt_paths == [saved.path]
    sections(saved.path.read_bytes())  # saved over: CRCs right again
    again, rebuilt = cm.Network.open(saved.path)
    assert not rebuilt
    original = saved.network
    for loaded in (network, again):
        assert loaded.info()["modes"] == original.info()["modes"]
        for mode in ("walk", "car"):
            np.testing.assert_array_equal(loaded.nodes_xy(mode), original.nodes_xy(mode))
            np.testing.assert_array_equal(loaded.node_times(mode, [0])[0], original.node_times(mode, [0])[0])


# --------------------------------------------------------------------------- b. valid checksum, bad graph


def open_without_source(saved: Saved, payload: bytes) -> str:
    """Writes the edited payload with a right CRC, removes the source (else the loader rebuilds) and
    returns the message of the InputError that Network.open must raise."""
    saved.path.write_bytes(with_network_payload(saved.path.read_bytes(), payload))
    saved.source.unlink()
    with pytest.raises(cm.InputError) as raised:
        cm.Network.open(saved.path)
    message = str(raised.value)
    assert message.startswith(f"{saved.path}: this network file cannot be used: ")
    return message


def test_edge_target_out_of_range_is_inconsistent(saved: Saved) -> None:
    """An edge leading to node n (one past the last) would index out of bounds in every search; the
    graph check must refuse it before any search runs."""
    payload = network_payload(saved.path.read_bytes())
    walk = walk_graph(payload, saved.network)
    message = open_without_source(saved, edit(payload, walk.targets + 8, "<I", walk.nodes))
    assert "its walk graph is inconsistent (an edge leads to no node)" in message


def test_nan_node_coordinate_is_refused(saved: Saved) -> None:
    """A NaN coordinate would poison snapping and travel areas silently; the graph check refuses it."""
    payload = network_payload(saved.path.read_bytes())
    walk = walk_graph(payload, saved.network)
    message = open_without_source(saved, edit(payload, walk.xy + 8, "<d", float("nan")))
    assert "its walk graph is inconsistent (a node has no finite coordinates)" in message


HUGE_LENGTH_CHILD = """
import resource, sys
resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))  # an attempt at a huge allocation fails at once
import capacitymetro as cm
try:
    cm.Network.open(sys.argv[1])
except cm.CapacityMetroError as error:
    print(type(error).__name__)
    print(error)
"""


@pytest.mark.parametrize("length", [2**62, 2**64 - 1])
@pytest.mark.parametrize("vector", ["xy", "offsets", "targets"])
def test_huge_vector_length_is_refused_without_abort(saved: Saved, vector: str, length: int) -> None:
    """A vector length of 2**62 (or u64 max) behind a right CRC must end in "cannot be read", not in an
    allocation abort: run in a child process with a 2 GB address-space limit, which must exit 0 having
    printed the InputError."""
    data = saved.path.read_bytes()
    payload = network_payload(data)
    at = getattr(walk_graph(payload, saved.network), vector)
    saved.path.write_bytes(with_network_payload(data, edit(payload, at, "<Q", length)))
    saved.source.unlink()
    child = subprocess.run(
        [sys.executable, "-c", HUGE_LENGTH_CHILD, str(saved.path)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "MALLOC_ARENA_MAX": "2"},
    )
    assert child.returncode == 0, child.stderr
    kind, message = child.stdout.split("\n", 1)
    assert kind == "InputError"
    assert message.startswith(f"{saved.path}: this network file cannot be used: its graph section cannot be read")


# --------------------------------------------------------------------------- c. another version


def test_old_version_is_refused_and_kept(saved: Saved) -> None:
    """A file of format version 1 cannot be read, not even its source record, so it is not rebuilt even
    with the source present: an InputError names the file and says another version saved it, and the
    file is left as it was."""
    old = SIGNATURE[:6] + b"\x00\x01" + saved.path.read_bytes()[len(SIGNATURE) :]
    saved.path.write_bytes(old)
    with pytest.raises(cm.InputError) as raised:
        cm.open_network(saved.path, on_rebuilt=pytest.fail)
    message = str(raised.value)
    assert message.startswith(f"{saved.path}: this network file cannot be used: ")
    assert "it was saved by another version of CapaCityMetro" in message
    assert saved.path.read_bytes() == old


# --------------------------------------------------------------------------- d. GeoPackage SRS -1


def test_geopackage_with_undefined_srs_is_a_crs_error(tmp_path: Path) -> None:
    """srs_id -1 is the GeoPackage's "undefined Cartesian SRS": PROJ cannot transform from it, which
    must be a CrsError saying so, not a Rust panic (PanicException) or an InternalError. The untouched
    copy validates, so the error comes from the SRS alone."""
    path = tmp_path / "services.gpkg"
    shutil.copy(CATALOGUE_GPKG, path)
    services, epsg = cm.validate_catalogue(path)
    assert services and epsg == 32633
    with sqlite3.connect(path) as db:
        db.execute("UPDATE gpkg_geometry_columns SET srs_id = -1")
    db.close()
    with pytest.raises(cm.CapacityMetroError) as raised:
        cm.validate_catalogue(path)
    assert type(raised.value) is cm.CrsError
    assert "PROJ does not know this coordinate system" in str(raised.value)


# --------------------------------------------------------------------------- e. the command line


def damage_cut_short(data: bytes) -> bytes:
    return data[:-10]


def damage_old_version(data: bytes) -> bytes:
    return SIGNATURE[:6] + b"\x00\x01" + data[len(SIGNATURE) :]


@pytest.mark.parametrize(
    ("damage", "reason"),
    [
        (damaged_by_one_byte, r"its graph section does not match its checksum"),
        (damage_cut_short, r"its graph section is cut short"),
        (damage_old_version, r"it was saved by another version of CapaCityMetro"),
    ],
)
def test_cli_network_info_on_a_damaged_file(saved: Saved, damage, reason: str) -> None:
    """`capacitymetro network info` on a damaged file (source gone, so nothing to rebuild from) exits 2
    with exactly one line on stderr, the command, the file and the reason, and no traceback."""
    saved.path.write_bytes(damage(saved.path.read_bytes()))
    saved.source.unlink()
    result = subprocess.run([CLI, "network", "info", str(saved.path)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert re.match(re.escape(f"capacitymetro network: {saved.path}: this network file cannot be used: ") + reason, lines[0])
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
