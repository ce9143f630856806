"""Bounded mutation fuzzer for the CapaCityMetro input readers (``make fuzz``).

Targets: the OSM PBF reader (``pbf``), the saved-network loader (``cmnet``), the catalogue validator on
CSV and GeoPackage input (``catalogue_csv``, ``catalogue_gpkg``) and the GTFS reader (``gtfs``). Each
iteration mutates a seed from ``fuzz/corpus/<target>/`` with a seeded ``random.Random`` (the same
inputs on every run) and runs it in a persistent worker process, restarted when it dies, so aborts and
segfaults are caught. Outcomes: ok, clean error (a ``CapacityMetroError`` other than ``InternalError``),
crash (the worker died, or any other exception: a bug) and hang (no answer within ``--timeout``).
Crashing and hanging inputs are written to ``fuzz/crashes/<target>/<sha1><suffix>`` beside a ``.txt``
with the message; ``--replay FILE`` runs one of them again in a fresh worker.

Exit status: 0 when every case was ok or a clean error, 1 when any crashed or hung, 2 when the fuzzer
itself could not run (e.g. the package does not import).
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import hashlib
import io
import json
import math
import os
import random
import re
import selectors
import shutil
import signal
import sqlite3
import struct
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import warnings
import zipfile
import zlib
from pathlib import Path
from typing import Any, Callable, Optional, Union

HERE = Path(__file__).resolve().parent
CORPUS = HERE / "corpus"
CRASHES = HERE / "crashes"

# Where the GTFS seeds' stops are (EPSG:32633 metres, offsets from a base point near Venice) and the
# service date their trips run on; make_corpus.py writes the feeds from the same numbers.
GTFS_BASE_UTM33 = (290000.0, 5035000.0)
GTFS_STOPS = {"A": (0.0, 0.0), "B": (2000.0, 0.0), "C": (4000.0, 500.0)}
GTFS_DATE = "2026-04-15"

# Mutated inputs are capped so chunk duplication cannot snowball into slow, uninteresting cases.
MAX_INPUT_BYTES = 1 << 20


@dataclasses.dataclass(frozen=True)
class Target:
    """A fuzz target: its corpus folder name, the file name ending the core dispatches on, and the
    family of structure-aware mutations that fits its format."""

    name: str
    suffix: str
    kind: str
    description: str


TARGETS = {
    t.name: t
    for t in [
        Target("pbf", ".osm.pbf", "pbf", "Network.build on an OSM PBF file, then routing on it"),
        Target("cmnet", ".cmnet", "cmnet", "open_network on a saved .cmnet, then info, edges, routing, snapping"),
        Target("catalogue_csv", ".csv", "csv", "validate_catalogue on a CSV catalogue"),
        Target("catalogue_gpkg", ".gpkg", "gpkg", "validate_catalogue on a GeoPackage catalogue"),
        Target("gtfs", ".zip", "zip", "transit_times on a GTFS zip (reader, timetable, RAPTOR)"),
    ]
}


# =========================================================================== worker (child process)


def exercise_network(network: Any) -> None:
    """Uses every part of a loaded network, so a damaged graph shows when it is routed on, not only read."""
    network.info()
    for mode in ("walk", "bike", "car"):
        xy = network.nodes_xy(mode)
        network.edges(mode)
        if len(xy):
            network.node_times(mode, [0], cutoff_s=3600.0)
            network.node_times(mode, [len(xy) - 1], reverse=True)
            network.snap(mode, xy[:2] + 5.0)


def run_case(target: str, path: str) -> None:
    """Runs one input through the target's public entry point; raises what the package raises."""
    import capacitymetro as cm
    import numpy as np
    from capacitymetro import _core

    if target == "pbf":
        exercise_network(cm.Network.build(path))
    elif target == "cmnet":
        exercise_network(cm.open_network(path))
    elif target in ("catalogue_csv", "catalogue_gpkg"):
        cm.validate_catalogue(path)
    elif target == "gtfs":
        base = np.array(GTFS_BASE_UTM33)
        points = np.array([base + offset for offset in GTFS_STOPS.values()] + [base + (1000.0, 200.0)])
        _core.transit_times(points, points, 32633, gtfs=[path], service_date=GTFS_DATE, departure_time="08:00", window_minutes=3)
    else:
        raise ValueError(f"unknown target {target}")


def core_identity() -> dict[str, Any]:
    """Path, inode and mtime of the loaded extension, to tell a crash from a core rebuilt under the run."""
    from capacitymetro import _core

    stat = os.stat(_core.__file__)
    return {"core": _core.__file__, "inode": stat.st_ino, "mtime_ns": stat.st_mtime_ns}


def worker_main(memory_mb: int) -> int:
    """Answers one JSON line per request on the original stdout; everything else the process prints
    (GDAL warnings, Rust panic messages) goes to stderr, which the parent keeps in a log."""
    protocol = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)
    if memory_mb > 0:
        import resource

        limit = memory_mb << 20
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    def send(message: dict[str, Any]) -> None:
        protocol.write(json.dumps(message) + "\n")

    try:
        import capacitymetro as cm

        send({"ready": True, **core_identity()})
    except Exception:
        send({"ready": False, "error": traceback.format_exc()})
        return 1
    for line in sys.stdin:
        request = json.loads(line)
        try:
            run_case(request["target"], request["path"])
            send({"outcome": "ok"})
        except BaseException as error:  # noqa: B036 - PanicException derives from BaseException
            if isinstance(error, (KeyboardInterrupt, SystemExit)):
                raise
            kind = f"{type(error).__module__}.{type(error).__qualname__}"
            clean = isinstance(error, cm.CapacityMetroError) and not isinstance(error, cm.InternalError)
            send(
                {
                    "outcome": "error" if clean else "crash",
                    "kind": kind,
                    "message": str(error),
                    "traceback": "" if clean else traceback.format_exc(),
                }
            )
    return 0


# =========================================================================== worker (parent side)


@dataclasses.dataclass
class Result:
    """The outcome of one case: ok, error (clean), crash or hang."""

    outcome: str
    kind: str = ""
    message: str = ""
    detail: str = ""


class WorkerUnavailable(RuntimeError):
    """The worker could not start (e.g. the package did not import)."""


