"""The embedded demo: the 44 municipalities of the Metropolitan City of
Venice and an illustrative catalogue of service desks (not an official
directory). Runs the coverage analysis of the core; no analysis here."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Optional

from ._core import accessibility_job, coverage, suggest_sites

DEMO_DATA = Path(__file__).resolve().parent / "data"
SERVICES = DEMO_DATA / "services.csv"
TOWN_CENTRES = DEMO_DATA / "town_centres.csv"
MUNICIPALITIES = DEMO_DATA / "municipalities.geojson"
ATTRIBUTION = "Boundaries and population: ISTAT / Openpolis, CC BY 4.0. Services: illustrative, not an official directory."
SUMMARY_MINUTES = [15.0, 30.0, 60.0]


def run_demo(
    out_dir: str | Path = "demo-output",
    mode: str = "car",
    network=None,
    progress: Optional[Callable[[int, int], Any]] = None,
) -> dict:
    """Coverage of every category for the 44 municipalities, each represented
    by its town centre (Mestre for Venezia), written to ``out_dir/cmv_demo.gpkg``
    (layers services, municipalities, summary), then E2SFCA accessibility and
    service gaps per category (layers accessibility, gaps_by_zone) and three
    new sites for the category with the largest gap (layer suggested_sites).
    Straight-line costs unless a ``network`` (capacitymetro.Network) is given.
    Returns the coverage result with ``output``, ``accessibility``,
    ``gap_category`` and ``suggested_sites`` added."""
    output = Path(out_dir) / "cmv_demo.gpkg"
    common = dict(id_field="istat_code", name_field="name", aggregate_by="istat_code",
                  display_polygons=MUNICIPALITIES, display_polygons_key="istat_code",
                  mode=mode, network=network, output=output)
    result = coverage(SERVICES, TOWN_CENTRES, "population", count_within_minutes=30.0,
                      summary_minutes=SUMMARY_MINUTES, output_layer="municipalities", progress=progress, **common)
    common["append"] = True
    access = accessibility_job(SERVICES, TOWN_CENTRES, "population", method="e2sfca", served_within_minutes=30.0,
                               progress=progress, **common)
    gap_category = max(access["categories"], key=lambda c: access["categories"][c]["gap_score"].sum())
    sites = suggest_sites(SERVICES, TOWN_CENTRES, "population", gap_category, new_sites=3,
                          covered_within_minutes=30.0, **common)
    result.update(output=str(output), accessibility=access, gap_category=gap_category, suggested_sites=sites)
    return result
