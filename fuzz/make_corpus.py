"""Writes the fuzzer's seed corpus (fuzz/corpus/<target>/...): small valid inputs, one folder per target.

Run it after a change to the input formats (``.venv/bin/python fuzz/make_corpus.py``); the seeds are
committed, so ``make fuzz`` does not need it. The output is the same on every run (fixed timestamps,
fixed source paths), so a regeneration shows in ``git diff`` only when a format changed.
"""

from __future__ import annotations

import csv
import io
import os
import shutil
import sqlite3
import struct
import sys
import tempfile
import zipfile
import zlib
from pathlib import Path

from fuzz import CORPUS, GTFS_BASE_UTM33, GTFS_DATE, GTFS_STOPS
from fuzz import _varint as varint  # one protobuf varint encoder for seeds and mutants

# A fixed timestamp for zip members, so the seed zips are byte-identical between runs.
ZIP_TIME = (2026, 4, 1, 0, 0, 0)


# --------------------------------------------------------------------------- protobuf / OSM PBF


def zigzag(value: int) -> int:
    """Protobuf sint64 encoding."""
    return (value << 1) ^ (value >> 63)


def pb_int(field: int, value: int) -> bytes:
    """A varint field."""
    return varint(field << 3) + varint(value)


def pb_bytes(field: int, payload: bytes) -> bytes:
    """A length-delimited field."""
    return varint(field << 3 | 2) + varint(len(payload)) + payload


def pb_packed(field: int, values: list[int]) -> bytes:
    """A packed repeated varint field."""
    return pb_bytes(field, b"".join(varint(v) for v in values))


def deltas(values: list[int]) -> list[int]:
    """Delta coding, as DenseNodes and way refs store ids and coordinates."""
    return [v - p for v, p in zip(values, [0, *values[:-1]])]


class StringTable:
    """The string table of one PrimitiveBlock; index 0 is the empty string by convention."""

    def __init__(self) -> None:
        self.strings: list[str] = [""]

    def __call__(self, text: str) -> int:
        if text not in self.strings:
            self.strings.append(text)
        return self.strings.index(text)

    def encode(self) -> bytes:
        return pb_bytes(1, b"".join(pb_bytes(1, s.encode()) for s in self.strings))


def file_block(kind: str, message: bytes, compress: bool) -> bytes:
    """One fileblock: 4-byte big-endian header length, BlobHeader, Blob (zlib or raw)."""
    body = pb_int(2, len(message)) + pb_bytes(3, zlib.compress(message, 9)) if compress else pb_bytes(1, message)
    header = pb_bytes(1, kind.encode()) + pb_int(3, len(body))
    return struct.pack(">I", len(header)) + header + body


def header_block(bbox: tuple[float, float, float, float]) -> bytes:
    """HeaderBlock with a bounding box (left, right, top, bottom in degrees) and the required features."""
    box = b"".join(pb_int(i + 1, zigzag(round(v * 1e9))) for i, v in enumerate(bbox))
    return pb_bytes(1, box) + pb_bytes(4, b"OsmSchema-V0.6") + pb_bytes(4, b"DenseNodes") + pb_bytes(16, b"capacitymetro-fuzz")


Node = tuple[int, float, float, dict[str, str]]  # id, lat, lon, tags
Way = tuple[int, list[int], dict[str, str]]  # id, node refs, tags


def way_message(strings: StringTable, way: Way) -> bytes:
    way_id, refs, tags = way
    keys, values = [strings(k) for k in tags], [strings(v) for v in tags.values()]
    refs_coded = [zigzag(d) for d in deltas(refs)]
    return pb_int(1, way_id) + pb_packed(2, keys) + pb_packed(3, values) + pb_packed(8, refs_coded)


