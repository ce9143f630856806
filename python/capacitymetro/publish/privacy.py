"""What the public sees.

- Services: the catalogue's own fields are public contact data of service
  desks (no person is named), so the layer is published as it is.
- Population and gaps: only aggregated, by zone (municipality). A population
  layer with more rows than the zones of its gap table is made of finer units
  and is left out; the zone table still is published.
- Small counts: every population or gap count below the threshold (default
  10, the ISTAT practice for small cells) is suppressed (NULL), never shown.
"""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
from pathlib import Path


class PublishError(Exception):
    """Publishing cannot go on; the message says why (never a secret)."""


RESULT_LAYERS = ("municipalities", "coverage", "accessibility", "gaps_by_zone", "summary", "suggested_sites",
                 "travel_areas")
COUNT_SUFFIXES = ("population", "_unserved", "_low_access", "_gap_score")
COUNT_NAMES = {"population", "population_total", "unserved", "low_access", "gap_score"}


def _is_count(column: str) -> bool:
    return column in COUNT_NAMES or column.endswith(COUNT_SUFFIXES) or column.startswith("population_within_")


def _declare_spatial_functions(db: sqlite3.Connection) -> None:
    """GeoPackage R-tree triggers name spatial SQL functions that only GDAL
    provides; attribute updates never call them, so here they only refuse."""
    def refuse(*_):
        raise sqlite3.OperationalError("geometry changes are not made here")
    for name in ("ST_IsEmpty", "ST_MinX", "ST_MaxX", "ST_MinY", "ST_MaxY"):
        db.create_function(name, 1, refuse)


def public_copy(results: str | Path, target: str | Path, threshold: float = 10) -> dict:
    """Writes the public version of ``results`` to ``target`` (through a
    temporary file). Returns the layers kept, those left out and the number
    of counts suppressed per layer."""
    results, target = Path(results), Path(target)
    if not results.exists():
        raise PublishError(f"{results}: no such file")
    try:
        with sqlite3.connect(f"file:{results}?mode=ro", uri=True) as db:
            contents = dict(db.execute("select table_name, data_type from gpkg_contents"))
    except sqlite3.DatabaseError as error:
        raise PublishError(f"{results}: not a GeoPackage ({error})") from None
    if "services" not in contents or not any(layer in contents for layer in RESULT_LAYERS):
        raise PublishError(f"{results}: not a CapaCityMetro results GeoPackage (layers: {', '.join(contents)}); "
                           f"expected services and one of {', '.join(RESULT_LAYERS)}")
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=target.parent, suffix=".gpkg", delete=False) as handle:
        temporary = Path(handle.name)
    try:
        shutil.copyfile(results, temporary)
        report = {"layers": [], "left_out": [], "suppressed": {}}
        with sqlite3.connect(temporary) as db:
            _declare_spatial_functions(db)
            zones = db.execute("select count(distinct zone) from gaps_by_zone").fetchone()[0] \
                if "gaps_by_zone" in contents else None
            for layer, kind in contents.items():
                if layer == "layer_styles":
                    continue
                rows = db.execute(f'select count(*) from "{layer}"').fetchone()[0]
                if layer == "accessibility" and zones is not None and rows > zones:
                    db.execute(f'delete from "{layer}"')  # finer than the zones: not public
                    report["left_out"].append(layer)
                    continue
                suppressed = 0
                for column in [c[1] for c in db.execute(f'pragma table_info("{layer}")')]:
                    if _is_count(column):
                        suppressed += db.execute(
                            f'update "{layer}" set "{column}" = NULL where "{column}" > 0 and "{column}" < ?',
                            (threshold,)).rowcount
                report["suppressed"][layer] = suppressed
                report["layers"].append(layer)
        temporary.chmod(0o644)  # served to the public: readable by the map server
        temporary.replace(target)
        return report
    finally:
        temporary.unlink(missing_ok=True)
