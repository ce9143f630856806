"""The catalogue as the exchange formats see it: records read and validated
by the core, with WGS 84 longitude and latitude, and written back as a
GeoPackage or a CSV file (temporary file, validated by the core, then moved
into place).

A record is a dict with the catalogue fields (``_core`` names and types:
``categories`` and ``languages`` lists, ``appointment_required`` bool or
None, ``wheelchair`` and ``operator_kind`` text or None, ``capacity``
float) plus ``lon`` and ``lat`` (degrees, WGS 84, rounded to
``COORDINATE_DECIMALS``).
"""

from __future__ import annotations

import csv
import math
import os
import shutil
import sqlite3
import struct
import tempfile
from pathlib import Path
from typing import Callable, Iterable, Optional, Union

from .. import _core

PathLike = Union[str, "os.PathLike[str]"]

#: The catalogue fields, in the order of the core's ``services`` layer.
FIELDS = ("id", "name", "operator", "operator_kind", "categories", "languages", "opening_hours", "address",
          "municipality_istat", "phone", "email", "website", "appointment_required", "wheelchair", "capacity",
          "updated_at")
#: Fields holding a list, written ``a;b`` (the form the core's ``split_list`` reads first).
LIST_FIELDS = ("categories", "languages")
LIST_SEPARATOR = ";"
#: Fields that are not free text.
CHOICE_FIELDS = ("categories", "languages", "operator_kind", "appointment_required", "wheelchair", "capacity")
#: 7 decimals of a degree: about 1 cm, finer than any desk's position.
COORDINATE_DECIMALS = 7
#: The catalogue is read in Web Mercator (EPSG:3857, metres), whose inverse is closed-form,
#: so longitude and latitude come back without a projection library.
_MERCATOR_EPSG = 3857
_MERCATOR_RADIUS_M = 6378137.0


def lonlat_from_mercator(x: float, y: float) -> tuple:
    """EPSG:3857 metres to WGS 84 degrees (the spherical inverse PROJ uses)."""
    lon = math.degrees(x / _MERCATOR_RADIUS_M)
    lat = math.degrees(2.0 * math.atan(math.exp(y / _MERCATOR_RADIUS_M)) - math.pi / 2.0)
    return round(lon, COORDINATE_DECIMALS), round(lat, COORDINATE_DECIMALS)


def read_catalogue(path: PathLike, layer: Optional[str] = None) -> list:
    """The catalogue's records, validated by the core (CatalogueError lists every problem)."""
    services, _epsg = _core.validate_catalogue(path, layer, _MERCATOR_EPSG)
    records = []
    for service in services:
        record = {field: service[field] for field in FIELDS}
        record["lon"], record["lat"] = lonlat_from_mercator(service["x"], service["y"])
        records.append(record)
    return records


def normalised(record: dict) -> dict:
    """A record in the form the core returns it (the form to compare records in):
    text stripped, categories in vocabulary order, languages lower case,
    empty choices None, capacity 1 when absent, coordinates rounded."""
    order = {c["id"]: i for i, c in enumerate(_core.vocabulary())}
    out = {field: (record.get(field) or "").strip() for field in FIELDS if field not in CHOICE_FIELDS}
    out.update({field: record.get(field) or None for field in CHOICE_FIELDS})
    out["categories"] = sorted(set(record.get("categories") or []), key=lambda c: order.get(c, len(order)))
    out["languages"] = [code.lower() for code in record.get("languages") or []]
    appointment = record.get("appointment_required")
    out["appointment_required"] = None if appointment is None else bool(appointment)
    out["capacity"] = float(record.get("capacity") or 1.0)
    out["lon"] = round(float(record["lon"]), COORDINATE_DECIMALS)
    out["lat"] = round(float(record["lat"]), COORDINATE_DECIMALS)
    return out


def text_value(record: dict, field: str) -> str:
    """A field as text in a table cell: lists joined with ``;``, yes/no, numbers in short form."""
    value = record.get(field)
    if value is None:
        return ""
    if field in LIST_FIELDS:
        return LIST_SEPARATOR.join(value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.15g}"
    return str(value)


def write_atomically(path: PathLike, write: Callable[[Path], None], check: Optional[Callable[[Path], None]] = None) -> Path:
    """``write(temporary)`` beside ``path`` (a file or a folder), then ``check(temporary)``, then
    moved into place; on any error the temporary is removed and ``path`` left as it was."""
    target = Path(path)
    if not target.parent.is_dir():
        raise _core.InputError(f"{target}: the folder {target.parent} does not exist")
    scratch = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}."))
    temporary = scratch / target.name
    try:
        write(temporary)
        if check is not None:
            check(temporary)
        if target.is_dir():
            shutil.rmtree(target)
        os.replace(temporary, target)
    finally:
        shutil.rmtree(scratch)
    return target


