"""OpenStreetMap: candidate desks from a PBF file, and the catalogue as an
osmChange draft for the office to review (never uploaded by this tool).

Candidates (nodes, and ways at their centroid) are objects tagged
- ``amenity=social_facility`` with ``social_facility=outreach`` or
  ``social_facility:for=migrant|refugee|displaced``,
- ``office=ngo``, ``amenity=community_centre``, ``amenity=language_school``,
- ``healthcare=*`` (clinics, doctors, counselling, ...).

Tags -> catalogue fields: ``name`` (else the kind and the OSM id),
``operator``, ``opening_hours``, ``language:XX=yes`` -> languages,
``wheelchair``, ``phone``/``contact:phone``, ``email``/``contact:email``,
``website``/``contact:website``, ``addr:street`` ``addr:housenumber``,
``addr:postcode`` ``addr:city`` -> address; ``check_date`` -> updated_at;
the id is ``osm-node-N`` / ``osm-way-N``.

Categories guessed from tags (see ``categories_of``): ``social_facility:for``
refugee or displaced -> asylum; migrant -> legal; outreach -> information;
``amenity=language_school`` -> italian_courses; ``healthcare=*`` -> health;
``office=ngo`` and ``amenity=community_centre`` -> information. The office
reviews them. A value the core refuses (an unknown language code, an
opening_hours it cannot parse) is left out with a warning naming the object
and the field.

The osmChange draft holds one ``<create>`` node per service (negative ids)
with ``amenity=social_facility``, ``social_facility=outreach``,
``social_facility:for=migrant`` and the fields mapped back to tags. Services
that came from OpenStreetMap (``osm-node-N``) are not created again; they are
reported.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Optional

from .. import _core
from .catalogue import CHOICE_FIELDS, COORDINATE_DECIMALS, PathLike, input_error, read_catalogue, write_atomically, write_catalogue

SOCIAL_FACILITY_FOR = {"migrant": "legal", "refugee": "asylum", "displaced": "asylum"}
#: ``key=value`` (value None: any) of the other candidates, with the category each suggests.
CANDIDATE_TAGS = {("office", "ngo"): "information", ("amenity", "community_centre"): "information",
                  ("amenity", "language_school"): "italian_courses", ("healthcare", None): "health"}
OSM_ID = re.compile(r"^osm-(node|way)-(\d+)$")
#: Catalogue field -> the OSM tags it is read from, first found wins.
TAG_FIELDS = {"name": ("name",), "operator": ("operator",), "opening_hours": ("opening_hours",),
              "wheelchair": ("wheelchair",), "phone": ("phone", "contact:phone"), "email": ("email", "contact:email"),
              "website": ("website", "contact:website"), "updated_at": ("check_date",)}


def _for_values(tags: dict) -> list:
    return [v.strip() for v in tags.get("social_facility:for", "").split(";") if v.strip()]


def is_candidate(tags: dict) -> bool:
    """Whether an OSM object with these tags is a candidate desk."""
    if tags.get("amenity") == "social_facility" and (
            tags.get("social_facility") == "outreach" or set(_for_values(tags)) & set(SOCIAL_FACILITY_FOR)):
        return True
    return any(key in tags and (value is None or tags[key] == value) for key, value in CANDIDATE_TAGS)


def categories_of(tags: dict) -> list:
    """The categories an object's tags suggest (vocabulary order), at least one."""
    found = {SOCIAL_FACILITY_FOR[v] for v in _for_values(tags) if v in SOCIAL_FACILITY_FOR}
    if tags.get("social_facility") == "outreach":
        found.add("information")
    found |= {category for (key, value), category in CANDIDATE_TAGS.items()
              if key in tags and (value is None or tags[key] == value)}
    return [c["id"] for c in _core.vocabulary() if c["id"] in found] or ["information"]


def _kind(tags: dict) -> str:
    for key in ("amenity", "office", "healthcare"):
        if key in tags:
            return f"{key}={tags[key]}"
    return "object"


def record_from_tags(osm_type: str, osm_id: int, tags: dict, lon: float, lat: float) -> dict:
    """A catalogue record from an OSM object's tags and position."""
    record: dict = {field: next((tags[t] for t in keys if tags.get(t)), "") for field, keys in TAG_FIELDS.items()}
    key = f"osm-{osm_type}-{osm_id}"
    record["name"] = record["name"] or f"{_kind(tags)} ({osm_type} {osm_id})"
    street = " ".join(tags[k] for k in ("addr:street", "addr:housenumber") if tags.get(k))
    place = " ".join(tags[k] for k in ("addr:postcode", "addr:city") if tags.get(k))
    record.update({
        "id": key, "operator_kind": None, "categories": categories_of(tags),
        "languages": sorted(k.split(":", 1)[1] for k, v in tags.items() if k.startswith("language:") and v == "yes"),
        "address": ", ".join(p for p in (street, place) if p), "municipality_istat": "",
        "appointment_required": None, "wheelchair": record["wheelchair"] or None, "capacity": 1.0,
        "lon": round(lon, COORDINATE_DECIMALS), "lat": round(lat, COORDINATE_DECIMALS),
    })
    return record


