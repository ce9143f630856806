"""The catalogue as the GIS office keeps it in QGIS: an empty GeoPackage
whose ``services`` layer carries its editing form, and its change history.

``create_catalogue`` writes (to a temporary file, then moved into place):

- ``services``: points in WGS 84 (EPSG:4326) with the core's catalogue
  fields (``_core.catalogue_schema()``); ``categories`` and ``languages``
  hold QGIS's array text ``{legal,health}``, what its multi-select widget
  writes (the core also reads ``legal;health``);
- ``catalogue_categories`` and ``catalogue_languages``: the values the
  multi-select widgets offer, from the core's vocabulary (one label column
  per language, ``label_it`` ...) and its ISO 639-1 list;
- ``layer_styles``: the default style of ``services`` (QML, made here from
  the vocabulary): a form in tabs, value maps, multi-select value
  relations, constraints with Italian/English messages, defaults (``id`` a
  UUID, ``updated_at`` now) and a virtual field with the hours in words;
- ``services_history``: one row per inserted, changed or deleted service,
  written by SQLite triggers, whoever edits (QGIS, GDAL, any SQLite tool):
  when (UTC), who, the operation, and the old and new values of the fields
  that changed as JSON objects (the geometry as its GeoPackage blob in hex);
- ``catalogue_settings``: the format version (how the plugin knows a
  catalogue) and ``operator``, the name the triggers record as who. SQLite
  knows no users: the QGIS plugin sets ``operator`` to the name in its
  settings (by default the computer's user name) while it saves, and clears
  it afterwards, so edits made with other tools record no name.

The form's ``opening_hours`` constraint and the virtual field use the
expression functions the QGIS plugin registers (``cm_opening_hours_valid``,
``cm_opening_hours_text``); without the plugin QGIS reports them unknown.
"""

from __future__ import annotations

import json
import os
import sqlite3
import tempfile
import xml.etree.ElementTree as ET
from contextlib import closing
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable, Optional, Union

from . import _core

PathLike = Union[str, "os.PathLike[str]"]

LAYER = "services"
HISTORY = "services_history"
SETTINGS = "catalogue_settings"
CATEGORIES = "catalogue_categories"
LANGUAGES = "catalogue_languages"
#: The catalogue format's version, in ``catalogue_settings``.
FORMAT_VERSION = "1"
#: The virtual field with the opening hours in words (not stored).
HOURS_TEXT = "opening_hours_text"
#: Form languages: Italian, else English. Category labels use every vocabulary language.
FORM_LANGUAGES = ("it", "en")

