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
from contextlib import closing
from pathlib import Path
from typing import Callable, Iterable, Optional, Union

from .. import _core, catalogue_form

PathLike = Union[str, "os.PathLike[str]"]

#: The catalogue fields, in the order of the core's ``services`` layer.
FIELDS = ("id", "name", "operator", "operator_kind", "categories", "languages", "opening_hours", "address",
          "municipality_istat", "phone", "email", "website", "appointment_required", "wheelchair", "capacity",
          "updated_at")
#: Fields holding a list, written ``a;b`` in CSV (the form the core's ``split_list`` reads first) and
#: ``{a,b}`` in a GeoPackage (as QGIS's multi-select writes it).
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


def _gpkg_point(lon: float, lat: float) -> bytes:
    """A GeoPackage geometry blob: header (magic, version 0, little-endian, no envelope, SRS 4326), WKB point."""
    return b"GP" + struct.pack("<BBi", 0, 1, 4326) + struct.pack("<BIdd", 1, 1, lon, lat)


def _gpkg_value(record: dict, field: str):
    value = record.get(field)
    if field in LIST_FIELDS:
        return catalogue_form.list_value(value or [])
    if field in ("operator_kind", "wheelchair"):
        return text_value(record, field) or None
    if field == "appointment_required":
        return None if value is None else int(bool(value))
    return value


def _write_catalogue_gpkg(path: Path, records: list, source: Path) -> None:
    """A catalogue as ``catalogue create`` makes it (QGIS form, change history; ``source``: where it will
    live), holding the records; lists in the form's ``{a,b}``. The import is the history's first entry."""
    catalogue_form.write_empty_catalogue(path, str(source), "en")
    lons = [r["lon"] for r in records] or [0.0]
    lats = [r["lat"] for r in records] or [0.0]
    with closing(sqlite3.connect(path)) as db, db:
        db.execute(f"UPDATE gpkg_contents SET min_x = ?, min_y = ?, max_x = ?, max_y = ? "
                   f"WHERE table_name = '{catalogue_form.LAYER}'", (min(lons), min(lats), max(lons), max(lats)))
        placeholders = ", ".join("?" for _ in range(len(FIELDS) + 1))
        db.executemany(f"INSERT INTO {catalogue_form.LAYER} (geom, {', '.join(FIELDS)}) VALUES ({placeholders})",
                       ([_gpkg_point(r["lon"], r["lat"]), *(_gpkg_value(r, f) for f in FIELDS)] for r in records))


def write_catalogue(records: list, out: PathLike) -> Path:
    """Writes the records as a catalogue (``.gpkg``: layer ``services`` in WGS 84; ``.csv``: lon/lat
    columns). The file is checked by the core before it replaces ``out``: CatalogueError lists every
    problem and nothing is written."""
    suffix = Path(out).suffix.lower()
    writers = {".gpkg": lambda path: _write_catalogue_gpkg(path, records, Path(out).resolve()),
               ".csv": lambda path: _write_catalogue_csv(path, records)}
    if suffix not in writers:
        raise _core.InputError(f"{out}: a catalogue is written as .gpkg or .csv, not '{suffix}'")
    layer = catalogue_form.LAYER if suffix == ".gpkg" else None
    return write_atomically(out, writers[suffix],
                            check=lambda path: _core.validate_catalogue(path, layer, _MERCATOR_EPSG))


def input_error(path: PathLike, record: Optional[str], field: Optional[str], message: str) -> _core.InputError:
    """An InputError naming the file, the record and the field."""
    where = ", ".join(part for part in (f"record {record}" if record else "", f"field {field}" if field else "") if part)
    error = _core.InputError(f"{path}: {where + ': ' if where else ''}{message}")
    error.problem = {"layer": str(path), "feature": record, "field": field, "message": message}
    return error
