"""Open Referral HSDS 3.0: the catalogue as organizations, services,
locations, services at locations, schedules, languages, phones and
accessibility, as JSON (a page of fully nested services, as the HSDS API's
``/services?full=true``) or as the tabular package (one CSV per table and a
``datapackage.json``).

Mapping (one catalogue row = one service at one location):

- ``name`` -> service and location name; ``operator`` -> organization (one per
  operator name and kind); ``email``, ``website`` -> service email, url;
  ``phone`` -> a phone;
  ``lon``/``lat`` -> location longitude/latitude (WGS 84);
  ``wheelchair`` -> an accessibility entry whose ``details`` is the OSM tag
  (``wheelchair=yes``); ``languages`` -> languages (ISO 639-1 codes).
- ``categories`` -> attributes linking the service to terms of the taxonomy
  ``capacitymetro-categories``, made from the one vocabulary
  (``_core.vocabulary()``): code = category id, name = English label,
  description = Italian label.
- ``opening_hours`` -> weekly schedules (``freq`` WEEKLY, ``byday``,
  ``opens_at``, ``closes_at``; a lunch closure gives two per day) as far as
  HSDS can say them; the rules it cannot say (public holidays, months, week
  numbers, ...) are reported as warnings naming the service and the rule.
- The catalogue fields HSDS has no place for, and the exact ``opening_hours``
  as written, are attributes of the service with terms of the taxonomy
  ``capacitymetro-fields`` (code = field name, value = the field as text):
  ``id``, ``operator_kind``, ``address`` (one line of free text, where HSDS
  addresses need street, city, postal code and region apart),
  ``municipality_istat``, ``appointment_required``, ``capacity``,
  ``updated_at``, ``opening_hours``. So export then import gives back the
  same catalogue.

Ids are UUIDs derived from the catalogue id (uuid5), so a new export of the
same catalogue keeps them. On import, a file from another producer (without
the ``capacitymetro-fields`` attributes) is read from the HSDS fields alone:
hours from the schedules, id from the service id, address from the
location's first address.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Optional

from .. import _core
from . import hours
from .catalogue import PathLike, input_error, read_catalogue, text_value, write_atomically, write_catalogue
from .catalogue import write_csv_rows as _write_rows

#: The namespace of every HSDS id CapaCityMetro derives (uuid5).
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:capacitymetro:hsds")
CATEGORY_TAXONOMY = "capacitymetro-categories"
FIELD_TAXONOMY = "capacitymetro-fields"
#: Catalogue fields kept as attributes (HSDS has no exact place for them).
ATTRIBUTE_FIELDS = ("id", "operator_kind", "address", "municipality_istat", "appointment_required", "capacity",
                    "updated_at", "opening_hours")
ORGANIZATION_DESCRIPTION = "Runs service desks for migrants listed in the CapaCityMetro catalogue."
#: The category given to a service from another producer that has none of the vocabulary's.
GENERAL_CATEGORY = "information"
WHEELCHAIR_TEXT = {"yes": "Step-free access (wheelchair=yes)", "limited": "Partly step-free (wheelchair=limited)",
                   "no": "Not step-free (wheelchair=no)"}

#: The tabular package: table -> (file, columns); the columns are the one-to-one fields this
#: mapping fills, named as in the HSDS schemas. On import every column of these files is read.
TABLES = {
    "organization": ("organizations.csv", ("id", "name", "description")),
    "service": ("services.csv", ("id", "organization_id", "name", "url", "email", "status", "last_modified")),
    "attribute": ("attributes.csv", ("id", "link_id", "taxonomy_term_id", "link_type", "link_entity", "value")),
    "service_at_location": ("service_at_location.csv", ("id", "service_id", "location_id")),
    "location": ("locations.csv", ("id", "location_type", "organization_id", "name", "latitude", "longitude")),
    "phone": ("phones.csv", ("id", "location_id", "service_id", "number")),
    "address": ("addresses.csv", ("id", "location_id", "address_1", "address_2", "city", "state_province",
                                  "postal_code", "country", "address_type")),
    "schedule": ("schedules.csv", ("id", "service_id", "freq", "wkst", "byday", "opens_at", "closes_at")),
    "language": ("languages.csv", ("id", "service_id", "code")),
    "accessibility": ("accessibility.csv", ("id", "location_id", "description", "details")),
    "taxonomy_term": ("taxonomy_terms.csv", ("id", "code", "name", "description", "taxonomy", "language",
                                             "taxonomy_id")),
    "taxonomy": ("taxonomies.csv", ("id", "name", "description", "version")),
}
#: Numeric columns of the tabular form.
NUMBER_COLUMNS = {"latitude", "longitude"}
#: Nested one-to-many lists of the JSON form: (parent table, key) -> child table.
NESTED = {("service", "phones"): "phone", ("service", "schedules"): "schedule", ("service", "languages"): "language",
          ("service", "attributes"): "attribute", ("service", "service_at_locations"): "service_at_location",
          ("location", "addresses"): "address", ("location", "accessibility"): "accessibility"}
#: Nested one-to-one objects: (parent table, key) -> (child table, the parent's link field).
LINKED = {("service", "organization"): ("organization", "organization_id"),
          ("service_at_location", "location"): ("location", "location_id"),
          ("attribute", "taxonomy_term"): ("taxonomy_term", "taxonomy_term_id"),
          ("taxonomy_term", "taxonomy_detail"): ("taxonomy", "taxonomy_id")}


def stable_id(*parts: str) -> str:
    """The HSDS id (uuid5 in NAMESPACE) of an object named by ``parts``, e.g. ``("service", "VE-01")``."""
    return str(uuid.uuid5(NAMESPACE, "/".join(parts)))


def _taxonomies() -> dict:
    return {name: {"id": stable_id("taxonomy", name), "name": name, "description": description, "version": "1"}
            for name, description in ((CATEGORY_TAXONOMY, "CapaCityMetro service categories for migrants"),
                                      (FIELD_TAXONOMY, "CapaCityMetro catalogue fields with no HSDS equivalent"))}


def _term(taxonomy: dict, code: str, name: str, description: str, language: str = "en") -> dict:
    return {"id": stable_id("taxonomy_term", taxonomy["name"], code), "code": code, "name": name,
            "description": description, "taxonomy": taxonomy["name"], "language": language,
            "taxonomy_id": taxonomy["id"], "taxonomy_detail": taxonomy}


def category_terms() -> dict:
    """Category id -> its HSDS taxonomy term, from the one vocabulary."""
    taxonomy = _taxonomies()[CATEGORY_TAXONOMY]
    return {c["id"]: _term(taxonomy, c["id"], c["labels"]["en"], c["labels"]["it"]) for c in _core.vocabulary()}


def field_terms() -> dict:
    taxonomy = _taxonomies()[FIELD_TAXONOMY]
    return {field: _term(taxonomy, field, field, f"the catalogue field {field}") for field in ATTRIBUTE_FIELDS}


def _attribute(service_id: str, term: dict, value: str) -> dict:
    return {"id": stable_id("attribute", service_id, term["id"]), "link_id": service_id,
            "taxonomy_term_id": term["id"], "link_type": term["taxonomy"], "link_entity": "service",
            "value": value, "taxonomy_term": term}


def service_of(record: dict, warnings: list) -> dict:
    """One catalogue record as a fully nested HSDS service; rules of ``opening_hours`` that HSDS
    cannot say are added to ``warnings``."""
    key = record["id"]
    service_id, location_id = stable_id("service", key), stable_id("location", key)
    categories, fields = category_terms(), field_terms()
    service: dict = {"id": service_id, "name": record["name"], "status": "active"}
    if record["operator"]:
        organization_id = stable_id("organization", record["operator"])
        service["organization_id"] = organization_id
        service["organization"] = {"id": organization_id, "name": record["operator"],
                                   "description": ORGANIZATION_DESCRIPTION}
    if record["website"]:
        service["url"] = record["website"]
    if record["email"]:
        service["email"] = record["email"]
    if len(record["updated_at"]) == 10:
        service["last_modified"] = f"{record['updated_at']}T00:00:00Z"
    service["phones"] = [{"id": stable_id("phone", key), "service_id": service_id, "number": record["phone"]}
                         ] if record["phone"] else []
    week, not_expressible = hours.week_of(record["opening_hours"])
    warnings += [f"service {key}: the opening_hours rule '{rule}' cannot be expressed as an HSDS schedule "
                 f"(kept as written in the attribute {FIELD_TAXONOMY}/opening_hours)" for rule in not_expressible]
    service["schedules"] = [{"id": stable_id("schedule", key, str(n)), "service_id": service_id, "freq": "WEEKLY",
                             "wkst": "MO", **rule} for n, rule in enumerate(hours.schedules_of(week))]
    service["languages"] = [{"id": stable_id("language", key, code), "service_id": service_id, "code": code}
                            for code in record["languages"]]
    service["attributes"] = [_attribute(service_id, categories[c], "") for c in record["categories"]] + [
        _attribute(service_id, fields[f], text_value(record, f)) for f in ATTRIBUTE_FIELDS if text_value(record, f)]
    location: dict = {"id": location_id, "location_type": "physical", "name": record["name"],
                      "latitude": record["lat"], "longitude": record["lon"]}
    if "organization_id" in service:
        location["organization_id"] = service["organization_id"]
    location["accessibility"] = [{"id": stable_id("accessibility", key), "location_id": location_id,
                                  "description": WHEELCHAIR_TEXT[record["wheelchair"]],
                                  "details": f"wheelchair={record['wheelchair']}"}] if record["wheelchair"] else []
    service["service_at_locations"] = [{"id": stable_id("service_at_location", key), "service_id": service_id,
                                        "location_id": location_id, "location": location}]
    return service


def services_of(records: list) -> tuple:
    """``(services, warnings)``: every record as a nested HSDS service."""
    warnings: list = []
    return [service_of(record, warnings) for record in records], warnings


def page_of(services: list) -> dict:
    """One page holding every service, as the HSDS API's paginated ``/services`` answer."""
    return {"total_items": len(services), "total_pages": 1, "page_number": 1, "size": len(services),
            "first_page": True, "last_page": True, "empty": not services, "contents": services}