#: SQLite type of the fields that are not text.
COLUMN_TYPES = {"capacity": "REAL", "updated_at": "DATETIME"}
#: Field titles in the form, (Italian, English).
ALIASES = {
    "id": ("Codice", "Identifier"),
    "name": ("Nome", "Name"),
    "operator": ("Ente gestore", "Operator"),
    "operator_kind": ("Tipo di ente", "Kind of operator"),
    "categories": ("Categorie di servizio", "Service categories"),
    "languages": ("Lingue parlate allo sportello", "Languages spoken at the desk"),
    "opening_hours": ("Orari (sintassi OpenStreetMap)", "Opening hours (OpenStreetMap syntax)"),
    HOURS_TEXT: ("Orari in parole", "Hours in words"),
    "address": ("Indirizzo", "Address"),
    "municipality_istat": ("Comune (codice ISTAT)", "Municipality (ISTAT code)"),
    "phone": ("Telefono", "Phone"),
    "email": ("E-mail", "E-mail"),
    "website": ("Sito web", "Website"),
    "appointment_required": ("Su appuntamento", "By appointment"),
    "wheelchair": ("Accesso in sedia a rotelle", "Wheelchair access"),
    "capacity": ("Capacità (utenti a settimana)", "Capacity (users per week)"),
    "updated_at": ("Aggiornato il", "Updated at"),
}
#: The form's tabs: (Italian, English) title and fields.
TABS = (
    (("Identità", "Identity"), ("id", "name", "operator", "operator_kind", "address", "municipality_istat",
                                "capacity", "updated_at")),
    (("Categorie e lingue", "Categories and languages"), ("categories", "languages")),
    (("Orari", "Opening hours"), ("opening_hours", HOURS_TEXT, "appointment_required")),
    (("Contatti", "Contacts"), ("phone", "email", "website")),
    (("Accessibilità", "Accessibility"), ("wheelchair",)),
)
#: Labels of the values of the fields with a value map, (Italian, English); the values are the core's.
VALUE_LABELS = {
    "operator_kind": {"public": ("Ente pubblico", "Public body"), "third_sector": ("Terzo settore", "Third sector"),
                      "infopoint": ("Infopoint autogestito", "Self-run infopoint")},
    "wheelchair": {"yes": ("Sì", "Yes"), "limited": ("In parte", "Limited"), "no": ("No", "No")},
    "appointment_required": {"yes": ("Sì", "Yes"), "no": ("No", "No")},
}
#: Field constraints: (not null, unique, expression or None, message "Italian / English").
CONSTRAINTS = {
    "id": (True, True, None, "Codice obbligatorio e unico / The identifier is required and unique"),
    "name": (True, False, "trim(\"name\") <> ''", "Il nome è obbligatorio / The name is required"),
    "categories": (True, False, "\"categories\" NOT IN ('', '{}')",
                   "Scegliere almeno una categoria / Choose at least one category"),
    "municipality_istat": (True, False, "regexp_match(\"municipality_istat\", '^[0-9]{6}$') > 0",
                           "Codice ISTAT del comune: 6 cifre, es. 027042 (Venezia) / "
                           "ISTAT code of the municipality: 6 digits, e.g. 027042 (Venice)"),
    "opening_hours": (False, False, "\"opening_hours\" IS NULL OR cm_opening_hours_valid(\"opening_hours\")",
                      "Orari nella sintassi opening_hours di OpenStreetMap, es. Mo-Fr 09:00-13:00 / "
                      "Hours in OpenStreetMap opening_hours syntax, e.g. Mo-Fr 09:00-13:00"),
    "email": (False, False, "coalesce(\"email\", '') = '' OR regexp_match(\"email\", '^[^@ ]+@[^@ ]+[.][^@ ]+$') > 0",
              "Indirizzo e-mail non valido, es. sportello@comune.venezia.it / "
              "Not an e-mail address, e.g. desk@example.org"),
    "website": (False, False, "coalesce(\"website\", '') = '' OR regexp_match(\"website\", '^https?://[^ ]+[.][^ ]+$') > 0",
                "Indirizzo web che inizia con https:// o http:// / A web address starting with https:// or http://"),
    "capacity": (False, False, "\"capacity\" IS NULL OR \"capacity\" > 0",
                 "La capacità (utenti a settimana) deve essere positiva / "
                 "The capacity (users per week) must be positive"),
}
#: Default values: field -> (QGIS expression, applied again on every change).
DEFAULTS = {"id": ("uuid('WithoutBraces')", False), "updated_at": ("now()", True)}

_WGS84_WKT = ('GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],'
              'AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,'
              'AUTHORITY["EPSG","9122"]],AXIS["Latitude",NORTH],AXIS["Longitude",EAST],AUTHORITY["EPSG","4326"]]')


def form_language(language: str) -> int:
    """Index of the form texts' language: Italian for ``it``, English otherwise."""
    return 0 if language[:2] == "it" else 1


def label_column(language: str) -> str:
    """The column of ``catalogue_categories`` with labels in ``language`` (English when it has none)."""
    known = _core.vocabulary()[0]["labels"]
    return f"label_{language[:2] if language[:2] in known else 'en'}"


def list_value(items: Iterable[str]) -> str:
    """A list as the catalogue's multi-select fields hold it: ``{a,b}``."""
    return "{" + ",".join(items) + "}"


