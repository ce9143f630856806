"""What the public sees, decided by the output schema the core stores in each
results GeoPackage (``capacitymetro_layers``, ``capacitymetro_fields``),
never by layer or field names.

- Layers whose rows are finer than the zones (granularity ``unit``) are
  never public: their rows are removed and the layer is listed as left out.
- Every field whose role is ``count_of_people`` passes the core's one
  disclosure rule (``capacitymetro.protect_table``, src/privacy.rs), applied
  to each group (the rows sharing a category) as a table of rows by count
  fields with its row and column totals: a value above zero and below the
  threshold (default 10, the ISTAT practice for small cells) is suppressed
  (NULL); then every suppressed value the totals would give back (one on
  no cycle of suppressed values) is protected by suppressing the cells that
  close a rectangle with it. The layer publishes no totals; the rule counts
  them as known except those it withholds itself (small ones, or ones that
  close a rectangle), which no other layer may publish either.
- Service desks (granularity ``service``) are public contact data.
"""

from __future__ import annotations

import math
import shutil
import sqlite3
import tempfile
from pathlib import Path
from typing import Sequence

from .. import _core
from .._core import CapacityMetroError

SCHEMA_TABLES = ("capacitymetro_layers", "capacitymetro_fields")
#: The schema's texts in every language (src/output/i18n.rs, styles/layers_i18n.json).
TRANSLATION_TABLE = "capacitymetro_translations"
KEPT_TABLES = ("layer_styles", *SCHEMA_TABLES, TRANSLATION_TABLE)
#: The languages layers are published in: the vocabulary's label languages.
LANGUAGES = tuple(_core.vocabulary()[0]["labels"])


class PublishError(CapacityMetroError):
    """Publishing cannot go on; the message says why (never a secret)."""


def read_schema(gpkg: str | Path) -> dict:
    """Layer name -> its schema: granularity, titles, abstracts and
    ``fields`` (name -> kind, role, unit, titles), as the core wrote it."""
    try:
        with sqlite3.connect(f"file:{gpkg}?mode=ro", uri=True) as db:
            tables = {r[0] for r in db.execute("select name from sqlite_master where type = 'table'")}
            if not set(SCHEMA_TABLES) <= tables:
                raise PublishError(f"{gpkg}: not a CapaCityMetro results GeoPackage (no {SCHEMA_TABLES[0]} table); "
                                   "write it with capacitymetro")
            db.row_factory = sqlite3.Row
            layers = {r["layer_name"]: {**dict(r), "fields": {}} for r in db.execute(
                f"select * from {SCHEMA_TABLES[0]}")}
            for r in db.execute(f"select * from {SCHEMA_TABLES[1]}"):
                if r["layer_name"] in layers:
                    layers[r["layer_name"]]["fields"][r["field_name"]] = dict(r)
            return layers
    except sqlite3.DatabaseError as error:
        raise PublishError(f"{gpkg}: not a GeoPackage ({error})") from None


def check_languages(languages: Sequence[str]) -> None:
    """PublishError unless every one of ``languages`` is one of :data:`LANGUAGES`."""
    unknown = sorted(set(languages) - set(LANGUAGES))
    if unknown:
        raise PublishError(f"language(s) {', '.join(unknown)}: choose among {', '.join(LANGUAGES)}")


def read_translations(gpkg: str | Path, languages: Sequence[str]) -> dict:
    """Layer name -> language -> ``title``, ``abstract`` and ``aliases``
    (field name -> alias), as the core wrote them; PublishError when one of
    ``languages`` is missing for a layer."""
    with sqlite3.connect(f"file:{gpkg}?mode=ro", uri=True) as db:
        if not db.execute("select 1 from sqlite_master where name = ?", (TRANSLATION_TABLE,)).fetchone():
            raise PublishError(f"{gpkg}: no {TRANSLATION_TABLE} table (written by an older capacitymetro); "
                               "run the analysis again to publish in several languages")
        rows = db.execute(f"select layer_name, field_name, language, title, abstract from {TRANSLATION_TABLE}")
        texts: dict = {}
        for layer, field, language, title, abstract in rows:
            entry = texts.setdefault(layer, {}).setdefault(language, {"aliases": {}})
            if field:
                entry["aliases"][field] = title
            else:
                entry.update(title=title, abstract=abstract)
    for layer, by_language in texts.items():
        missing = [language for language in languages if language not in by_language]
        if missing:
            raise PublishError(f"{gpkg}: layer {layer} has no texts in {', '.join(missing)}")
    return texts


def bilingual(schema: dict, key: str) -> str:
    """``"Italian / English"`` of a schema entry's ``{key}_it`` and ``{key}_en``."""
    it, en = schema[f"{key}_it"], schema[f"{key}_en"]
    return it if it == en or not en else f"{it} / {en}"