class Worker:
    """A persistent child process running cases one at a time; restarted after it dies or hangs."""

    START_ATTEMPTS = 5
    # The core may be mid-rebuild by someone else: a failed import is retried after this pause.
    START_RETRY_PAUSE_S = 30.0

    def __init__(self, scratch: Path, memory_mb: int, name: str) -> None:
        self.scratch = scratch
        self.memory_mb = memory_mb
        self.log_path = scratch / f"worker-{name}.log"
        self.process: Optional[subprocess.Popen[bytes]] = None
        self.identity: dict[str, Any] = {}
        self.starts = 0
        self._buffer = b""
        self._log: Optional[io.BufferedWriter] = None
        self._selector: Optional[selectors.BaseSelector] = None

    def _spawn(self) -> dict[str, Any]:
        self._log = open(self.log_path, "ab")  # kept open for the child's lifetime
        command = [sys.executable, str(Path(__file__).resolve()), "--worker", "--memory-mb", str(self.memory_mb)]
        # Few malloc arenas: each reserves 64 MB of address space per thread, which would make the
        # address-space limit depend on the number of cores rather than on what the input asks for.
        env = {**os.environ, "MALLOC_ARENA_MAX": "2"}
        # The worker runs in the scratch folder: relative paths inside mutated inputs resolve there.
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._log, cwd=self.scratch, env=env)
        self._buffer = b""
        self._selector = selectors.DefaultSelector()
        assert self.process.stdout is not None
        self._selector.register(self.process.stdout, selectors.EVENT_READ)
        line = self._read_line(120.0)
        if not line:
            self.stop()
            return {"ready": False, "error": f"no answer from the worker; log:\n{self._log_tail(0)}"}
        return json.loads(line)

    def start(self) -> None:
        """Starts the worker, retrying while the package does not import."""
        for attempt in range(self.START_ATTEMPTS):
            hello = self._spawn()
            if hello.get("ready"):
                self.identity = hello
                self.starts += 1
                return
            self.stop()
            if attempt + 1 < self.START_ATTEMPTS:
                print(
                    f"worker did not start (attempt {attempt + 1}); retrying in {self.START_RETRY_PAUSE_S:.0f} s:\n"
                    f"{hello.get('error', '').strip()[-800:]}",
                    file=sys.stderr,
                )
                time.sleep(self.START_RETRY_PAUSE_S)
        raise WorkerUnavailable(hello.get("error", "the worker did not start"))

    def stop(self) -> None:
        if self.process is not None:
            if self.process.poll() is None:
                self.process.kill()  # the worker starts no processes of its own
            self.process.wait()
            for stream in (self.process.stdin, self.process.stdout):
                if stream is not None:
                    stream.close()
            self.process = None
        if self._selector is not None:
            self._selector.close()
            self._selector = None
        if self._log is not None:
            self._log.close()
            self._log = None

    def _read_line(self, timeout: float) -> Optional[bytes]:
        """One protocol line; None on timeout, b"" when the worker closed its end (died)."""
        assert self.process is not None and self.process.stdout is not None and self._selector is not None
        deadline = time.monotonic() + timeout
        while b"\n" not in self._buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not self._selector.select(remaining):
                return None
            chunk = os.read(self.process.stdout.fileno(), 1 << 16)
            if not chunk:
                return b""
            self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        return line

    def _log_tail(self, offset: int, limit: int = 6000) -> str:
        with open(self.log_path, "rb") as f:
            f.seek(offset)
            text = f.read().decode("utf-8", "replace")
        return text if len(text) <= limit else "...\n" + text[-limit:]

    def core_changed(self) -> bool:
        """Whether the extension file differs from the one this worker loaded (someone rebuilt it)."""
        try:
            stat = os.stat(self.identity["core"])
        except (KeyError, OSError):
            return True
        return (stat.st_ino, stat.st_mtime_ns) != (self.identity["inode"], self.identity["mtime_ns"])

    def run(self, target: str, path: Path, timeout: float) -> Result:
        if self.process is None or self.process.poll() is not None:
            self.stop()
            self.start()
        assert self.process is not None and self.process.stdin is not None
        offset = self.log_path.stat().st_size
        try:
            self.process.stdin.write((json.dumps({"target": target, "path": str(path)}) + "\n").encode())
            self.process.stdin.flush()
        except BrokenPipeError:
            pass  # it died between cases; the read below sees the end of its output
        line = self._read_line(timeout)
        if line is None:
            self.stop()
            return Result("hang", "timeout", f"no answer within {timeout:g} s", self._log_tail(offset))
        if line == b"":
            self.process.wait()
            code = self.process.returncode
            self.stop()
            kind = f"signal {signal.Signals(-code).name}" if code < 0 else f"exit status {code}"
            stderr = self._log_tail(offset)
            said = next((text for text in stderr.splitlines() if text.strip() and not text.startswith("Warning")), "")
            return Result("crash", kind, f"the worker died ({kind})" + (f": {said}" if said else ""), stderr)
        answer = json.loads(line)
        stderr = self._log_tail(offset) if answer["outcome"] == "crash" else ""
        return Result(
            answer["outcome"],
            answer.get("kind", ""),
            answer.get("message", ""),
            "\n".join(part for part in (answer.get("traceback", ""), stderr) if part),
        )


# =========================================================================== mutations

Rng = random.Random
Mutator = Callable[[Rng, bytes], bytes]

# fmt: off
INTERESTING_INTS = [0, 1, -1, 0x7F, 0x80, 0xFF, 0x7FFF, 0x8000, 0xFFFF, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF,
                    -0x80000000, 0x7FFFFFFFFFFFFFFF, 0x8000000000000000, 0xFFFFFFFFFFFFFFFF]
INTERESTING_FLOATS = [0.0, -0.0, -1.0, math.nan, math.inf, -math.inf, 1e308, -1e308, 5e-324, 1e-9, 86400.0 * 365]
INTERESTING_TEXT = [
    "", " ", "0", "-0", "1", "-1", "127", "255", "65535", "2147483647", "2147483648", "-2147483648", "4294967295",
    "4294967296", "9223372036854775807", "9223372036854775808", "-9223372036854775809", "18446744073709551616",
    "1e309", "-1e309", "1e-320", "NaN", "nan", "inf", "-inf", "0x7fffffff", "1,5", "1.5.5", "+", "-", ".", "e",
    "00:00:00", "23:59:60", "24:00:00", "99:99:99", "-01:00:00", "4294967295:00:00", "8:00", "20260230", "00000000",
    "99999999", "2026-04-15", "180.0000001", "-180", "90.0000001", "-91", "1e3", ";", ";;", "legal;;", ",", '"', "'",
    "\\", "\n", "\r", "\r\n", "\t", "\x00", "\x7f", "\u00e8", "\u202e", "\ufeff", "\U0001f600", "\ud800",
    "Mo-Fr 25:00-26:00", "Mo-Fr 09:00-08:00; PH off", "24/7", "sunrise-sunset", "week 53 Mo", "Fr-Mo 00:00-24:00",
    "x" * 300, "9" * 400, ";" * 200,
]
# Byte sequences that are not UTF-8: lone continuation, truncated sequences, overlong, surrogate, BOMs.
NON_UTF8 = [b"\xff", b"\xfe", b"\x80", b"\xc3", b"\xc3\x28", b"\xe2\x82", b"\xf0\x9f\x98", b"\xc0\xaf",
            b"\xed\xa0\x80", b"\xf8\x88\x80\x80\x80", b"\xff\xfe", b"\xfe\xff\x00A", b"\xef\xbb"]
# fmt: on


def _position(rng: Rng, data: bytes) -> int:
    return rng.randrange(len(data) + 1)


def flip_bit(rng: Rng, data: bytes) -> bytes:
    if not data:
        return bytes([rng.randrange(256)])
    out = bytearray(data)
    i = rng.randrange(len(out))
    out[i] ^= 1 << rng.randrange(8)
    return bytes(out)


def random_byte(rng: Rng, data: bytes) -> bytes:
    if not data:
        return bytes([rng.randrange(256)])
    out = bytearray(data)
    out[rng.randrange(len(out))] = rng.randrange(256)
    return bytes(out)


def insert_bytes(rng: Rng, data: bytes) -> bytes:
    i = _position(rng, data)
    return data[:i] + rng.randbytes(rng.choice([1, 1, 2, 4, 8, 32])) + data[i:]


def delete_bytes(rng: Rng, data: bytes) -> bytes:
    if not data:
        return data
    i = rng.randrange(len(data))
    return data[:i] + data[i + rng.randint(1, min(64, len(data) - i)) :]


def duplicate_chunk(rng: Rng, data: bytes) -> bytes:
    if not data:
        return data
    start = rng.randrange(len(data))
    chunk = data[start : start + rng.randint(1, min(256, len(data) - start))]
    i = _position(rng, data)
    return data[:i] + chunk * rng.choice([1, 1, 2, 8]) + data[i:]


def truncate(rng: Rng, data: bytes) -> bytes:
    return data[: rng.randrange(len(data))] if data else data


def interesting_int(rng: Rng, data: bytes) -> bytes:
    """Overwrites 1, 2, 4 or 8 bytes with an edge-case integer, either byte order."""
    width = rng.choice([1, 2, 4, 8])
    value = rng.choice(INTERESTING_INTS) & ((1 << (8 * width)) - 1)
    packed = value.to_bytes(width, rng.choice(["little", "big"]))
    if len(data) < width:
        return data + packed
    i = rng.randrange(len(data) - width + 1)
    return data[:i] + packed + data[i + width :]


def interesting_float(rng: Rng, data: bytes) -> bytes:
    """Overwrites 8 (or 4) bytes with NaN, an infinity, a negative, a huge or a subnormal number."""
    layout, value = rng.choice(["<d", "<d", "<f", ">d"]), rng.choice(INTERESTING_FLOATS)
    if layout == "<f" and math.isfinite(value) and abs(value) > 3e38:
        value = math.copysign(math.inf, value)  # beyond a float32: its nearest edge value
    packed = struct.pack(layout, value)
    if len(data) < len(packed):
        return data + packed
    i = rng.randrange(len(data) - len(packed) + 1)
    return data[:i] + packed + data[i + len(packed) :]