# -- the form (QML) -----------------------------------------------------------------------------
def _option(parent: ET.Element, kind: str, name: Optional[str] = None, value=None) -> ET.Element:
    element = ET.SubElement(parent, "Option", type=kind)
    if name is not None:
        element.set("name", name)
    if value is not None:
        element.set("value", ("true" if value else "false") if kind == "bool" else str(value))
    return element


def _widget(field: str, source: str, language: str) -> tuple:
    """(widget type, config) of a field: value maps, multi-select value relations, or the default."""
    words = form_language(language)
    if field in VALUE_LABELS:
        return "ValueMap", [(labels[words], value) for value, labels in VALUE_LABELS[field].items()]
    if field in ("categories", "languages"):
        table = CATEGORIES if field == "categories" else LANGUAGES
        return "ValueRelation", {
            "AllowMulti": ("bool", True), "AllowNull": ("bool", False), "FilterExpression": ("QString", ""),
            "Key": ("QString", "id"), "Layer": ("QString", table), "LayerName": ("QString", table),
            "LayerProviderName": ("QString", "ogr"), "LayerSource": ("QString", f"{source}|layername={table}"),
            "NofColumns": ("int", 2 if field == "categories" else 6), "OrderByValue": ("bool", False),
            "UseCompleter": ("bool", False),
            "Value": ("QString", label_column(language) if field == "categories" else "id")}
    if field == "updated_at":
        return "DateTime", {"allow_null": ("bool", True), "calendar_popup": ("bool", True),
                            "display_format": ("QString", "yyyy-MM-dd HH:mm"),
                            "field_format": ("QString", "yyyy-MM-ddTHH:mm:ss"), "field_iso_format": ("bool", True)}
    return "TextEdit", {"IsMultiline": ("bool", False), "UseHtml": ("bool", False)}


def form_qml(source: str, language: str = "en") -> str:
    """The services layer's form (QGIS style categories Fields and Forms) for the
    GeoPackage at ``source``, with texts in Italian or English and category
    labels in ``language``."""
    schema = _core.catalogue_schema()
    for field in ("operator_kind", "wheelchair"):
        if list(VALUE_LABELS[field]) != schema[field]:
            raise _core.InternalError(f"the form's {field} values {list(VALUE_LABELS[field])} are not the core's "
                                      f"{schema[field]}: please report this")
    fields = [*schema["fields"], HOURS_TEXT]
    words = form_language(language)
    qgis = ET.Element("qgis", version="3.22.0", styleCategories="Fields|Forms")
    configuration = ET.SubElement(qgis, "fieldConfiguration")
    for field in fields:
        kind, config = _widget(field, source, language)
        element = ET.SubElement(configuration, "field", name=field, configurationFlags="None")
        options = _option(ET.SubElement(ET.SubElement(element, "editWidget", type=kind), "config"), "Map")
        if kind == "ValueMap":
            entries = _option(options, "List", "map")
            for label, value in config:
                _option(_option(entries, "Map"), "QString", label, value)
        else:
            for name, (option_type, value) in config.items():
                _option(options, option_type, name, value)
    aliases = ET.SubElement(qgis, "aliases")
    defaults = ET.SubElement(qgis, "defaults")
    constraints = ET.SubElement(qgis, "constraints")
    expressions = ET.SubElement(qgis, "constraintExpressions")
    for index, field in enumerate(fields):
        ET.SubElement(aliases, "alias", field=field, index=str(index), name=ALIASES[field][words])
        expression, on_update = DEFAULTS.get(field, ("", False))
        ET.SubElement(defaults, "default", field=field, expression=expression, applyOnUpdate=str(int(on_update)))
        not_null, unique, check, message = CONSTRAINTS.get(field, (False, False, None, ""))
        flags = (1 if not_null else 0) | (2 if unique else 0) | (4 if check else 0)
        ET.SubElement(constraints, "constraint", field=field, constraints=str(flags),
                      notnull_strength=str(int(not_null)), unique_strength=str(int(unique)),
                      exp_strength=str(int(bool(check))))
        ET.SubElement(expressions, "constraint", field=field, exp=check or "", desc=message)
    virtual = ET.SubElement(qgis, "expressionfields")
    ET.SubElement(virtual, "field", name=HOURS_TEXT, type="10", typeName="string", length="0", precision="0",
                  subType="0", comment="", expression="cm_opening_hours_text(\"opening_hours\", left(@qgis_locale, 2))")
    ET.SubElement(qgis, "editform", tolerant="1")
    ET.SubElement(qgis, "editforminit")
    ET.SubElement(qgis, "editforminitcodesource").text = "0"
    ET.SubElement(qgis, "featformsuppress").text = "0"
    ET.SubElement(qgis, "editorlayout").text = "tablayout"
    form = ET.SubElement(qgis, "attributeEditorForm")
    for titles, tab_fields in TABS:
        tab = ET.SubElement(form, "attributeEditorContainer", name=titles[words], groupBox="0", columnCount="1",
                            showLabel="1", visibilityExpressionEnabled="0", visibilityExpression="")
        for field in tab_fields:
            ET.SubElement(tab, "attributeEditorField", name=field, index=str(fields.index(field)), showLabel="1")
    editable = ET.SubElement(qgis, "editable")
    ET.SubElement(editable, "field", name=HOURS_TEXT, editable="0")
    ET.SubElement(qgis, "layerGeometryType").text = "0"
    ET.indent(qgis, " ")
    return "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n" + ET.tostring(qgis, encoding="unicode")