def primitive_block(
    nodes: list[Node],
    ways: list[Way],
    dense: bool,
    granularity: int = 100,
    offsets: tuple[int, int] = (0, 0),
    relation: bool = False,
) -> bytes:
    """A PrimitiveBlock: nodes (dense or plain) in one group, ways (and a relation) in another."""
    strings = StringTable()
    lat_offset, lon_offset = offsets

    def units(degrees: float, offset: int) -> int:
        return round((degrees * 1e9 - offset) / granularity)

    if dense:
        keys_vals: list[int] = []
        for _, _, _, tags in nodes:
            for k, v in tags.items():
                keys_vals += [strings(k), strings(v)]
            keys_vals.append(0)
        message = (
            pb_packed(1, [zigzag(d) for d in deltas([n[0] for n in nodes])])
            + pb_packed(8, [zigzag(d) for d in deltas([units(n[1], lat_offset) for n in nodes])])
            + pb_packed(9, [zigzag(d) for d in deltas([units(n[2], lon_offset) for n in nodes])])
            + pb_packed(10, keys_vals)
        )
        node_group = pb_bytes(2, message)
    else:
        node_group = b"".join(
            pb_bytes(
                1,
                pb_int(1, zigzag(node_id))
                + pb_packed(2, [strings(k) for k in tags])
                + pb_packed(3, [strings(v) for v in tags.values()])
                + pb_int(8, zigzag(units(lat, lat_offset)))
                + pb_int(9, zigzag(units(lon, lon_offset))),
            )
            for node_id, lat, lon, tags in nodes
        )
    way_group = b"".join(pb_bytes(3, way_message(strings, w)) for w in ways)
    if relation:  # a turn restriction: read past, never used, but its parser runs
        members = [ways[0][0], ways[1][0]]
        roles = [strings("from"), strings("to")]
        message = (
            pb_int(1, 900)
            + pb_packed(2, [strings("type"), strings("restriction")])
            + pb_packed(3, [strings("restriction"), strings("no_left_turn")])
            + pb_packed(8, roles)
            + pb_packed(9, [zigzag(d) for d in deltas(members)])
            + pb_packed(10, [1, 1])
        )
        way_group += pb_bytes(4, message)
    block = strings.encode() + pb_bytes(2, node_group) + pb_bytes(2, way_group)
    if granularity != 100:
        block += pb_int(17, granularity)
    if offsets != (0, 0):
        block += pb_int(19, lat_offset) + pb_int(20, lon_offset)
    return block


def write_pbf(path: Path, nodes: list[Node], ways: list[Way], *, dense: bool, compress: bool, **block: object) -> None:
    lats, lons = [n[1] for n in nodes], [n[2] for n in nodes]
    head = file_block("OSMHeader", header_block((min(lons), max(lons), max(lats), min(lats))), compress)
    data = file_block("OSMData", primitive_block(nodes, ways, dense, **block), compress)  # type: ignore[arg-type]
    path.write_bytes(head + data)


def mestre_streets() -> tuple[list[Node], list[Way]]:
    """Six nodes a few hundred metres apart in Mestre and ways of every kind the reader tells apart."""
    nodes: list[Node] = [
        (101, 45.4900, 12.2400, {}),
        (102, 45.4910, 12.2400, {"highway": "traffic_signals"}),
        (103, 45.4910, 12.2415, {}),
        (104, 45.4900, 12.2415, {"barrier": "gate"}),
        (105, 45.4890, 12.2430, {}),
        (106, 45.4880, 12.2450, {}),
    ]
    ways: list[Way] = [
        (201, [101, 102, 103], {"highway": "residential", "name": "Via Uno"}),
        (202, [103, 104], {"highway": "primary", "maxspeed": "50", "oneway": "yes"}),
        (203, [104, 101], {"highway": "footway"}),
        (204, [104, 105], {"highway": "cycleway", "oneway": "yes", "oneway:bicycle": "no"}),
        (205, [105, 106], {"route": "ferry", "duration": "00:10"}),
        (206, [102, 105], {"highway": "service", "access": "private", "foot": "yes", "motor_vehicle": "no"}),
    ]
    return nodes, ways