def centroid(points: list) -> Optional[tuple]:
    """The centroid of a way: of its area when closed (shoelace), else the mean of its nodes."""
    if not points:
        return None
    if len(points) >= 4 and points[0] == points[-1]:
        twice_area = cx = cy = 0.0
        x0, y0 = points[0]
        for (x1, y1), (x2, y2) in zip(points, points[1:]):
            cross = (x1 - x0) * (y2 - y0) - (x2 - x0) * (y1 - y0)
            twice_area += cross
            cx += (x1 + x2 - 2 * x0) * cross
            cy += (y1 + y2 - 2 * y0) * cross
        if twice_area:
            return x0 + cx / (3 * twice_area), y0 + cy / (3 * twice_area)
        points = points[:-1]
    return sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points)


def candidates(pbf: PathLike) -> tuple:
    """``(records, warnings)``: the candidate desks of an OSM file (PBF, or any format osmium reads)."""
    try:
        import osmium
    except ImportError:
        raise _core.InputError("reading OpenStreetMap files needs pyosmium: pip install 'capacitymetro[osm]'") from None
    path = Path(pbf)
    if not path.is_file():
        raise input_error(path, None, None, "no such file")
    records, warnings = [], []
    try:
        processor = osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY).with_locations()
        for obj in processor:
            tags = dict(obj.tags)
            if not is_candidate(tags):
                continue
            if obj.is_node():
                position = (obj.location.lon, obj.location.lat) if obj.location.valid() else None
                osm_type = "node"
            else:
                points = [(n.lon, n.lat) for n in obj.nodes if n.location.valid()]
                position = centroid(points) if len(points) == len(obj.nodes) else None
                osm_type = "way"
            if position is None:
                warnings.append(f"{path}: {osm_type} {obj.id} ({_kind(tags)}): nodes without a location in the file; "
                                "left out")
                continue
            records.append(record_from_tags(osm_type, obj.id, tags, *position))
    except RuntimeError as error:
        raise input_error(path, None, None, f"not readable as OpenStreetMap data ({error})") from None
    return records, warnings


def _leave_out(records: list, problems: list, warnings: list) -> None:
    """Leaves out each value the core's validation refused (an unknown language code, unparsable
    opening_hours, ...), with a warning naming the object and the field."""
    by_id = {r["id"]: r for r in records}
    for problem in problems:
        record, field = by_id.get(problem["feature"]), problem["field"]
        if record is None or field not in record or field in ("id", "name", "categories"):
            raise _core.CatalogueError(f"{problem['feature']}: {field}: {problem['message']}")
        warnings.append(f"{record['id']}: {field}: {problem['message']}; left out")
        if isinstance(record[field], list):
            record[field] = [v for v in record[field] if f"'{v}'" not in problem["message"]]
        else:
            record[field] = None if field in CHOICE_FIELDS else ""


def import_osm(pbf: PathLike, out: PathLike) -> dict:
    """Writes the candidate desks of an OSM file as a catalogue (``.gpkg`` or ``.csv``). Returns
    ``services``, ``nodes``, ``ways``, ``out`` and ``warnings``."""
    records, warnings = candidates(pbf)
    if not records:
        raise input_error(pbf, None, None, "no candidate desks (see capacitymetro.exchange.osm for the tags read)")
    try:
        written = write_catalogue(records, out)
    except _core.CatalogueError as error:
        _leave_out(records, error.problems, warnings)
        written = write_catalogue(records, out)
    return {"services": len(records), "nodes": sum(r["id"].startswith("osm-node-") for r in records),
            "ways": sum(r["id"].startswith("osm-way-") for r in records), "out": written, "warnings": warnings}


# ---------------------------------------------------------------- osmChange


def tags_of(record: dict) -> dict:
    """The OSM tags of a catalogue record (the fields OSM has tags for)."""
    tags = {"amenity": "social_facility", "social_facility": "outreach", "social_facility:for": "migrant",
            "name": record["name"]}
    for field, keys in TAG_FIELDS.items():
        if field != "name" and record.get(field):
            tags[keys[0]] = record[field]
    tags.update({f"language:{code}": "yes" for code in record["languages"]})
    if record["address"]:
        tags["addr:full"] = record["address"]
    if record["operator_kind"] in ("public", "third_sector"):
        tags["operator:type"] = {"public": "public", "third_sector": "ngo"}[record["operator_kind"]]
    return tags


def osmchange_of(records: list) -> tuple:
    """``(root element, warnings)``: an osmChange 0.6 document with one ``<create>`` node per record
    not already in OpenStreetMap."""
    root = ET.Element("osmChange", version="0.6", generator=f"CapaCityMetro {_core.__version__} (draft, review "
                      "before any upload)")
    create = ET.SubElement(root, "create")
    warnings = []
    for record in records:
        known = OSM_ID.match(record["id"])
        if known:
            warnings.append(f"service {record['id']}: already in OpenStreetMap as {known[1]} {known[2]}; not created "
                            "again (edit it there)")
            continue
        node = ET.SubElement(create, "node", id=str(-len(create) - 1), version="0",
                             lat=f"{record['lat']:.7f}", lon=f"{record['lon']:.7f}")
        for key, value in tags_of(record).items():
            ET.SubElement(node, "tag", k=key, v=value)
    return root, warnings


def export_osmchange(catalogue: PathLike, out: PathLike, layer: Optional[str] = None) -> dict:
    """Writes the catalogue as an osmChange draft (``.osc``) for review; nothing is uploaded."""
    root, warnings = osmchange_of(read_catalogue(catalogue, layer))
    ET.indent(root)
    written = write_atomically(out, lambda path: ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True))
    return {"services": len(root[0]), "out": written, "warnings": warnings}