# -- the change history -------------------------------------------------------------------------
def _json_of(row: str, columns: list) -> str:
    return "json_object(" + ", ".join(f"'{c}', {row}.{c}" if c != "geom" else f"'geom', hex({row}.geom)"
                                       for c in columns) + ")"


def history_sql(fields: list) -> str:
    """The history table and the triggers that fill it."""
    columns = [*fields, "geom"]
    who = f"(SELECT value FROM {SETTINGS} WHERE key = 'operator')"
    insert = f"INSERT INTO {HISTORY} (changed_by, operation, service_fid, service_id, old_values, new_values)"
    # an update records only the fields that changed: the others are removed from both objects
    unchanged = ", ".join(f"CASE WHEN OLD.{c} IS NEW.{c} THEN '$.{c}' ELSE '$.__changed__' END" for c in columns)
    changed = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in columns)
    return f"""
        CREATE TABLE {HISTORY} (fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
            changed_at DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
            changed_by TEXT, operation TEXT NOT NULL CHECK (operation IN ('insert', 'update', 'delete')),
            service_fid INTEGER NOT NULL, service_id TEXT, old_values TEXT, new_values TEXT);
        CREATE TRIGGER {HISTORY}_insert AFTER INSERT ON {LAYER} BEGIN
            {insert}
            VALUES ({who}, 'insert', NEW.fid, NEW.id, NULL, {_json_of('NEW', columns)});
        END;
        CREATE TRIGGER {HISTORY}_update AFTER UPDATE ON {LAYER} WHEN {changed} BEGIN
            {insert}
            VALUES ({who}, 'update', NEW.fid, NEW.id, json_remove({_json_of('OLD', columns)}, {unchanged}),
                    json_remove({_json_of('NEW', columns)}, {unchanged}));
        END;
        CREATE TRIGGER {HISTORY}_delete AFTER DELETE ON {LAYER} BEGIN
            {insert}
            VALUES ({who}, 'delete', OLD.fid, OLD.id, {_json_of('OLD', columns)}, NULL);
        END;
    """


# -- writing the GeoPackage ---------------------------------------------------------------------
def _register(db: sqlite3.Connection, table: str, data_type: str, description: str) -> None:
    db.execute("INSERT INTO gpkg_contents (table_name, data_type, identifier, description, srs_id) "
               "VALUES (?, ?, ?, ?, ?)", (table, data_type, table, description, 4326 if data_type == "features" else None))


