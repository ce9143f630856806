"""The embedded demo: the 44 municipalities of the Metropolitan City of
Venice and an illustrative catalogue of service desks (not an official
directory). Runs the analyses of the core; no analysis here.

With ``mode="transit"`` Venezia is split into its six municipalità (the
historic centre and the Lido are no longer measured from Mestre) and people
travel by waterbus (the embedded ACTV extract) and on foot. Mainland buses
and trains are not in the embedded data: pass their feeds to include them."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any, Callable, Optional

from ._core import accessibility_job, coverage, needs, suggest_sites
from .synthetic import synthetic_requests

DEMO_DATA = Path(__file__).resolve().parent / "data"
SERVICES = DEMO_DATA / "services.csv"
TOWN_CENTRES = DEMO_DATA / "town_centres.csv"
MUNICIPALITIES = DEMO_DATA / "municipalities.geojson"
ATTRIBUTION = "Boundaries and population: ISTAT / Openpolis, CC BY 4.0. Services: illustrative, not an official directory."
SUMMARY_MINUTES = [15.0, 30.0, 60.0]
MUNICIPALITA = DEMO_DATA / "venezia_municipalita.csv"
WATERBUS = DEMO_DATA / "actv_waterbus.zip"
#: The weekday the waterbus extract holds (see metadata.json).
WATERBUS_DATE = "2026-04-15"
WATERBUS_CREDIT = "Waterbus timetable: ACTV open data, CC BY 3.0."
VENEZIA = "027042"
#: How many synthetic request records the demo's needs analysis draws.
DEMO_REQUESTS = 20000


def split_demand(folder: Path) -> Path:
    """The demand units of the transit demo: the 43 other town centres and
    Venezia's six municipalità (written to ``folder/demand_units.csv``)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "demand_units.csv"
    with open(TOWN_CENTRES, newline="", encoding="utf-8") as f:
        rows = [dict(unit_id=r["istat_code"], name=r["name"], municipality=r["name"], population=r["population"],
                     lon=r["lon"], lat=r["lat"]) for r in csv.DictReader(f) if r["istat_code"] != VENEZIA]
    with open(MUNICIPALITA, newline="", encoding="utf-8") as f:
        rows += [dict(unit_id=r["id"], name=r["name"], municipality="Venezia", population=r["population"],
                      lon=r["lon"], lat=r["lat"]) for r in csv.DictReader(f)]
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def transit_options() -> dict:
    """How the transit demo travels: the embedded waterbus extract on its weekday."""
    return dict(mode="transit", gtfs=[WATERBUS], service_date=WATERBUS_DATE)


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
    if mode == "transit":
        demand = split_demand(Path(out_dir))
        common = dict(id_field="unit_id", name_field="name", aggregate_by="municipality", output=output,
                      **transit_options())
        result = coverage(SERVICES, demand, "population", count_within_minutes=30.0, summary_minutes=SUMMARY_MINUTES,
                          output_layer="units", progress=progress, **common)
        return _planning(result, SERVICES, demand, output, common, progress)
    output = Path(out_dir) / "cmv_demo.gpkg"
    common = dict(id_field="istat_code", name_field="name", aggregate_by="istat_code",
                  display_polygons=MUNICIPALITIES, display_polygons_key="istat_code",
                  mode=mode, network=network, output=output)
    result = coverage(SERVICES, TOWN_CENTRES, "population", count_within_minutes=30.0,
                      summary_minutes=SUMMARY_MINUTES, output_layer="municipalities", progress=progress, **common)
    return _planning(result, SERVICES, TOWN_CENTRES, output, common, progress)


def _planning(result: dict, services: Path, demand: Path, output: Path, common: dict, progress) -> dict:
    """E2SFCA accessibility and gaps, then three new sites for the category with the largest gap."""
    common = dict(common, append=True)
    access = accessibility_job(services, demand, "population", method="e2sfca", served_within_minutes=30.0,
                               progress=progress, **common)
    gap_category = max(access["categories"], key=lambda c: access["categories"][c]["gap_score"].sum())
    sites = suggest_sites(services, demand, "population", gap_category, new_sites=3,
                          covered_within_minutes=30.0, **common)
    result.update(output=str(output), accessibility=access, gap_category=gap_category, suggested_sites=sites)
    return result


def run_needs_demo(out_dir: str | Path = "demo-output", progress: Optional[Callable[[int, int], Any]] = None) -> dict:
    """The needs analysis on SYNTHETIC request records (``synthetic_requests``,
    seed 1, labelled synthetic in every layer and in the report) drawn from
    the demo's municipalities and desks; writes ``out_dir/requests_synthetic.csv``
    and ``out_dir/cmv_needs.gpkg``. Returns the needs result with ``output``
    and ``synthetic`` (the generator's parameters)."""
    out_dir = Path(out_dir)
    generated = synthetic_requests(out_dir / "requests_synthetic.csv", n=DEMO_REQUESTS, seed=1)
    output = out_dir / "cmv_needs.gpkg"
    result = needs(generated["path"], SERVICES, TOWN_CENTRES, population_field="population", id_field="istat_code",
                   name_field="name", display_polygons=MUNICIPALITIES, display_polygons_key="istat_code", mode="car",
                   note=generated["label"], output=output, progress=progress)
    result.update(output=str(output), synthetic=generated)
    return result