def _declare_spatial_functions(db: sqlite3.Connection) -> None:
    """GeoPackage R-tree triggers name spatial SQL functions that only GDAL
    provides; attribute updates never call them, so here they only refuse."""
    def refuse(*_):
        raise sqlite3.OperationalError("geometry changes are not made here")
    for name in ("ST_IsEmpty", "ST_MinX", "ST_MaxX", "ST_MinY", "ST_MaxY"):
        db.create_function(name, 1, refuse)


def suppress(cells: dict, groups: dict, threshold: float) -> set:
    """The cells to suppress: ``cells`` maps ``(row, column)`` to a count (or
    None), ``groups`` maps each row to its group (None is one group too).
    Each group's rows by the columns, with their totals, pass the core's
    rule (``_core.protect_table``); a None count is unknown and is hidden
    like a primary one, so that it gives no other cell back."""
    columns: dict = {}
    tables: dict = {}  # group -> row -> its index in the group's table
    for row, column in cells:
        columns.setdefault(column, len(columns))
        rows = tables.setdefault(groups[row], {})
        rows.setdefault(row, len(rows))
    hidden = set()
    for rows in tables.values():
        mine = [key for key in cells if key[0] in rows]
        table = [[0.0] * len(columns) for _ in rows]
        for row, column in mine:
            value = cells[(row, column)]
            # protect_table has no `forced` argument: a None count (unknown, NULL anyway) goes in as 0.5,
            # above zero and below any threshold (>= 1), so it is suppressed as primary and the cells that
            # would give it back, or that it would give back, are suppressed with it
            table[rows[row]][columns[column]] = 0.5 if value is None else value
        _, suppressed = _core.protect_table(table, threshold)
        # the last row and column of `suppressed` are the totals, not in this layer: only cells are hidden
        hidden.update(key for key in mine if suppressed[rows[key[0]]][columns[key[1]]])
    return hidden


def public_copy(results: str | Path, target: str | Path, threshold: float = 10) -> dict:
    """Writes the public version of ``results`` to ``target`` (through a
    temporary file). Returns the layers kept, those left out, the number of
    counts suppressed per layer and the schema of the layers kept."""
    results, target = Path(results), Path(target)
    if not (isinstance(threshold, (int, float)) and math.isfinite(threshold) and threshold >= 1):
        raise PublishError(f"threshold {threshold!r}: the suppression threshold must be a finite number >= 1")
    if not results.exists():
        raise PublishError(f"{results}: no such file")
    schema = read_schema(results)
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=target.parent, prefix=f".{target.stem}.", suffix=".gpkg",
                                     delete=False) as handle:
        temporary = Path(handle.name)
    try:
        shutil.copyfile(results, temporary)
        report: dict = {"layers": [], "left_out": [], "suppressed": {}, "schema": {}}
        with sqlite3.connect(temporary) as db:
            _declare_spatial_functions(db)
            contents = [r[0] for r in db.execute("select table_name from gpkg_contents")]
            for layer in contents:
                if layer in KEPT_TABLES:
                    continue
                layer_schema = schema.get(layer)
                if layer_schema is None or layer_schema["granularity"] == "unit":
                    db.execute(f'delete from "{layer}"')  # finer than the zones, or undescribed: not public
                    report["left_out"].append(layer)
                    continue
                report["suppressed"][layer] = _suppress_layer(db, layer, layer_schema, threshold)
                report["layers"].append(layer)
                report["schema"][layer] = layer_schema
        temporary.chmod(0o644)  # served to the public: readable by the map server
        temporary.replace(target)
        return report
    finally:
        temporary.unlink(missing_ok=True)


def _suppress_layer(db: sqlite3.Connection, layer: str, layer_schema: dict, threshold: float) -> int:
    fields = layer_schema["fields"]
    counts = [name for name, f in fields.items() if f["role"] == "count_of_people"]
    if not counts:
        return 0
    group = next((name for name, f in fields.items() if f["role"] == "category"), None)
    group_sql = f'"{group}"' if group else "NULL"
    columns = ", ".join(f'"{c}"' for c in counts)
    cells, groups = {}, {}
    for rowid, group_value, *values in db.execute(f'select rowid, {group_sql}, {columns} from "{layer}"'):
        groups[rowid] = group_value
        for column, value in zip(counts, values):
            cells[(rowid, column)] = value
    hidden = suppress(cells, groups, threshold)
    for rowid, column in hidden:
        db.execute(f'update "{layer}" set "{column}" = NULL where rowid = ?', (rowid,))
    return len(hidden)