def insert_non_utf8(rng: Rng, data: bytes) -> bytes:
    i = _position(rng, data)
    return data[:i] + rng.choice(NON_UTF8) + data[i:]


BYTE_MUTATORS: list[Mutator] = [
    flip_bit,
    random_byte,
    insert_bytes,
    delete_bytes,
    duplicate_chunk,
    truncate,
    interesting_int,
    interesting_float,
]


def mutate_bytes(rng: Rng, data: bytes) -> bytes:
    return rng.choice(BYTE_MUTATORS)(rng, data)


# --------------------------------------------------------------------------- CSV


def _decode_text(data: bytes) -> tuple[str, bool]:
    """Text whose undecodable bytes survive a round trip (surrogateescape), and whether it had a BOM."""
    bom = data.startswith(b"\xef\xbb\xbf")
    return data[3 if bom else 0 :].decode("utf-8", "surrogateescape"), bom


def _encode_text(text: str, bom: bool) -> bytes:
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8", "surrogateescape")


def parse_csv(data: bytes) -> Optional[tuple[list[list[str]], str, bool]]:
    """Rows, line terminator and BOM of a CSV, or None when it does not parse (then bytes are mutated)."""
    text, bom = _decode_text(data)
    terminator = "\r\n" if "\r\n" in text else "\n"
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error:
        return None
    return rows, terminator, bom


def write_csv(rows: list[list[str]], terminator: str, bom: bool) -> bytes:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator=terminator).writerows(rows)
    try:
        return _encode_text(buffer.getvalue(), bom)
    except UnicodeEncodeError:  # a lone surrogate that was not an escaped byte: write it as UTF-8 anyway
        return (b"\xef\xbb\xbf" if bom else b"") + buffer.getvalue().encode("utf-8", "surrogatepass")


def _cell_value(rng: Rng, rows: list[list[str]], old: str) -> str:
    choice = rng.randrange(5)
    if choice == 0:  # a byte-level mutation of the cell itself
        return _decode_text(mutate_bytes(rng, old.encode("utf-8", "surrogateescape")))[0]
    if choice == 1:  # a value from elsewhere in the file, likely valid in another column
        cells = [c for row in rows for c in row]
        return rng.choice(cells) if cells else old
    if choice == 2:
        return old + rng.choice(NON_UTF8).decode("utf-8", "surrogateescape")
    return rng.choice(INTERESTING_TEXT)


def csv_set_cell(rng: Rng, rows: list[list[str]]) -> None:
    candidates = [(r, c) for r, row in enumerate(rows) for c in range(len(row))]
    if not candidates:
        rows.append([rng.choice(INTERESTING_TEXT)])
        return
    # Data cells more often than header cells: a bad header mostly ends at "no such field".
    r, c = rng.choice(candidates)
    if r == 0 and len(rows) > 1 and rng.random() < 0.7:
        r, c = rng.choice(candidates[len(rows[0]) :] or candidates)
    rows[r][c] = _cell_value(rng, rows, rows[r][c])


def csv_drop_column(rng: Rng, rows: list[list[str]]) -> None:
    width = max((len(row) for row in rows), default=0)
    if width:
        column = rng.randrange(width)
        for row in rows:
            if column < len(row):
                del row[column]


def csv_swap_columns(rng: Rng, rows: list[list[str]]) -> None:
    """Swaps two columns everywhere (a reordered file) or only in the header (mislabelled data)."""
    width = min((len(row) for row in rows), default=0)
    if width < 2:
        return
    a, b = rng.sample(range(width), 2)
    for row in rows[:1] if rng.random() < 0.5 else rows:
        row[a], row[b] = row[b], row[a]


def csv_garbage_rows(rng: Rng, rows: list[list[str]]) -> None:
    width = len(rows[0]) if rows else 3
    for _ in range(rng.randint(1, 4)):
        row = [rng.choice(INTERESTING_TEXT) for _ in range(max(0, width + rng.randint(-3, 3)))]
        rows.insert(rng.randint(1 if rows else 0, len(rows)), row)


def csv_duplicate_or_delete_row(rng: Rng, rows: list[list[str]]) -> None:
    if not rows:
        return
    i = rng.randrange(len(rows))
    if rng.random() < 0.5:
        rows.insert(rng.randint(0, len(rows)), list(rows[i]))
    elif len(rows) > 1:
        del rows[i]


def csv_ragged_row(rng: Rng, rows: list[list[str]]) -> None:
    if not rows:
        return
    row = rng.choice(rows)
    if row and rng.random() < 0.5:
        row.pop()
    else:
        row.extend(rng.choice(INTERESTING_TEXT) for _ in range(rng.randint(1, 3)))


def csv_non_utf8(rng: Rng, rows: list[list[str]]) -> None:
    cells = [(r, c) for r, row in enumerate(rows) for c in range(len(row))]
    if cells:
        r, c = rng.choice(cells)
        i = rng.randint(0, len(rows[r][c]))
        bad = rng.choice(NON_UTF8).decode("utf-8", "surrogateescape")
        rows[r][c] = rows[r][c][:i] + bad + rows[r][c][i:]


CSV_MUTATORS: list[Callable[[Rng, list[list[str]]], None]] = [
    csv_set_cell,
    csv_set_cell,
    csv_set_cell,
    csv_drop_column,
    csv_swap_columns,
    csv_garbage_rows,
    csv_duplicate_or_delete_row,
    csv_ragged_row,
    csv_non_utf8,
]


def mutate_csv(rng: Rng, data: bytes) -> bytes:
    parsed = parse_csv(data)
    if parsed is None:
        return mutate_bytes(rng, data)
    rows, terminator, bom = parsed
    rng.choice(CSV_MUTATORS)(rng, rows)
    if rng.random() < 0.05:  # other line ends and BOM, which readers often special-case
        terminator = rng.choice(["\n", "\r\n", "\r"])
        bom = not bom
    return write_csv(rows, terminator, bom)


def mutate_text_file(rng: Rng, data: bytes) -> bytes:
    """A CSV (or text) file: mostly cell-aware mutations, sometimes raw bytes or invalid UTF-8."""
    roll = rng.random()
    if roll < 0.65:
        return mutate_csv(rng, data)
    if roll < 0.75:
        return insert_non_utf8(rng, data)
    return mutate_bytes(rng, data)


# --------------------------------------------------------------------------- ZIP


def read_zip(data: bytes) -> Optional[list[tuple[str, bytes]]]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return [(info.filename, archive.read(info)) for info in archive.infolist()]
    except Exception:  # any damage (bad CRC, bad header, unsupported method): mutate the bytes instead
        return None


ZIP_METHODS = [zipfile.ZIP_DEFLATED, zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA]


def write_zip(rng: Rng, members: list[tuple[str, bytes]]) -> bytes:
    """A zip of the members (fixed timestamps, so runs are reproducible); now and then with a compression
    method other than deflate, which the core's zip reader may not support."""
    method = zipfile.ZIP_DEFLATED if rng.random() < 0.9 else rng.choice(ZIP_METHODS)
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # duplicate member names are wanted here
        with zipfile.ZipFile(buffer, "w") as archive:
            for name, content in members:
                info = zipfile.ZipInfo(name, (2026, 4, 1, 0, 0, 0))
                info.compress_type = method
                archive.writestr(info, content)
    return buffer.getvalue()


def mutate_zip(rng: Rng, data: bytes) -> bytes:
    members = read_zip(data)
    if members is None or not members or rng.random() < 0.15:
        return mutate_bytes(rng, data)  # the container itself: headers, directory, CRCs
    roll = rng.random()
    i = rng.randrange(len(members))
    name, content = members[i]
    if roll < 0.7:  # a member's content: table-aware for the .txt tables
        mutate = mutate_text_file if name.endswith((".txt", ".csv")) else mutate_bytes
        members[i] = (name, mutate(rng, content))
    elif roll < 0.78:
        del members[i]
    elif roll < 0.84:
        members.insert(rng.randint(0, len(members)), (name, content))  # the same name twice
    elif roll < 0.9:
        renamed = rng.choice([name.upper(), "feed/" + name, name + " ", "../" + name, name.replace(".txt", ""), "/" + name, name + "/"])
        members[i] = (renamed, content)
    elif roll < 0.95:
        members[i] = (name, b"" if rng.random() < 0.5 else content.split(b"\n", 1)[0])  # empty, or header only
    else:
        members.append((rng.choice(["junk.bin", "stops.txt", "feed_info.txt", "dir/"]), rng.randbytes(64)))
    return write_zip(rng, members)


