"""The catalogue as a CSV file, for offices that keep the list in a spreadsheet.

One row per desk; the columns are the catalogue fields in the core's order
(``id, name, operator, operator_kind, categories, languages, opening_hours,
address, municipality_istat, phone, email, website, appointment_required,
wheelchair, capacity, updated_at``) then ``lon`` and ``lat`` (WGS 84
degrees, 7 decimals). The list fields ``categories`` and ``languages`` are
written with ``;`` between the items and no spaces (``legal;health``,
``it;en;ar``); ``appointment_required`` is ``yes``/``no`` or empty; text is
UTF-8, quoted where it holds a comma, a quote or a line break. This is the
form of the embedded ``services.csv``; on reading, the core also accepts
``,`` or ``|`` between items and a JSON-like ``["a","b"]``.

Export then import gives back the same catalogue.
"""

from __future__ import annotations

from typing import Optional

from .catalogue import PathLike, read_catalogue, write_catalogue


def convert(source: PathLike, out: PathLike, layer: Optional[str] = None) -> dict:
    """Reads a catalogue (any OGR format the core reads; a CSV with lon/lat columns) and writes it as
    ``.csv`` or ``.gpkg``: export to a spreadsheet, or import from one. Returns ``services`` and ``out``."""
    records = read_catalogue(source, layer)
    return {"services": len(records), "out": write_catalogue(records, out), "warnings": []}