def tables_of(services: list) -> dict:
    """The nested services flattened into HSDS tables: table -> rows (one-to-one fields only), each
    object once."""
    tables: dict = {table: {} for table in TABLES}

    def add(table: str, item: dict) -> None:
        row = {}
        for key, value in item.items():
            if (table, key) in NESTED:
                for child in value:
                    add(NESTED[table, key], child)
            elif (table, key) in LINKED:
                add(LINKED[table, key][0], value)
            else:
                row[key] = value
        tables[table].setdefault(row["id"], row)

    for service in services:
        add("service", service)
    return {table: list(rows.values()) for table, rows in tables.items()}


def nested_of(tables: dict) -> list:
    """The inverse of ``tables_of``: fully nested services from HSDS tables (rows as dicts)."""
    by_id = {table: {row["id"]: row for row in rows} for table, rows in tables.items()}

    def build(table: str, row: dict) -> dict:
        item = dict(row)
        for (parent, key), (child, link) in LINKED.items():
            if parent == table and row.get(link) in by_id.get(child, {}):
                item[key] = build(child, by_id[child][row[link]])
        for (parent, key), child in NESTED.items():
            if parent == table:
                link = "link_id" if child == "attribute" else f"{table}_id"
                item[key] = [build(child, r) for r in tables.get(child, []) if r.get(link) == row["id"]]
        return item

    return [build("service", row) for row in tables.get("service", [])]