def lido_paths() -> tuple[list[Node], list[Way]]:
    """Four nodes on the Lido joined by steps and a tertiary road with a maxspeed in mph."""
    nodes: list[Node] = [
        (1, 45.4100, 12.3600, {}),
        (2, 45.4105, 12.3606, {}),
        (3, 45.4112, 12.3611, {}),
        (4, 45.4120, 12.3620, {"amenity": "bench"}),
    ]
    ways: list[Way] = [
        (11, [1, 2], {"highway": "steps"}),
        (12, [2, 3, 4], {"highway": "tertiary", "maxspeed": "20 mph"}),
    ]
    return nodes, ways


def write_pbf_seeds(folder: Path) -> None:
    nodes, ways = mestre_streets()
    write_pbf(folder / "mestre_dense.osm.pbf", nodes, ways, dense=True, compress=True, relation=True)
    nodes, ways = lido_paths()
    write_pbf(
        folder / "lido_plain_raw.osm.pbf",
        nodes,
        ways,
        dense=False,
        compress=False,
        granularity=1000,
        offsets=(45_000_000_000, 12_000_000_000),
    )


# --------------------------------------------------------------------------- saved networks


def write_cmnet_seeds(pbf_folder: Path, folder: Path) -> None:
    """Networks built from the PBF seeds and saved. They are built from a relative path in a scratch
    folder, so the saved source path ("fuzz-seed.osm.pbf") never exists where the fuzzer opens them and
    the loader uses the file as it is instead of rebuilding it."""
    import capacitymetro as cm

    here = Path.cwd()
    with tempfile.TemporaryDirectory() as scratch:
        os.chdir(scratch)
        try:
            for name, source, options in [
                ("mestre", "mestre_dense.osm.pbf", {}),
                ("lido_epsg3003", "lido_plain_raw.osm.pbf", {"working_epsg": 3003}),
            ]:
                shutil.copy(pbf_folder / source, "fuzz-seed.osm.pbf")
                network = cm.Network.build("fuzz-seed.osm.pbf", **options)
                network.save(folder / f"{name}.cmnet")
                os.unlink("fuzz-seed.osm.pbf")
        finally:
            os.chdir(here)


# --------------------------------------------------------------------------- catalogues

# fmt: off
CATALOGUE_FIELDS = ["id", "name", "operator", "operator_kind", "categories", "languages", "opening_hours",
                    "address", "municipality_istat", "phone", "email", "website", "appointment_required",
                    "wheelchair", "capacity", "updated_at", "lon", "lat"]
CATALOGUE_ROWS = [
    ["F-01", "Sportello Immigrazione", "Comune di Venezia", "public", "legal;information", "it;en;ar",
     "Mo-Fr 09:00-12:30; Tu,Th 14:30-16:30", "Via Uno 1, Mestre", "027042", "+39 041 000 0001",
     "a@example.org", "https://example.org", "yes", "yes", "120", "2026-11-01", "12.243529", "45.493889"],
    ["F-02", "Centro per l'Impiego", "Regione del Veneto", "public", "work", "it;en",
     "Mo-Fr 09:00-12:30", "Via Due 2, Mestre", "027042", "", "", "", "no", "yes", "150", "2026-11-01",
     "12.244513", "45.496746"],
    ["F-03", "Ambulatorio, \"STP\"", "ULSS 3", "third_sector", "health;mediation", "it;fr;bn;zh;uk",
     "Mo,We,Fr 08:30-12:00; PH off", "Calle Tre, Venezia", "027042", "", "", "", "", "", "", "", "12.335", "45.4375"],
]
# fmt: on


