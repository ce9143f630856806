"""Exchange of the service catalogue with the formats the field uses:
Open Referral HSDS 3.0 (JSON and the tabular CSV package), OpenStreetMap
(candidate desks from a PBF file, an osmChange draft for review) and a plain
CSV file for spreadsheets. One module per format; each export and import
returns ``services``, ``out`` and ``warnings`` (what a format cannot say,
naming the service), and writes a temporary file moved into place.
"""

from __future__ import annotations

from .catalogue import read_catalogue, write_catalogue
from .csvfile import convert
from .hsds import export_hsds, import_hsds
from .osm import export_osmchange, import_osm

#: ``--format`` of ``capacitymetro catalogue export``: what each writes.
EXPORT_FORMATS = {"hsds-json": "Open Referral HSDS 3.0 JSON (a page of nested services)",
                  "hsds-csv": "Open Referral HSDS 3.0 tabular package (a folder of CSV files and datapackage.json)",
                  "csv": "CSV for spreadsheets (lists with ';', lon/lat columns)",
                  "osmchange": "OpenStreetMap osmChange draft (.osc) for review; never uploaded"}
#: ``--format`` of ``capacitymetro catalogue import``: what each reads.
IMPORT_FORMATS = {"hsds-json": "Open Referral HSDS 3.0 JSON (a service, a list or a page of services)",
                  "hsds-csv": "Open Referral HSDS 3.0 tabular package (its folder or datapackage.json)",
                  "csv": "CSV for spreadsheets (lists with ';', lon/lat columns)",
                  "osm-pbf": "candidate desks from an OpenStreetMap PBF file (needs pyosmium)"}


def export_catalogue(catalogue, out, format: str, layer=None) -> dict:
    """Writes the catalogue in one of EXPORT_FORMATS."""
    if format == "osmchange":
        return export_osmchange(catalogue, out, layer)
    if format == "csv":
        return convert(catalogue, out, layer)
    return export_hsds(catalogue, out, tabular=format == "hsds-csv", layer=layer)


def import_catalogue(source, out, format: str) -> dict:
    """Reads one of IMPORT_FORMATS and writes a catalogue (``.gpkg`` or ``.csv``)."""
    if format == "osm-pbf":
        return import_osm(source, out)
    if format == "csv":
        return convert(source, out)
    return import_hsds(source, out, tabular=format == "hsds-csv")


__all__ = ["EXPORT_FORMATS", "IMPORT_FORMATS", "convert", "export_catalogue", "export_hsds", "export_osmchange",
           "import_catalogue", "import_hsds", "import_osm", "read_catalogue", "write_catalogue"]