def write_csv_rows(path: Path, header: Iterable[str], rows: Iterable[Iterable[str]]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(list(header))
        writer.writerows(rows)


def _write_catalogue_csv(path: Path, records: list) -> None:
    write_csv_rows(path, [*FIELDS, "lon", "lat"],
                   ([*(text_value(r, f) for f in FIELDS), text_value(r, "lon"), text_value(r, "lat")] for r in records))


_WGS84_WKT = ('GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],'
              'AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,'
              'AUTHORITY["EPSG","9122"]],AXIS["Latitude",NORTH],AXIS["Longitude",EAST],AUTHORITY["EPSG","4326"]]')
#: SQLite column type of each catalogue field in the GeoPackage (as the core's ``services`` layer).
_GPKG_TYPES = {"appointment_required": "BOOLEAN", "capacity": "REAL"}


def _gpkg_point(lon: float, lat: float) -> bytes:
    """A GeoPackage geometry blob: header (magic, version 0, little-endian, no envelope, SRS 4326), WKB point."""
    return b"GP" + struct.pack("<BBi", 0, 1, 4326) + struct.pack("<BIdd", 1, 1, lon, lat)


def _gpkg_value(record: dict, field: str):
    value = record.get(field)
    if field in LIST_FIELDS or field in ("operator_kind", "wheelchair"):
        return text_value(record, field) or None
    if field == "appointment_required":
        return None if value is None else int(bool(value))
    return value


def _write_catalogue_gpkg(path: Path, records: list) -> None:
    """A GeoPackage 1.2 with one point layer ``services`` in WGS 84, written with SQLite alone."""
    columns = ", ".join(f'"{f}" {_GPKG_TYPES.get(f, "TEXT")}' for f in FIELDS)
    lons = [r["lon"] for r in records] or [0.0]
    lats = [r["lat"] for r in records] or [0.0]
    with sqlite3.connect(path) as db:
        db.executescript(f"""
            PRAGMA application_id = 1196444487;
            PRAGMA user_version = 10200;
            CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT NOT NULL, srs_id INTEGER PRIMARY KEY,
                organization TEXT NOT NULL, organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL,
                description TEXT);
            CREATE TABLE gpkg_contents (table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL,
                identifier TEXT UNIQUE, description TEXT DEFAULT '',
                last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
                min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, srs_id INTEGER,
                FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id));
            CREATE TABLE gpkg_geometry_columns (table_name TEXT NOT NULL, column_name TEXT NOT NULL,
                geometry_type_name TEXT NOT NULL, srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL,
                PRIMARY KEY (table_name, column_name), UNIQUE (table_name),
                FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name),
                FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id));
            CREATE TABLE services (fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, geom POINT, {columns});
        """)
        db.executemany("INSERT INTO gpkg_spatial_ref_sys VALUES (?, ?, ?, ?, ?, ?)", [
            ("Undefined cartesian SRS", -1, "NONE", -1, "undefined", "undefined cartesian coordinate reference system"),
            ("Undefined geographic SRS", 0, "NONE", 0, "undefined", "undefined geographic coordinate reference system"),
            ("WGS 84 geodetic", 4326, "EPSG", 4326, _WGS84_WKT, "longitude/latitude coordinates in decimal degrees"),
        ])
        db.execute("INSERT INTO gpkg_contents (table_name, data_type, identifier, description, min_x, min_y, max_x, "
                   "max_y, srs_id) VALUES ('services', 'features', 'services', 'Services for migrants', ?, ?, ?, ?, 4326)",
                   (min(lons), min(lats), max(lons), max(lats)))
        db.execute("INSERT INTO gpkg_geometry_columns VALUES ('services', 'geom', 'POINT', 4326, 0, 0)")
        placeholders = ", ".join("?" for _ in range(len(FIELDS) + 1))
        db.executemany(f"INSERT INTO services (geom, {', '.join(FIELDS)}) VALUES ({placeholders})",
                       ([_gpkg_point(r["lon"], r["lat"]), *(_gpkg_value(r, f) for f in FIELDS)] for r in records))


WRITERS = {".gpkg": _write_catalogue_gpkg, ".csv": _write_catalogue_csv}


def write_catalogue(records: list, out: PathLike) -> Path:
    """Writes the records as a catalogue (``.gpkg``: layer ``services`` in WGS 84; ``.csv``: lon/lat
    columns). The file is checked by the core before it replaces ``out``: CatalogueError lists every
    problem and nothing is written."""
    suffix = Path(out).suffix.lower()
    if suffix not in WRITERS:
        raise _core.InputError(f"{out}: a catalogue is written as .gpkg or .csv, not '{suffix}'")
    return write_atomically(out, lambda path: WRITERS[suffix](path, records),
                            check=lambda path: _core.validate_catalogue(path, None, _MERCATOR_EPSG))


def input_error(path: PathLike, record: Optional[str], field: Optional[str], message: str) -> _core.InputError:
    """An InputError naming the file, the record and the field."""
    where = ", ".join(part for part in (f"record {record}" if record else "", f"field {field}" if field else "") if part)
    error = _core.InputError(f"{path}: {where + ': ' if where else ''}{message}")
    error.problem = {"layer": str(path), "feature": record, "field": field, "message": message}
    return error