def write_catalogue_csvs(folder: Path) -> None:
    with (folder / "services.csv").open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(CATALOGUE_FIELDS)
        writer.writerows(CATALOGUE_ROWS)
    # The other spellings the reader accepts: x/y coordinates, a BOM and CRLF line ends, fewer fields.
    short = ["id", "name", "operator_kind", "categories", "languages", "opening_hours", "municipality_istat", "x", "y"]
    with (folder / "xy_bom_crlf.csv").open("w", newline="", encoding="utf-8-sig") as f:
        writer = csv.writer(f, lineterminator="\r\n")
        writer.writerow(short)
        for row in CATALOGUE_ROWS[:2]:
            record = dict(zip(CATALOGUE_FIELDS, row))
            writer.writerow([record.get(k, "") for k in short[:-2]] + [record["lon"], record["lat"]])


def write_catalogue_gpkgs(folder: Path) -> None:
    """GeoPackages written by GDAL (through pyogrio) without a spatial index, then vacuumed with 1 KiB pages
    so each is about 25 KB instead of about 100."""
    import geopandas as gpd
    from shapely.geometry import Point

    records: list[dict[str, object]] = [dict(zip(CATALOGUE_FIELDS, row)) for row in CATALOGUE_ROWS]
    for record in records:
        record["capacity"] = int(str(record["capacity"])) if record["capacity"] else None  # an integer column
    for name, epsg in [("services_4326", 4326), ("services_32633", 32633)]:
        frame = gpd.GeoDataFrame(
            [{k: v for k, v in r.items() if k not in ("lon", "lat")} for r in records],
            geometry=[Point(float(str(r["lon"])), float(str(r["lat"]))) for r in records],
            crs=4326,
        ).to_crs(epsg)
        path = folder / f"{name}.gpkg"
        path.unlink(missing_ok=True)
        # VERSION: pyogrio's GDAL would write GeoPackage 1.4, which the system GDAL of the core only warns about.
        frame.to_file(path, layer="services", driver="GPKG", engine="pyogrio", SPATIAL_INDEX="NO", VERSION="1.2")
        connection = sqlite3.connect(path)
        try:
            connection.execute("UPDATE gpkg_contents SET last_change = '2026-04-01T00:00:00.000Z'")  # reproducible
            connection.commit()
            connection.execute("PRAGMA page_size = 1024")
            connection.execute("VACUUM")
        finally:
            connection.close()


# --------------------------------------------------------------------------- GTFS