def write_empty_catalogue(path: Path, source: str, language: str) -> None:
    """Writes the catalogue's tables, history triggers and form into a new GeoPackage at ``path``; ``source``
    is where the file will live (the form's value relations point at it)."""
    schema = _core.catalogue_schema()
    vocabulary = _core.vocabulary()
    label_languages = list(vocabulary[0]["labels"])
    with closing(sqlite3.connect(path)) as db, db:
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
            CREATE TABLE {LAYER} (fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, geom POINT,
                {', '.join(f'{f} {COLUMN_TYPES.get(f, "TEXT")}' for f in schema['fields'])});
            CREATE TABLE {CATEGORIES} (fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, id TEXT NOT NULL UNIQUE,
                {', '.join(f'label_{lang} TEXT' for lang in label_languages)});
            CREATE TABLE {LANGUAGES} (fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL, id TEXT NOT NULL UNIQUE);
            CREATE TABLE {SETTINGS} (key TEXT PRIMARY KEY, value TEXT);
            CREATE TABLE layer_styles (id INTEGER PRIMARY KEY AUTOINCREMENT, f_table_catalog TEXT,
                f_table_schema TEXT, f_table_name TEXT, f_geometry_column TEXT, styleName TEXT, styleQML TEXT,
                styleSLD TEXT, useAsDefault BOOLEAN, description TEXT, owner TEXT, ui TEXT,
                update_time DATETIME DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')));
        """ + history_sql(schema["fields"]))
        db.executemany("INSERT INTO gpkg_spatial_ref_sys VALUES (?, ?, ?, ?, ?, ?)", [
            ("Undefined cartesian SRS", -1, "NONE", -1, "undefined", "undefined cartesian coordinate reference system"),
            ("Undefined geographic SRS", 0, "NONE", 0, "undefined", "undefined geographic coordinate reference system"),
            ("WGS 84 geodetic", 4326, "EPSG", 4326, _WGS84_WKT, "longitude/latitude coordinates in decimal degrees"),
        ])
        _register(db, LAYER, "features", "Services for migrants (CapaCityMetro catalogue)")
        db.execute(f"INSERT INTO gpkg_geometry_columns VALUES ('{LAYER}', 'geom', 'POINT', 4326, 0, 0)")
        for table, description in ((CATEGORIES, "Service categories (the CapaCityMetro vocabulary)"),
                                   (LANGUAGES, "Language codes (ISO 639-1)"),
                                   (HISTORY, "Changes to the services: who, when, old and new values"),
                                   ("layer_styles", "QGIS styles")):
            _register(db, table, "attributes", description)
        db.executemany(f"INSERT INTO {CATEGORIES} (id, {', '.join(f'label_{lang}' for lang in label_languages)}) "
                       f"VALUES ({', '.join('?' for _ in range(len(label_languages) + 1))})",
                       [(c["id"], *(c["labels"][lang] for lang in label_languages)) for c in vocabulary])
        # the vocabulary's languages first, then the others
        codes = [*label_languages, *(code for code in schema["languages"] if code not in label_languages)]
        db.executemany(f"INSERT INTO {LANGUAGES} (id) VALUES (?)", [(code,) for code in codes])
        db.executemany(f"INSERT INTO {SETTINGS} VALUES (?, ?)", [("format_version", FORMAT_VERSION), ("operator", None)])
        db.execute("INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name, f_geometry_column, "
                   "styleName, styleQML, styleSLD, useAsDefault, description, owner, ui) "
                   "VALUES ('', '', ?, 'geom', ?, ?, '', 1, ?, '', '')",
                   (LAYER, "catalogue form", form_qml(source, language),
                    "CapaCityMetro catalogue form " + FORMAT_VERSION))


def create_catalogue(path: PathLike, language: str = "en", overwrite: bool = False) -> Path:
    """Writes an empty catalogue GeoPackage with its QGIS form (texts in
    Italian for ``language`` it, else English; category labels in
    ``language``) and change history. Refuses to replace an existing file
    unless ``overwrite``."""
    target = Path(path)
    if target.suffix.lower() != ".gpkg":
        raise _core.InputError(f"{target}: a catalogue is a GeoPackage, name it .gpkg")
    if target.exists() and not overwrite:
        raise _core.InputError(f"{target} exists: the catalogue is not replaced (choose another name, or overwrite)")
    if not target.parent.is_dir():
        raise _core.InputError(f"{target.parent} is not a folder")
    handle, temporary = tempfile.mkstemp(suffix=".gpkg", prefix=f".{target.stem}-", dir=target.parent)
    os.close(handle)
    os.unlink(temporary)  # sqlite3 makes its own file
    try:
        write_empty_catalogue(Path(temporary), str(target.resolve()), language)
        os.replace(temporary, target)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
    return target


# -- reading it back ----------------------------------------------------------------------------
def _connect(path: PathLike, mode: str = "ro") -> sqlite3.Connection:
    """A connection (``ro`` or ``rw``) to a catalogue made by ``create_catalogue``, or InputError naming the file."""
    if not Path(path).is_file():
        raise _core.InputError(f"{path}: no such file")
    db = sqlite3.connect(f"file:{Path(path).resolve()}?mode={mode}", uri=True)
    try:
        version = db.execute(f"SELECT value FROM {SETTINGS} WHERE key = 'format_version'").fetchone()
    except sqlite3.Error:
        version = None
    if version is None:
        db.close()
        raise _core.InputError(f"{path}: not a CapaCityMetro catalogue (made by 'capacitymetro catalogue create' "
                               "or the Create catalogue algorithm): it has no change history")
    return db


def is_catalogue(path: PathLike) -> bool:
    """Whether the file is a catalogue made by ``create_catalogue``."""
    try:
        _connect(path).close()
    except _core.InputError:
        return False
    return True


def set_operator(path: PathLike, operator: Optional[str]) -> None:
    """The name the history records as who made the next changes (None: nobody named)."""
    with closing(_connect(path, "rw")) as db, db:
        db.execute(f"UPDATE {SETTINGS} SET value = ? WHERE key = 'operator'", (operator,))


def parse_since(text: str) -> str:
    """``YYYY-MM-DD`` or ``YYYY-MM-DDTHH:MM[:SS]`` (UTC) as the history's timestamps write it."""
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise _core.InputError(f"since: '{text}' is not a date (YYYY-MM-DD) or a time (YYYY-MM-DDTHH:MM)") from None
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment.strftime("%Y-%m-%dT%H:%M:%S")


def changes(path: PathLike, since: str = "1970-01-01") -> list:
    """The changes made since ``since`` (a date or time, UTC), oldest first:
    dicts with ``change`` (its number), ``at`` (UTC), ``by`` (None when not
    known), ``operation`` (insert, update, delete), ``fid``, ``service_id``
    and ``fields``: per field that changed, ``[old, new]`` (None for a
    field that had, or has, no value)."""
    with closing(_connect(path)) as db:
        rows = db.execute(f"SELECT fid, changed_at, changed_by, operation, service_fid, service_id, old_values, "
                          f"new_values FROM {HISTORY} WHERE changed_at >= ? ORDER BY fid", (parse_since(since),))
        found = []
        for change, at, by, operation, fid, service_id, old, new in rows:
            old_values, new_values = json.loads(old or "{}"), json.loads(new or "{}")
            fields = {field: [old_values.get(field), new_values.get(field)]
                      for field in [*old_values, *(f for f in new_values if f not in old_values)]
                      if old_values.get(field) != new_values.get(field)}
            found.append({"change": change, "at": at, "by": by, "operation": operation, "fid": fid,
                          "service_id": service_id, "fields": fields})
    return found


def format_changes(found: list) -> str:
    """The changes as lines: when, who, what, and per field old -> new."""
    if not found:
        return "No changes."
    lines = []
    for change in found:
        lines.append(f"#{change['change']} {change['at']} {change['by'] or '(operator not known)'}: "
                     f"{change['operation']} {change['service_id'] or ''} (fid {change['fid']})")
        for field, (old, new) in change["fields"].items():
            if field == "geom":
                lines.append("    geom: moved" if old and new else "    geom: " + ("set" if new else "removed"))
            else:
                lines.append(f"    {field}: {old!r} -> {new!r}")
    return "\n".join(lines)