def _write_json(path: Path, services: list) -> None:
    path.write_text(json.dumps(page_of(services), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def datapackage_of(tables: dict) -> dict:
    """The ``datapackage.json`` of the tabular package (Frictionless tabular data package)."""
    resources = []
    for table, (file, columns) in TABLES.items():
        fields = [{"name": c, "type": "number" if c in NUMBER_COLUMNS else "string"} for c in columns]
        resources.append({"name": table, "path": file, "profile": "tabular-data-resource", "format": "csv",
                          "mediatype": "text/csv", "encoding": "utf-8",
                          "schema": {"fields": fields, "primaryKey": "id"}})
    return {"name": "capacitymetro-catalogue", "title": "CapaCityMetro service catalogue (HSDS 3.0)",
            "profile": "tabular-data-package", "resources": resources}


def _cell(value) -> str:
    return "" if value is None else f"{value:.15g}" if isinstance(value, float) else str(value)


def _write_package(folder: Path, services: list) -> None:
    folder.mkdir()
    tables = tables_of(services)
    for table, (file, columns) in TABLES.items():
        _write_rows(folder / file, columns, ([_cell(row.get(c)) for c in columns] for row in tables[table]))
    (folder / "datapackage.json").write_text(json.dumps(datapackage_of(tables), indent=2) + "\n", encoding="utf-8")


def export_hsds(catalogue: PathLike, out: PathLike, *, tabular: bool = False, layer: Optional[str] = None) -> dict:
    """Writes the catalogue as HSDS JSON (a file) or, with ``tabular``, as the tabular package (a
    folder). Returns ``services``, ``out`` and ``warnings`` (each rule of ``opening_hours`` HSDS cannot
    say, naming the service)."""
    services, warnings = services_of(read_catalogue(catalogue, layer))
    written = write_atomically(out, lambda path: (_write_package if tabular else _write_json)(path, services))
    return {"services": len(services), "out": written, "warnings": warnings}


# ---------------------------------------------------------------- import


def _terms_of(service: dict, taxonomy: str) -> list:
    """``(code, value)`` of the service's attributes with terms of ``taxonomy``."""
    found = []
    for attribute in service.get("attributes") or []:
        term = attribute.get("taxonomy_term") or {}
        detail = term.get("taxonomy_detail") or {}
        if taxonomy in (term.get("taxonomy"), detail.get("name")) and term.get("code"):
            found.append((term["code"], attribute.get("value") or ""))
    return found


def _opening_hours(service: dict, kept: Optional[str], key: str, warnings: list) -> str:
    """The service's opening_hours: as written when the schedules still say what it says, else made
    from the schedules (what they cannot say reported)."""
    week, skipped = hours.week_from_schedules(service.get("schedules") or [])
    warnings += [f"service {key}: schedule {s.get('id')} ({why}) cannot be expressed in opening_hours; left out"
                 for s, why in skipped]
    if kept is not None and hours.week_of(kept)[0] == week:
        return kept
    if kept is not None:
        warnings.append(f"service {key}: the schedules were changed since export; opening_hours made from them "
                        f"(was '{kept}')")
    return hours.opening_hours_of(week)


def _flag(value: str) -> Optional[bool]:
    return {"yes": True, "no": False}.get(value.strip().lower())


def record_of(service: dict, source: PathLike, warnings: list) -> dict:
    """A catalogue record from a nested HSDS service."""
    kept = dict(_terms_of(service, FIELD_TAXONOMY))
    key = kept.get("id") or service.get("id") or ""
    if not key:
        raise input_error(source, service.get("name"), "id", "a service without id")
    locations = [sal.get("location") or {} for sal in service.get("service_at_locations") or []]
    located = [loc for loc in locations if loc.get("latitude") is not None and loc.get("longitude") is not None]
    if not located:
        raise input_error(source, key, "service_at_locations", "no location with latitude and longitude")
    location = located[0]
    if len(located) > 1:
        warnings.append(f"service {key}: {len(located)} locations; the catalogue keeps the first ({location.get('id')})")
    vocabulary_ids = {c["id"] for c in _core.vocabulary()}
    categories = [code for code, _ in _terms_of(service, CATEGORY_TAXONOMY) if code in vocabulary_ids]
    if not categories:
        warnings.append(f"service {key}: no category of {CATEGORY_TAXONOMY}; given '{GENERAL_CATEGORY}'")
        categories = [GENERAL_CATEGORY]
    phones = [p.get("number") for p in service.get("phones") or [] if p.get("number")]
    if len(phones) > 1:
        warnings.append(f"service {key}: {len(phones)} phones; the catalogue keeps the first ({phones[0]})")
    address = (location.get("addresses") or [{}])[0]
    wheelchair = None
    for entry in location.get("accessibility") or []:
        tag, _, value = (entry.get("details") or "").partition("=")
        if tag.strip() == "wheelchair" and value.strip() in WHEELCHAIR_TEXT:
            wheelchair = value.strip()
    organization = service.get("organization") or {}
    try:
        lon, lat = float(location["longitude"]), float(location["latitude"])
        capacity = float(kept.get("capacity") or 1)
    except ValueError as error:
        raise input_error(source, key, "longitude/latitude/capacity", f"not a number ({error})") from None
    return {
        "id": key, "name": service.get("name") or location.get("name") or "",
        "operator": organization.get("name") or "", "operator_kind": kept.get("operator_kind") or None,
        "categories": categories, "languages": [lang["code"] for lang in service.get("languages") or [] if lang.get("code")],
        "opening_hours": _opening_hours(service, kept.get("opening_hours"), key, warnings),
        "address": kept.get("address") or ", ".join(p for p in (address.get("address_1"), address.get("address_2"),
                                          " ".join(q for q in (address.get("postal_code"), address.get("city")) if q))
                             if p),
        "municipality_istat": kept.get("municipality_istat", ""), "phone": phones[0] if phones else "",
        "email": service.get("email") or "", "website": service.get("url") or "",
        "appointment_required": _flag(kept.get("appointment_required", "")), "wheelchair": wheelchair,
        "capacity": capacity, "updated_at": kept.get("updated_at") or (service.get("last_modified") or "")[:10],
        "lon": lon, "lat": lat,
    }


def _read_json(source: Path) -> list:
    try:
        document = json.loads(source.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise input_error(source, None, None, f"not readable as JSON ({error})") from None
    services = document.get("contents") if isinstance(document, dict) and "contents" in document else document
    if isinstance(services, dict):
        services = [services]
    if not isinstance(services, list) or not all(isinstance(s, dict) for s in services):
        raise input_error(source, None, None, "expected an HSDS service, a list of services or a page with 'contents'")
    return services


def _read_package(source: Path) -> list:
    folder = source.parent if source.is_file() else source
    files = {table: folder / file for table, (file, _) in TABLES.items()}
    package = folder / "datapackage.json"
    if package.exists():
        try:
            resources = json.loads(package.read_text(encoding="utf-8")).get("resources", [])
            files.update({r["name"]: folder / r["path"] for r in resources if r.get("name") in TABLES})
        except (json.JSONDecodeError, AttributeError, KeyError, TypeError) as error:
            raise input_error(package, None, None, f"not a data package ({error})") from None
    if not files["service"].exists():
        raise input_error(folder, None, None, f"no {files['service'].name}: not an HSDS tabular package")
    return nested_of({table: _read_rows(path) for table, path in files.items() if path.exists()})


def _read_rows(path: Path) -> list:
    import csv

    with open(path, newline="", encoding="utf-8-sig") as handle:
        rows = [{k: v for k, v in row.items() if v not in (None, "")} for row in csv.DictReader(handle)]
    for number, row in enumerate(rows, start=2):
        if "id" not in row:
            raise input_error(path, f"line {number}", "id", "empty id")
    return rows


def import_hsds(source: PathLike, out: PathLike, *, tabular: Optional[bool] = None) -> dict:
    """Reads HSDS JSON (a service, a list or a page of services) or a tabular package (its folder,
    ``datapackage.json`` or any of its CSV files) and writes a catalogue (``.gpkg`` or ``.csv``).
    Returns ``services``, ``out`` and ``warnings``."""
    path = Path(source)
    if not path.exists():
        raise input_error(path, None, None, "no such file or folder")
    if tabular is None:
        tabular = path.is_dir() or path.suffix.lower() == ".csv" or path.name == "datapackage.json"
    services = _read_package(path) if tabular else _read_json(path)
    warnings: list = []
    records = [record_of(service, path, warnings) for service in services]
    return {"services": len(records), "out": write_catalogue(records, out), "warnings": warnings}


__all__ = ["export_hsds", "import_hsds", "services_of", "tables_of", "nested_of", "stable_id"]