def table(rows: list[dict[str, str]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def write_zip(path: Path, members: dict[str, str]) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in members.items():
            info = zipfile.ZipInfo(name, ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, text)


def gtfs_stops() -> list[dict[str, str]]:
    """The stops of GTFS_STOPS with lon/lat from their EPSG:32633 offsets."""
    from pyproj import Transformer

    to_lonlat = Transformer.from_crs("EPSG:32633", "EPSG:4326", always_xy=True)
    rows = []
    for stop_id, (dx, dy) in GTFS_STOPS.items():
        lon, lat = to_lonlat.transform(GTFS_BASE_UTM33[0] + dx, GTFS_BASE_UTM33[1] + dy)
        rows.append(
            {
                "stop_id": stop_id,
                "stop_name": f"Fermata {stop_id}",
                "stop_lat": f"{lat:.7f}",
                "stop_lon": f"{lon:.7f}",
                "location_type": "",
                "parent_station": "",
            }
        )
    return rows


def calls(trip_id: str, times: list[tuple[str, str]]) -> list[dict[str, str]]:
    return [
        {"trip_id": trip_id, "arrival_time": t, "departure_time": t, "stop_id": s, "stop_sequence": str(i + 1)} for i, (s, t) in enumerate(times)
    ]


def write_gtfs_seeds(folder: Path) -> None:
    day = GTFS_DATE.replace("-", "")
    agency = table(
        [
            {
                "agency_id": "FZ",
                "agency_name": "Fuzz Navigazione",
                "agency_url": "https://example.org",
                "agency_timezone": "Europe/Rome",
            }
        ]
    )
    routes = table(
        [
            {
                "route_id": "R1",
                "agency_id": "FZ",
                "route_short_name": "1",
                "route_long_name": "Linea 1",
                "route_type": "4",
            }
        ]
    )
    calendar = table(
        [
            {
                "service_id": "WK",
                "monday": "1",
                "tuesday": "1",
                "wednesday": "1",
                "thursday": "1",
                "friday": "1",
                "saturday": "0",
                "sunday": "0",
                "start_date": "20260101",
                "end_date": "20261231",
            }
        ]
    )
    # Timed trips, an added and a removed service day.
    write_zip(
        folder / "timed.zip",
        {
            "agency.txt": agency,
            "stops.txt": table(gtfs_stops()),
            "routes.txt": routes,
            "calendar.txt": calendar,
            "calendar_dates.txt": table(
                [
                    {"service_id": "WK", "date": "20261225", "exception_type": "2"},
                    {"service_id": "EX", "date": day, "exception_type": "1"},
                ]
            ),
            "trips.txt": table(
                [
                    {"route_id": "R1", "service_id": "WK", "trip_id": "T1"},
                    {"route_id": "R1", "service_id": "EX", "trip_id": "T2"},
                ]
            ),
            "stop_times.txt": table(
                calls("T1", [("A", "08:01:00"), ("B", "08:06:00"), ("C", "08:12:00")]) + calls("T2", [("C", "08:02:00"), ("A", "24:10:00")])
            ),
        },
    )
    # A frequency-based trip, a station with a platform, transfers, shapes and feed_info.
    stops = gtfs_stops()
    stops[0]["parent_station"] = "ST"
    stops.append({**stops[0], "stop_id": "ST", "stop_name": "Stazione", "location_type": "1", "parent_station": ""})
    write_zip(
        folder / "frequencies.zip",
        {
            "agency.txt": agency,
            "stops.txt": table(stops),
            "routes.txt": routes,
            "calendar.txt": calendar,
            "trips.txt": table([{"route_id": "R1", "service_id": "WK", "trip_id": "F1", "shape_id": "SH"}]),
            "stop_times.txt": table(calls("F1", [("A", "10:00:00"), ("B", "10:04:00"), ("C", "10:09:00")])),
            "frequencies.txt": table([{"trip_id": "F1", "start_time": "07:55:00", "end_time": "08:20:00", "headway_secs": "300"}]),
            "transfers.txt": table([{"from_stop_id": "B", "to_stop_id": "C", "transfer_type": "2", "min_transfer_time": "120"}]),
            "shapes.txt": table(
                [
                    {
                        "shape_id": "SH",
                        "shape_pt_lat": s["stop_lat"],
                        "shape_pt_lon": s["stop_lon"],
                        "shape_pt_sequence": str(i),
                    }
                    for i, s in enumerate(gtfs_stops())
                ]
            ),
            "feed_info.txt": table(
                [
                    {
                        "feed_publisher_name": "Fuzz",
                        "feed_publisher_url": "https://example.org",
                        "feed_lang": "it",
                        "feed_start_date": "20260101",
                        "feed_end_date": "20261231",
                    }
                ]
            ),
        },
    )


def main() -> int:
    folders = {name: CORPUS / name for name in ("pbf", "cmnet", "catalogue_csv", "catalogue_gpkg", "gtfs")}
    for folder in folders.values():
        folder.mkdir(parents=True, exist_ok=True)
    write_pbf_seeds(folders["pbf"])
    write_cmnet_seeds(folders["pbf"], folders["cmnet"])
    write_catalogue_csvs(folders["catalogue_csv"])
    write_catalogue_gpkgs(folders["catalogue_gpkg"])
    write_gtfs_seeds(folders["gtfs"])
    for folder in folders.values():
        for path in sorted(folder.iterdir()):
            print(f"{path.relative_to(CORPUS.parent)}: {path.stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