# --------------------------------------------------------------------------- protobuf and OSM PBF


def _varint(value: int) -> bytes:
    value &= (1 << 64) - 1
    out = bytearray()
    while True:
        low, value = value & 0x7F, value >> 7
        out.append(low | (0x80 if value else 0))
        if not value:
            return bytes(out)


def _read_varint(data: bytes, i: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        if i >= len(data) or shift > 63:
            raise ValueError("bad varint")
        byte = data[i]
        value |= (byte & 0x7F) << shift
        i += 1
        shift += 7
        if not byte & 0x80:
            return value, i


PbValue = Union[int, bytes, list]
# A protobuf message as a mutable list of [field number, wire type, value]; a length-delimited value is
# a nested list when it parses (and re-encodes exactly) as a message, else bytes.
PbMessage = list


def parse_pb(data: bytes, depth: int = 0) -> Optional[PbMessage]:
    fields: PbMessage = []
    i = 0
    try:
        while i < len(data):
            key, i = _read_varint(data, i)
            number, wire = key >> 3, key & 7
            if number == 0:
                return None
            if wire == 0:
                value: PbValue
                value, i = _read_varint(data, i)
            elif wire == 1 or wire == 5:
                size = 8 if wire == 1 else 4
                if i + size > len(data):
                    return None
                value, i = data[i : i + size], i + size
            elif wire == 2:
                length, i = _read_varint(data, i)
                if i + length > len(data):
                    return None
                value, i = data[i : i + length], i + length
                if depth < 5 and value:
                    nested = parse_pb(value, depth + 1)
                    if nested is not None and encode_pb(nested) == value:
                        value = nested
            else:
                return None
            fields.append([number, wire, value])
    except ValueError:
        return None
    return fields


def encode_pb(message: PbMessage) -> bytes:
    out = bytearray()
    for number, wire, value in message:
        out += _varint(number << 3 | wire)
        if wire == 0:
            out += _varint(value)
        elif wire == 2:
            payload = encode_pb(value) if isinstance(value, list) else value
            out += _varint(len(payload)) + payload
        else:
            out += value
    return bytes(out)


def _pb_nodes(message: PbMessage) -> list[tuple[PbMessage, int]]:
    """Every field of the message tree as (its message, index)."""
    found = []
    for i, (_, _, value) in enumerate(message):
        found.append((message, i))
        if isinstance(value, list):
            found += _pb_nodes(value)
    return found


def _packed_varints(data: bytes) -> Optional[list[int]]:
    values, i = [], 0
    try:
        while i < len(data):
            value, i = _read_varint(data, i)
            values.append(value)
    except ValueError:
        return None
    return values


def _edge_varint(rng: Rng) -> int:
    value = rng.choice(INTERESTING_INTS)
    return (value << 1) ^ (value >> 63) if rng.random() < 0.3 else value  # sometimes zigzag-encoded (sint64)


def mutate_pb(rng: Rng, data: bytes) -> bytes:
    """A protobuf-aware mutation: a varint set to an edge value, a packed array edited, a field dropped,
    duplicated, moved or renumbered, anywhere in the message tree; the lengths above are kept right."""
    message = parse_pb(data)
    if not message:
        return mutate_bytes(rng, data)
    parent, i = rng.choice(_pb_nodes(message))
    number, wire, value = parent[i]
    roll = rng.random()
    if roll < 0.1:
        del parent[i]
    elif roll < 0.18:
        parent.insert(rng.randint(0, len(parent)), [number, wire, value])
    elif roll < 0.24:
        parent.insert(rng.randint(0, len(parent) - 1), parent.pop(i))
    elif roll < 0.3:
        # Another field of the same wire type (keys as vals, lat as lon...) or an unknown one to be skipped;
        # any other number is a wire-type mismatch the decoder rejects at once.
        same = [f[0] for f in parent if f[1] == wire and f[0] != number]
        parent[i][0] = rng.choice(same) if same and rng.random() < 0.8 else rng.randint(21, 99)
    elif wire == 0:
        parent[i][2] = _edge_varint(rng) if rng.random() < 0.7 else max(0, value + rng.randint(-3, 3))
    elif wire == 2 and isinstance(value, bytes):
        values = _packed_varints(value)
        if values and rng.random() < 0.7:
            action = rng.randrange(4)
            j = rng.randrange(len(values))
            if action == 0:
                values[j] = _edge_varint(rng)
            elif action == 1:
                del values[j]
            elif action == 2:
                values.insert(j, _edge_varint(rng))
            else:
                values = values[: rng.randrange(len(values))]
            parent[i][2] = b"".join(_varint(v) for v in values)
        else:
            parent[i][2] = mutate_bytes(rng, value)
    elif wire == 2:
        parent[i][2] = mutate_bytes(rng, encode_pb(value))
    else:
        parent[i][2] = mutate_bytes(rng, value)[: len(value)].ljust(len(value), b"\0")
    return encode_pb(message)


@dataclasses.dataclass
class FileBlock:
    """One OSM PBF fileblock: its type and decoded payload (a HeaderBlock or PrimitiveBlock)."""

    kind: bytes
    payload: bytes
    compressed: bool


def read_pbf_blocks(data: bytes) -> Optional[list[FileBlock]]:
    blocks, i = [], 0
    try:
        while i < len(data):
            (header_length,) = struct.unpack(">I", data[i : i + 4])
            header = parse_pb(data[i + 4 : i + 4 + header_length])
            i += 4 + header_length
            if header is None:
                return None
            kind = next(bytes(encode_pb(v) if isinstance(v, list) else v) for n, _, v in header if n == 1)
            size = next(v for n, _, v in header if n == 3)
            blob = parse_pb(data[i : i + size]) or []
            i += size
            parts = {n: (encode_pb(v) if isinstance(v, list) else v) for n, _, v in blob}
            if 3 in parts:
                blocks.append(FileBlock(kind, zlib.decompress(parts[3]), True))
            elif 1 in parts:
                blocks.append(FileBlock(kind, parts[1], False))
            else:
                return None
    except (struct.error, StopIteration, zlib.error, TypeError):
        return None
    return blocks


def write_pbf_blocks(rng: Rng, blocks: list[FileBlock]) -> bytes:
    out = bytearray()
    for block in blocks:
        if block.compressed:
            raw_size = len(block.payload) if rng.random() < 0.95 else _edge_varint(rng)  # now and then a lie
            body = (
                _varint(2 << 3)
                + _varint(raw_size)
                + _varint(3 << 3 | 2)
                + _varint(len(zlib.compress(block.payload)))
                + zlib.compress(block.payload)
            )
        else:
            body = _varint(1 << 3 | 2) + _varint(len(block.payload)) + block.payload
        header = _varint(1 << 3 | 2) + _varint(len(block.kind)) + block.kind + _varint(3 << 3) + _varint(len(body))
        out += struct.pack(">I", len(header)) + header + body
    return bytes(out)


def mutate_pbf(rng: Rng, data: bytes) -> bytes:
    """Mutates inside the compressed blocks (else nearly every change ends at a zlib checksum)."""
    blocks = read_pbf_blocks(data)
    if not blocks or rng.random() < 0.1:
        return mutate_bytes(rng, data)
    roll = rng.random()
    i = rng.randrange(len(blocks))
    if roll < 0.7:
        blocks[i].payload = mutate_pb(rng, blocks[i].payload)
    elif roll < 0.8:
        blocks[i].payload = mutate_bytes(rng, blocks[i].payload)
    elif roll < 0.85:
        del blocks[i]
    elif roll < 0.9:
        blocks.insert(rng.randint(0, len(blocks)), dataclasses.replace(blocks[i]))
    elif roll < 0.95:
        blocks[i].kind = rng.choice([b"OSMHeader", b"OSMData", b"", b"OSMData\0", b"X" * 70])
    else:
        blocks[i].compressed = not blocks[i].compressed
    return write_pbf_blocks(rng, blocks)


# --------------------------------------------------------------------------- GeoPackage


def _gpkg_point(srs_id: int, x: float, y: float) -> bytes:
    """A GeoPackage geometry blob: "GP", version 0, little-endian without envelope, then WKB."""
    return b"GP\x00\x01" + struct.pack("<i", srs_id) + struct.pack("<BIdd", 1, 1, x, y)


def _gpkg_geometries(rng: Rng, srs_id: int) -> bytes:
    """A geometry the catalogue does not expect: a line, an empty or NaN point, a multipoint, a lie."""
    return rng.choice(
        [
            b"GP\x00\x01" + struct.pack("<i", srs_id) + struct.pack("<BII4d", 1, 2, 2, 12.2, 45.4, 12.3, 45.5),
            b"GP\x00\x11" + struct.pack("<i", srs_id) + struct.pack("<BIdd", 1, 1, math.nan, math.nan),
            _gpkg_point(srs_id, math.nan, 45.0),
            _gpkg_point(srs_id, math.inf, -math.inf),
            _gpkg_point(srs_id, 1e300, -1e300),
            b"GP\x00\x01" + struct.pack("<i", srs_id) + struct.pack("<BII", 1, 4, 0xFFFFFFFF),
            b"GP\x00\x03" + struct.pack("<i", srs_id) + struct.pack("<4d", 0, 1, 0, 1) + struct.pack("<BIdd", 1, 1, 0, 0),
            _gpkg_point(rng.choice([0, -1, 99999, 0x7FFFFFFF]), 12.2, 45.4),
            b"GP",
            b"",
            struct.pack("<BIdd", 1, 1, 12.2, 45.4),
        ]
    )


def _sql_value(rng: Rng) -> object:
    return rng.choice(
        [
            None,
            rng.choice(INTERESTING_TEXT),
            rng.choice(INTERESTING_INTS[:12]),
            rng.choice(INTERESTING_FLOATS),
            rng.randbytes(rng.randint(0, 16)),
            rng.choice(NON_UTF8),
        ]
    )


def mutate_gpkg_sql(rng: Rng, data: bytes, scratch: Path) -> bytes:
    """GeoPackage-aware: edits the feature table and the GeoPackage metadata through SQLite."""
    path = scratch / f"mutate-{threading.get_ident()}.gpkg"
    path.write_bytes(data)
    try:
        db = sqlite3.connect(path, isolation_level=None)
        try:
            tables = [r[0] for r in db.execute("SELECT table_name FROM gpkg_contents WHERE data_type = 'features'")]
            table = rng.choice(tables) if tables else None
            if table is None:
                raise sqlite3.DatabaseError("no feature table")
            quoted = '"' + table.replace('"', '""') + '"'
            columns = [r[1] for r in db.execute(f"PRAGMA table_info({quoted})")]
            geometry = next(iter(db.execute("SELECT column_name FROM gpkg_geometry_columns")), ("geom",))[0]
            srs_id = next(iter(db.execute("SELECT srs_id FROM gpkg_geometry_columns")), (4326,))[0]
            rowids = [r[0] for r in db.execute(f"SELECT rowid FROM {quoted}")]
            rowid = rng.choice(rowids) if rowids else 1
            attributes = [c for c in columns if c not in (geometry, "fid")]
            roll = rng.random()
            if roll < 0.35 and attributes:
                column = '"' + rng.choice(attributes).replace('"', '""') + '"'
                db.execute(f"UPDATE {quoted} SET {column} = ? WHERE rowid = ?", (_sql_value(rng), rowid))
            elif roll < 0.5:
                row = db.execute(f'SELECT "{geometry}" FROM {quoted} WHERE rowid = ?', (rowid,)).fetchone()
                blob = bytes(row[0]) if row and row[0] is not None else b""
                db.execute(f'UPDATE {quoted} SET "{geometry}" = ? WHERE rowid = ?', (mutate_bytes(rng, blob), rowid))
            elif roll < 0.65:
                value = _gpkg_geometries(rng, srs_id) if rng.random() < 0.9 else None
                db.execute(f'UPDATE {quoted} SET "{geometry}" = ? WHERE rowid = ?', (value, rowid))
            elif roll < 0.72:
                db.execute("UPDATE gpkg_geometry_columns SET srs_id = ?", (rng.choice([0, -1, 99999, 3003, 4326]),))
            elif roll < 0.78:
                db.execute(
                    "UPDATE gpkg_spatial_ref_sys SET definition = ? WHERE srs_id = ?",
                    (rng.choice(["", "undefined", "GEOGCS[", 'LOCAL_CS["x"]', "+proj=longlat +a=0"]), srs_id),
                )
            elif roll < 0.84 and attributes:
                db.execute(f'ALTER TABLE {quoted} DROP COLUMN "{rng.choice(attributes)}"')
            elif roll < 0.88 and attributes:
                new = rng.choice(["lon", "x", "id", "", "é", "categories", "capacity", "A" * 200])
                db.execute(f'ALTER TABLE {quoted} RENAME COLUMN "{rng.choice(attributes)}" TO "{new}"')
            elif roll < 0.92:
                names = ", ".join(f'"{c}"' for c in columns if c != "fid")
                db.execute(f"INSERT INTO {quoted} ({names}) SELECT {names} FROM {quoted}")
            elif roll < 0.95 and rowids:
                db.execute(f"DELETE FROM {quoted} WHERE rowid = ?", (rowid,))
            else:
                db.execute(
                    rng.choice(
                        [
                            "UPDATE gpkg_contents SET data_type = 'attributes'",
                            "UPDATE gpkg_geometry_columns SET geometry_type_name = 'LINESTRING'",
                            "UPDATE gpkg_contents SET min_x = NULL, max_x = 'x'",
                            "DELETE FROM gpkg_geometry_columns",
                            "DELETE FROM gpkg_spatial_ref_sys",
                            "PRAGMA application_id = 0",
                        ]
                    )
                )
        finally:
            db.close()
        return path.read_bytes()
    except (sqlite3.Error, OverflowError, ValueError):  # a file earlier mutations broke: mutate bytes
        return mutate_bytes(rng, data)
    finally:
        path.unlink(missing_ok=True)
        Path(f"{path}-journal").unlink(missing_ok=True)


# --------------------------------------------------------------------------- saved network (.cmnet, bincode)

# The file: signature (8 bytes), then sections of (u64 LE length, u32 LE CRC-32, bincode payload): the
# source record, then the network. A mutation inside a payload is followed by a new CRC, so it reaches
# bincode and the graph checks instead of stopping at the checksum.
CMNET_MAGIC = b"CMNET\x00\x00\x02"
CMNET_SECTION_HEADER = struct.Struct("<QI")

# The bincode layout (1.x, fixint, little endian) of what src/network/{mod,graph,osm,lines}.rs save, in a
# small schema language: "f64", "str", ("u32" | "u64", role), ("vec", item), ("opt", item),
# ("arr", item, n), ("enum", number of unit variants) and tuples for structs. Roles steer the edge values:
# an "index" gets values near the node and edge counts, a "count" near its own value.
BincodeSchema = Any
_XY: BincodeSchema = ("arr", "f64", 2)
_INDEX: BincodeSchema = ("u32", "index")
_LINK: BincodeSchema = (_INDEX, _INDEX, ("opt", _INDEX), ("opt", _INDEX), ("vec", _XY), "f64")
_GRAPH: BincodeSchema = (("vec", _XY), ("vec", _INDEX), ("vec", _INDEX), ("vec", "f64"), ("vec", "f64"), ("vec", _LINK))
_ISLANDS: BincodeSchema = (("u64", "count"), ("u64", "count"), "f64")
_MODE_GRAPH: BincodeSchema = (("enum", 4), _GRAPH, _ISLANDS)
_OSM_SPEEDS: BincodeSchema = ("f64", "f64", "f64", ("vec", ("str", "f64")), "f64", "f64")
_BUILD_OPTIONS: BincodeSchema = (("opt", ("u32", "epsg")), _OSM_SPEEDS, (("opt", "str"),) * 3, "f64")
SOURCE_SCHEMA: BincodeSchema = ("str", ("u64", "count"), ("u32", "crc"), _BUILD_OPTIONS)
NETWORK_SCHEMA: BincodeSchema = (SOURCE_SCHEMA, ("u32", "epsg"), ("vec", _MODE_GRAPH))


@dataclasses.dataclass
class BincodeLayout:
    """Where the values of a decoded payload are: scalars as (offset, kind, role) with kind one of u8
    (an option's tag), u32, u64, f64, len (a vector's or string's u64 length) and str (a string's bytes,
    offset and end); vectors as (offset of the length, spans of the items) so items can be dropped or
    repeated with the length kept right."""

    scalars: list[tuple[int, str, str]] = dataclasses.field(default_factory=list)
    strings: list[tuple[int, int]] = dataclasses.field(default_factory=list)
    vectors: list[tuple[int, list[tuple[int, int]]]] = dataclasses.field(default_factory=list)


def _bincode_walk(data: bytes, at: int, schema: BincodeSchema, layout: BincodeLayout) -> int:
    """Decodes one value of `schema` at `at`, noting where its parts are; returns the end. Raises
    ValueError when the bytes do not hold such a value."""

    def need(n: int) -> None:
        if at + n > len(data):
            raise ValueError("payload ends inside a value")

    if schema == "f64":
        need(8)
        layout.scalars.append((at, "f64", ""))
        return at + 8
    if schema == "str":
        need(8)
        (n,) = struct.unpack_from("<Q", data, at)
        need(8 + n)
        layout.scalars.append((at, "len", "str"))
        layout.strings.append((at + 8, at + 8 + n))
        return at + 8 + n
    if isinstance(schema, tuple) and schema and isinstance(schema[0], str):
        head = schema[0]
        if head in ("u32", "u64", "enum"):
            width = 8 if head == "u64" else 4
            need(width)
            layout.scalars.append((at, "u64" if head == "u64" else "u32", "variant" if head == "enum" else schema[1]))
            if head == "enum" and struct.unpack_from("<I", data, at)[0] >= schema[1]:
                raise ValueError("unknown enum variant")
            return at + width
        if head == "opt":
            need(1)
            layout.scalars.append((at, "u8", "tag"))
            if data[at] > 1:
                raise ValueError("bad option tag")
            return _bincode_walk(data, at + 1, schema[1], layout) if data[at] else at + 1
        if head in ("vec", "arr"):
            if head == "vec":
                need(8)
                (n,) = struct.unpack_from("<Q", data, at)
                if n > len(data) - at:  # every item takes at least a byte
                    raise ValueError("vector longer than the payload")
                layout.scalars.append((at, "len", "vec"))
                length_at, at = at, at + 8
            else:
                n, length_at = schema[2], -1
            spans = []
            for _ in range(n):
                end = _bincode_walk(data, at, schema[1], layout)
                spans.append((at, end))
                at = end
            if head == "vec":
                layout.vectors.append((length_at, spans))
            return at
    if isinstance(schema, tuple):  # a struct: its fields in order
        for field in schema:
            at = _bincode_walk(data, at, field, layout)
        return at
    raise ValueError(f"bad schema {schema!r}")


def bincode_layout(data: bytes, schema: BincodeSchema) -> Optional[BincodeLayout]:
    """The layout of a payload holding exactly one `schema` value (trailing bytes allowed, as the core
    allows them), or None when it does not decode (an earlier mutation broke it)."""
    layout = BincodeLayout()
    try:
        _bincode_walk(data, 0, schema, layout)
    except (ValueError, struct.error):
        return None
    return layout


def _edge_u32(rng: Rng, old: int, role: str, layout: BincodeLayout, data: bytes) -> int:
    """An edge value for a u32: for an index, one past the largest index or the number of nodes or
    edges nearby (the usual off-by-one); for an EPSG code, one that is not metric or not known; else
    near its old value or an interesting integer."""
    if role == "index" and rng.random() < 0.6:
        largest = max(struct.unpack_from("<I", data, at)[0] for at, kind, r in layout.scalars if r == "index")
        counts = [len(spans) for _, spans in layout.vectors]
        return rng.choice([largest + 1, largest, rng.choice(counts) if counts else 0, old + 1, old - 1]) & 0xFFFFFFFF
    if role == "variant" and rng.random() < 0.5:
        return rng.choice([0, 1, 2, 3, 4])
    if role == "epsg" and rng.random() < 0.5:  # geographic, web mercator, another UTM zone, none such
        return rng.choice([0, 4326, 3857, 32632, 3003, 999999])
    return rng.choice([old + 1, old - 1, rng.choice(INTERESTING_INTS), rng.choice(INTERESTING_INTS)]) & 0xFFFFFFFF


def _edge_u64(rng: Rng, old: int, remaining: int) -> int:
    """An edge value for a u64 count or length: off by one, the bytes left, half the address space, huge."""
    choices = [old + 1, old - 1, 0, remaining, remaining // 8 + 1, 1 << 31, 1 << 32, 1 << 62, rng.choice(INTERESTING_INTS)]
    return rng.choice(choices) & 0xFFFFFFFFFFFFFFFF


def mutate_bincode(rng: Rng, data: bytes, schema: BincodeSchema) -> bytes:
    """One edit of a bincode payload that knows its layout: a number set to an edge value (NaN,
    infinities, an index out of range, a huge length), a vector item dropped or repeated with its length
    kept right (the graph's arrays then disagree), a string replaced, or the payload's raw bytes."""
    layout = bincode_layout(data, schema)
    if layout is None or rng.random() < 0.15:
        return mutate_bytes(rng, data)
    out = bytearray(data)
    choice = rng.random()
    if choice < 0.6 and layout.scalars:
        at, kind, role = rng.choice(layout.scalars)
        if kind == "f64":
            struct.pack_into("<d", out, at, rng.choice(INTERESTING_FLOATS + [-struct.unpack_from("<d", data, at)[0]]))
        elif kind == "u8":
            out[at] = rng.choice([0, 1, 2, 0xFF])
        elif kind == "u32":
            struct.pack_into("<I", out, at, _edge_u32(rng, struct.unpack_from("<I", data, at)[0], role, layout, data))
        else:  # u64 and len
            struct.pack_into("<Q", out, at, _edge_u64(rng, struct.unpack_from("<Q", data, at)[0], len(data) - at - 8))
        return bytes(out)
    if choice < 0.9 and layout.vectors:
        length_at, spans = rng.choice([v for v in layout.vectors if v[1]] or layout.vectors)
        if not spans:
            return mutate_bytes(rng, data)
        start, end = rng.choice(spans)
        copies = 0 if rng.random() < 0.5 else rng.choice([2, 2, 3, 17])
        struct.pack_into("<Q", out, length_at, len(spans) - 1 + copies)
        return bytes(out[:start]) + data[start:end] * copies + data[end:]
    if layout.strings:
        start, end = rng.choice(layout.strings)
        text = rng.choice([b"", b".", b"/", b"..", b"\xff\xfe", b"fuzz-seed.osm.pbf", b"x" * 4096, rng.choice(NON_UTF8)])
        struct.pack_into("<Q", out, start - 8, len(text))
        return bytes(out[:start]) + text + data[end:]
    return mutate_bytes(rng, data)


def split_cmnet(data: bytes) -> Optional[tuple[bytes, list[bytes], bytes]]:
    """Signature, section payloads and trailing bytes of a .cmnet, or None when it is not laid out as
    sections (an earlier byte-level mutation broke it)."""
    if len(data) < len(CMNET_MAGIC):
        return None
    at, payloads = len(CMNET_MAGIC), []
    while at + CMNET_SECTION_HEADER.size <= len(data) and len(payloads) < 2:
        length, _crc = CMNET_SECTION_HEADER.unpack_from(data, at)
        if at + CMNET_SECTION_HEADER.size + length > len(data):
            break
        at += CMNET_SECTION_HEADER.size
        payloads.append(data[at : at + length])
        at += length
    return (data[: len(CMNET_MAGIC)], payloads, data[at:]) if len(payloads) == 2 else None


def join_cmnet(head: bytes, payloads: list[bytes], tail: bytes = b"") -> bytes:
    """A .cmnet from its parts, each section with its true length and CRC-32."""
    return head + b"".join(CMNET_SECTION_HEADER.pack(len(p), zlib.crc32(p)) + p for p in payloads) + tail


def mutate_cmnet_bytes(rng: Rng, data: bytes) -> bytes:
    """Raw bytes of the whole file (most then stop at a checksum); integers and floats weighted up."""
    mutators = [*BYTE_MUTATORS, interesting_int, interesting_float]
    return rng.choice(mutators)(rng, data)


def mutate_cmnet(rng: Rng, data: bytes) -> bytes:
    """Mostly an edit inside a section's payload, its CRC recomputed: the network section (the graphs
    and the embedded source record), sometimes the source section; else a section's length field (its
    CRC recomputed over the bytes the new length covers), sections dropped, repeated or swapped, the
    signature's version, or raw bytes of the whole file."""
    parts = split_cmnet(data)
    choice = rng.random()
    if parts is None or choice < 0.15:
        return mutate_cmnet_bytes(rng, data)
    head, (source, network), tail = parts
    if choice < 0.70:
        return join_cmnet(head, [source, mutate_bincode(rng, network, NETWORK_SCHEMA)], tail)
    if choice < 0.82:
        return join_cmnet(head, [mutate_bincode(rng, source, SOURCE_SCHEMA), network], tail)
    if choice < 0.92:  # the length of one section lies, with a checksum that fits what it now covers
        header_at = len(head) + (0 if rng.random() < 0.4 else CMNET_SECTION_HEADER.size + len(source))
        old = len(source) if header_at == len(head) else len(network)
        length = _edge_u64(rng, old, len(data) - header_at - CMNET_SECTION_HEADER.size)
        start = header_at + CMNET_SECTION_HEADER.size
        covered = data[start : start + length] if start + length <= len(data) else None
        crc = zlib.crc32(covered) if covered is not None else struct.unpack_from("<I", data, header_at + 8)[0]
        return data[:header_at] + CMNET_SECTION_HEADER.pack(length, crc) + data[start:]
    edits = [
        lambda: join_cmnet(head, [network, source], tail),  # swapped
        lambda: join_cmnet(head, [source], tail),  # no network
        lambda: join_cmnet(head, [source, network, network], tail),  # a section too many
        lambda: join_cmnet(head, [source, network], tail + rng.randbytes(rng.choice([1, 12, 64]))),
        lambda: join_cmnet(head[:6] + bytes([rng.randrange(256), rng.randrange(256)]), [source, network], tail),
        lambda: join_cmnet(head, [source, network[: rng.randrange(len(network) + 1)]], tail),  # cut short, CRC right
    ]
    return rng.choice(edits)()


# --------------------------------------------------------------------------- per target


def mutate_once(rng: Rng, kind: str, data: bytes, scratch: Path) -> bytes:
    """One mutation fitting the format: mostly structure-aware, sometimes raw bytes."""
    if kind == "pbf":
        return mutate_pbf(rng, data)
    if kind == "zip":
        return mutate_zip(rng, data)
    if kind == "csv":
        return mutate_text_file(rng, data)
    if kind == "gpkg":
        # Raw bytes mostly end at "not a readable data source", so the SQL-level edits get most turns.
        return mutate_gpkg_sql(rng, data, scratch) if rng.random() < 0.85 else mutate_bytes(rng, data)
    if kind == "cmnet":
        return mutate_cmnet(rng, data)
    raise ValueError(f"unknown kind {kind}")


def mutate(rng: Rng, kind: str, seed: bytes, scratch: Path) -> bytes:
    data = seed
    for _ in range(rng.choice([1, 1, 1, 2, 2, 3, 4])):
        data = mutate_once(rng, kind, data, scratch)[:MAX_INPUT_BYTES]
    return data


# =========================================================================== the run


@dataclasses.dataclass
class Finding:
    """A crashing or hanging input, saved under fuzz/crashes."""

    target: str
    path: Path
    note: Path
    result: Result
    signature: str
    # Whether the input alone gives the same signature in a fresh worker (None: not checked).
    reproduced: Optional[bool] = None


@dataclasses.dataclass
class Tally:
    target: str
    iterations: int = 0
    ok: int = 0
    error: int = 0
    crash: int = 0
    hang: int = 0
    seconds: float = 0.0
    worker_starts: int = 0
    findings: list[Finding] = dataclasses.field(default_factory=list)
    warnings: list[str] = dataclasses.field(default_factory=list)


def signature(result: Result) -> str:
    """What groups findings of one bug: the exception type or signal, where Rust panicked (or the message,
    numbers blanked) and the first frame of the project's code in the Rust backtrace, when there is one."""
    parts = [f"{result.outcome}: {result.kind}"]
    panic = re.search(r"panicked at (\S+?):?$", result.detail, re.MULTILINE)
    if panic:
        parts.append(f"panicked at {panic.group(1)}")
    elif result.outcome != "hang" and result.message:
        parts.append(re.sub(r"\d+", "N", result.message.splitlines()[0])[:160])
    frame = re.search(r"^\s*\d+: (capacitymetro::\S+)", result.detail, re.MULTILINE)
    if frame:
        parts.append(f"in {frame.group(1)}")
    return " | ".join(parts)


def save_finding(target: Target, data: bytes, result: Result, mutations: str, crash_dir: Path) -> Finding:
    """Writes the input as <sha1><suffix> and, beside it, <sha1>.txt with what happened."""
    folder = crash_dir / target.name
    folder.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha1(data).hexdigest()
    path = folder / f"{digest}{target.suffix}"
    path.write_bytes(data)
    shown = path.relative_to(HERE.parent) if path.is_relative_to(HERE.parent) else path
    replay = f".venv/bin/python fuzz/fuzz.py --replay {shown}"
    note = folder / f"{digest}.txt"
    note.write_text(
        f"target: {target.name} ({target.description})\noutcome: {result.outcome}\nkind: {result.kind}\n"
        f"signature: {signature(result)}\nmutations: {mutations}\nreplay: {replay}\n\n"
        f"message:\n{result.message}\n\ndetail (traceback, worker stderr):\n{result.detail}\n"
    )
    return Finding(target.name, path, note, result, signature(result))


def confirm_findings(target: Target, findings: list[Finding], args: argparse.Namespace, scratch: Path) -> None:
    """Runs each finding again in a worker that has seen no mutated input before, so a crash caused by
    state an earlier case left behind is told apart from one the input causes alone."""
    for finding in findings:
        worker = Worker(scratch, args.memory_mb, f"{target.name}-confirm")
        try:
            again = run_one(worker, target, finding.path.read_bytes(), scratch, args.timeout)
        finally:
            worker.stop()
        finding.reproduced = signature(again) == finding.signature
        with finding.note.open("a") as f:
            f.write(f"\nrun again in a fresh worker: {'same' if finding.reproduced else 'different'} outcome: {signature(again)}\n")


def run_one(worker: Worker, target: Target, data: bytes, scratch: Path, timeout: float) -> Result:
    """Runs one input; a death by signal right after someone rebuilt the core is run again in a new
    worker, so a half-written extension is not reported as a bug of the input."""
    case_dir = scratch / f"case-{target.name}"
    case_dir.mkdir(exist_ok=True)
    path = case_dir / f"case{target.suffix}"
    path.write_bytes(data)
    try:
        result = worker.run(target.name, path, timeout)
        if result.outcome == "crash" and result.kind.startswith("signal") and worker.core_changed():
            worker.stop()
            path.write_bytes(data)
            result = worker.run(target.name, path, timeout)
        return result
    finally:
        shutil.rmtree(case_dir, ignore_errors=True)  # the case and what the core wrote beside it


def fuzz_target(target: Target, args: argparse.Namespace, scratch: Path, log: Callable[[str], None]) -> Tally:
    tally = Tally(target.name)
    seeds = sorted(p for p in (CORPUS / target.name).iterdir() if p.is_file())
    if not seeds:
        raise WorkerUnavailable(f"no seeds in {CORPUS / target.name}")
    seed_bytes = [p.read_bytes() for p in seeds]
    if target.kind == "cmnet":  # a schema behind the format would leave only byte-level edits
        for p, data in zip(seeds, seed_bytes):
            parts = split_cmnet(data)
            if parts is None or bincode_layout(parts[1][0], SOURCE_SCHEMA) is None or bincode_layout(parts[1][1], NETWORK_SCHEMA) is None:
                tally.warnings.append(f"seed {p.name} does not decode with the schema in fuzz.py; update NETWORK_SCHEMA to src/network")
    rng = random.Random(f"{args.seed}/{target.name}")
    worker = Worker(scratch, args.memory_mb, target.name)
    started = time.monotonic()
    try:
        for i in range(args.iterations):
            if i < len(seeds):  # the seeds as they are first: each must be ok, or the corpus is stale
                data, mutations = seed_bytes[i], f"none (seed {seeds[i].name})"
            else:
                k = rng.randrange(len(seeds))
                data = mutate(rng, target.kind, seed_bytes[k], scratch)
                mutations = f"iteration {i} from seed {seeds[k].name} (--seed {args.seed})"
            result = run_one(worker, target, data, scratch, args.timeout)
            tally.iterations += 1
            setattr(tally, result.outcome, getattr(tally, result.outcome) + 1)
            if i < len(seeds) and result.outcome != "ok":
                tally.warnings.append(
                    f"seed {seeds[i].name} is not ok ({result.outcome}: {result.message[:200]}); regenerate the corpus with fuzz/make_corpus.py"
                )
            if result.outcome in ("crash", "hang"):
                finding = save_finding(target, data, result, mutations, args.crash_dir)
                tally.findings.append(finding)
                log(f"[{target.name}] {i}: {finding.signature} -> {finding.path}")
            elif args.verbose:
                log(f"[{target.name}] {i}: {result.outcome} {result.kind} {result.message[:120]!r}")
    finally:
        worker.stop()
        tally.worker_starts = worker.starts
        tally.seconds = time.monotonic() - started
    if args.confirm:
        confirm_findings(target, tally.findings, args, scratch)
    return tally


def print_report(tallies: list[Tally], seconds: float) -> None:
    header = ["target", "iterations", "ok", "clean errors", "crashes", "hangs", "seconds", "worker starts"]
    counts = [[t.iterations, t.ok, t.error, t.crash, t.hang] for t in tallies]
    rows: list[list[Any]] = [[t.target, *n, f"{t.seconds:.1f}", t.worker_starts] for t, n in zip(tallies, counts)]
    totals = [sum(n[c] for n in counts) for c in range(5)]
    rows.append(["total", *totals, f"{seconds:.1f}", sum(t.worker_starts for t in tallies)])
    widths = [max(len(str(r[c])) for r in [header, *rows]) for c in range(len(header))]

    def cells(row: list[Any]) -> str:  # the target name to the left, numbers to the right
        return "  ".join(str(v).ljust(w) if c == 0 else str(v).rjust(w) for c, (v, w) in enumerate(zip(row, widths)))

    rule = "  ".join("-" * w for w in widths)
    print("\n" + cells(header))
    print(rule)
    for r in rows:
        if r[0] == "total":
            print(rule)
        print(cells(r))
    for t in tallies:
        for warning in t.warnings:
            print(f"warning [{t.target}]: {warning}")
    groups: dict[str, list[Finding]] = {}
    for t in tallies:
        for f in t.findings:
            groups.setdefault(f"{f.target}: {f.signature}", []).append(f)
    if groups:
        print(f"\n{sum(len(g) for g in groups.values())} crashing or hanging inputs, {len(groups)} distinct:")
        for key, found in groups.items():
            first = found[0]
            checked = [f for f in found if f.reproduced is not None]
            again = f"; {sum(bool(f.reproduced) for f in checked)} of {len(checked)} the same in a fresh worker"
            print(f"\n* {key}\n  {len(found)} input(s){again if checked else ''}, e.g. {first.path}")
            print("  message: " + first.result.message.strip().replace("\n", "\n           ")[:600])


def replay(path: Path, args: argparse.Namespace) -> int:
    """Runs one saved input again in a fresh worker and prints the full result."""
    name = args.target[0] if args.target else path.resolve().parent.name
    if name not in TARGETS:
        print(f"cannot tell the target of {path}; pass --target ({', '.join(TARGETS)})", file=sys.stderr)
        return 2
    scratch = Path(tempfile.mkdtemp(prefix="capacitymetro-fuzz-"))
    worker = Worker(scratch, args.memory_mb, "replay")
    try:
        result = run_one(worker, TARGETS[name], path.read_bytes(), scratch, args.timeout)
    finally:
        worker.stop()
        shutil.rmtree(scratch, ignore_errors=True)
    print(f"target: {name}\noutcome: {result.outcome}\nkind: {result.kind}\nmessage: {result.message}")
    if result.detail:
        print(f"detail:\n{result.detail}")
    return 1 if result.outcome in ("crash", "hang") else 0


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="targets:\n" + "\n".join(f"  {t.name:15} {t.description}" for t in TARGETS.values()),
    )
    parser.add_argument("--iterations", type=int, default=300, help="cases per target (default 300)")
    parser.add_argument("--target", action="append", choices=list(TARGETS), help="only this target (repeatable)")
    parser.add_argument("--seed", default="0", help="seed of the mutations (default 0)")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds before a case counts as a hang")
    parser.add_argument("--jobs", type=int, default=2, help="targets fuzzed at once, one worker each (default 2)")
    parser.add_argument(
        "--memory-mb",
        type=int,
        default=2048,
        help="address-space limit of a worker, so a runaway allocation aborts (0: none; default 2048, a worker needs about 450)",
    )
    parser.add_argument("--crash-dir", type=Path, default=CRASHES, help="where findings go (default fuzz/crashes)")
    parser.add_argument("--replay", type=Path, metavar="FILE", help="run one saved input again and print the result")
    parser.add_argument(
        "--no-confirm",
        dest="confirm",
        action="store_false",
        help="do not run each finding again in a fresh worker at the end",
    )
    parser.add_argument("--verbose", action="store_true", help="print every case")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    if args.worker:
        return worker_main(args.memory_mb)
    if args.replay:
        return replay(args.replay, args)
    targets = [TARGETS[name] for name in (args.target or TARGETS)]
    scratch = Path(tempfile.mkdtemp(prefix="capacitymetro-fuzz-"))
    lock = threading.Lock()

    def log(text: str) -> None:
        with lock:
            print(text, flush=True)

    started = time.monotonic()
    tallies: dict[str, Tally] = {}
    failures: list[str] = []

    def work(target: Target) -> None:
        try:
            tallies[target.name] = fuzz_target(target, args, scratch, log)
            t = tallies[target.name]
            log(
                f"[{target.name}] done: {t.iterations} cases in {t.seconds:.1f} s "
                f"({t.ok} ok, {t.error} clean errors, {t.crash} crashes, {t.hang} hangs)"
            )
        except Exception:  # the fuzzer's own failure: reported, and the run exits 2
            failures.append(f"{target.name}: {traceback.format_exc()}")

    log(
        f"fuzzing {', '.join(t.name for t in targets)}: {args.iterations} cases each, seed {args.seed}, "
        f"timeout {args.timeout:g} s, {args.jobs} at once"
    )
    try:
        pending = list(targets)
        threads: list[threading.Thread] = []
        while pending or threads:
            while pending and len(threads) < max(1, args.jobs):
                thread = threading.Thread(target=work, args=(pending.pop(0),), daemon=True)
                thread.start()
                threads.append(thread)
            threads[0].join(0.2)
            threads = [t for t in threads if t.is_alive()]
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print_report([tallies[t.name] for t in targets if t.name in tallies], time.monotonic() - started)
    if failures:
        print("\nthe fuzzer could not run:\n" + "\n".join(failures), file=sys.stderr)
        return 2
    return 1 if any(t.crash or t.hang for t in tallies.values()) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
