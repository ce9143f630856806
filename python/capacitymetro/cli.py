"""Command line: ``capacitymetro validate | nearest | demo``.

Bad input exits with status 2 and one clear message, without a traceback.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Optional, Sequence

import numpy as np

from . import _core
from .demo import ATTRIBUTION, SUMMARY_MINUTES, run_demo
from .publish import PublishError


def open_network(path: Path) -> "_core.Network":
    """A saved network (rebuilt, with a note, when its source changed), or one built in memory."""
    from . import open_network as open_any

    return open_any(path, on_rebuilt=lambda p: print(f"{p}: its source changed, rebuilt", file=sys.stderr))

MODES = ("walk", "bike", "car")


class ProgressBar:
    """A one-line bar on stderr, shown only when stderr is a terminal."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.shown = sys.stderr.isatty()
        self.last = -1

    def __call__(self, done: int, total: int) -> bool:
        if self.shown and total:
            percent = 100 * done // total
            if percent != self.last:
                self.last = percent
                bar = "#" * (percent // 4)
                sys.stderr.write(f"\r{self.label} [{bar:<25}] {percent:3d}%")
                if done >= total:
                    sys.stderr.write("\n")
                sys.stderr.flush()
        return True


def _population(value: float) -> str:
    return f"{value:,.0f}".replace(",", " ")


def format_summary(result: dict, language: str = "en") -> str:
    """A readable table: per category, population within 15, 30 and 60
    minutes and the three worst-served units."""
    names = result["demand"]["name"]
    lines = [
        f"Mode {result['mode']} ({'network' if result['cost_model'] == 'network' else 'straight line x detour'}),"
        f" working CRS EPSG:{result['working_epsg']}",
        f"{'category':<34} {'desks':>5} {'<=15 min':>16} {'<=30 min':>16} {'<=60 min':>16}  worst served (minutes to nearest)",
    ]
    for row in result["summary"]:
        total = row["population_total"]
        cells = []
        for minutes in SUMMARY_MINUTES:
            reached = row["population_within_minutes"].get(minutes, float("nan"))
            cells.append(f"{_population(reached)} {100 * reached / total:3.0f}%" if total else "-")
        times = result["coverage"][row["category"]]["nearest_time_s"]
        worst = ", ".join(
            f"{names[i]} ({times[i] / 60:.0f})" if times[i] != float("inf") else f"{names[i]} (none)"
            for i in row["worst_served"][:3]
        )
        label = row["labels"].get(language, row["labels"]["en"])[:34]
        lines.append(f"{label:<34} {row['services']:>5} {cells[0]:>16} {cells[1]:>16} {cells[2]:>16}  {worst}")
    total = result["summary"][0]["population_total"] if result["summary"] else 0
    lines.append(f"Residents: {_population(total)} in {len(names)} units.")
    if result["unreachable_services"]:
        lines.append("Too far from the network, never reached: " + ", ".join(result["unreachable_services"]))
    return "\n".join(lines)


def format_gaps(access: dict, category: str, top: int = 5) -> str:
    """The worst-served zones of a category by gap score."""
    rows = access["categories"][category]["by_zone"][:top]
    lines = [f"Service gaps, {category}: zone, unserved, in the lowest fifth, gap score"]
    lines += [f"  {zone:<28} {_population(unserved):>9} {_population(low):>9} {_population(score):>9}"
              for zone, unserved, low, score in rows]
    return "\n".join(lines)


def format_sites(sites: dict, category: str) -> str:
    lines = [f"Suggested new sites for {category} (covered within the time: "
             f"{_population(sites['covered_before'])} -> {_population(sites['covered_after'])} of "
             f"{_population(sites['population_total'])}):"]
    lines += [f"  {rank}. {name}: +{_population(gain)}"
              for rank, (name, gain) in enumerate(zip(sites["sites"], sites["gains"]), start=1)]
    return "\n".join(lines)


def _add_demand(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("services", type=Path, help="service catalogue file")
    parser.add_argument("demand", type=Path, help="demand file (points or polygons)")
    parser.add_argument("--population", required=True, help="population field of the demand layer")
    parser.add_argument("--id-field", help="identifier field of the demand layer (default: feature id)")
    parser.add_argument("--name-field", help="name field of the demand layer")


def _add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--mode", choices=MODES, default="walk", help="travel mode (default: %(default)s)")
    parser.add_argument("--minutes", type=float, default=30.0,
                        help="count services reachable within this many minutes (default: %(default)s)")
    parser.add_argument("--working-epsg", type=int, default=None,
                        help="EPSG code of the metric working CRS (default: the UTM zone of the services)")
    _add_network(parser)


def _add_network(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--network", type=Path, default=None,
                        help="travel on this network: a saved .cmnet file, an OSM .pbf file or a line layer "
                        "(default: straight lines)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="capacitymetro",
        description="Services for migrants in the Metropolitan City of Venice: validate a catalogue, "
        "find the nearest service per category, run the embedded demo.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_core.__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    validate = commands.add_parser("validate", help="check a service catalogue and list every problem",
                                   description="Check a service catalogue (any OGR format; a CSV needs lon/lat "
                                   "columns) and list every problem with its layer, feature and field.")
    validate.add_argument("services", type=Path, help="catalogue file")
    validate.add_argument("--layer", help="layer name, when the file has several")

    nearest = commands.add_parser("nearest", help="nearest service per category for each demand unit",
                                  description="For each demand unit (points or polygons with a population field) "
                                  "and category: the nearest service, its distance and time, and the number of "
                                  "services within --minutes. Writes a GeoPackage.")
    _add_demand(nearest)
    nearest.add_argument("--services-layer", help="layer of the services file")
    nearest.add_argument("--demand-layer", help="layer of the demand file")
    nearest.add_argument("--category", action="append", help="analyse only this category (repeatable)")
    nearest.add_argument("--out", type=Path, required=True, help="output GeoPackage")
    _add_common(nearest)

    demo = commands.add_parser("demo", help="run the analysis on the embedded Venice data",
                               description="Coverage of every category for the 44 municipalities of the "
                               "Metropolitan City of Venice with an illustrative service catalogue.")
    demo.add_argument("--out", type=Path, default=Path("demo-output"), help="output folder (default: %(default)s)")
    demo.add_argument("--mode", choices=MODES, default="car", help="travel mode (default: %(default)s)")
    _add_network(demo)
    demo.add_argument("--no-maps", action="store_true", help="do not render PNG maps (they need QGIS)")
    demo.add_argument("--language", default="en", choices=["it", "en", "fr", "ar", "bn", "uk", "zh"],
                      help="language of category labels (default: %(default)s)")

    network = commands.add_parser("network", help="build or inspect a road network",
                                  description="Build a network (walk, bike and car graphs) from an OSM PBF file or "
                                  "an OGR line layer and save it, or describe a saved one.")
    network_commands = network.add_subparsers(dest="network_command", required=True, metavar="ACTION")
    build = network_commands.add_parser("build", help="build and save a network",
                                        description="Build a network and save it (.cmnet). An existing file built "
                                        "from the same, unchanged source is kept as it is.")
    build.add_argument("source", type=Path, help="OSM .pbf file or line layer")
    build.add_argument("--out", type=Path, required=True, help="network file to write (.cmnet)")
    build.add_argument("--working-epsg", type=int, default=None, help="EPSG code of the metric CRS "
                       "(default: the UTM zone of the data)")
    build.add_argument("--speed-field", help="line layers: car speed field, km/h")
    build.add_argument("--oneway-field", help="line layers: one-way field (yes/1/FT, -1/TF)")
    build.add_argument("--modes-field", help="line layers: allowed modes field (e.g. walk;bike;car)")
    build.add_argument("--tolerance-m", type=float, default=1.0,
                       help="line layers: end points closer than this are joined (default: %(default)s)")
    info = network_commands.add_parser("info", help="describe a saved network")
    info.add_argument("network", type=Path, help="network file (.cmnet)")

    areas = commands.add_parser("travel-areas", help="travel-time areas (isochrones) of each service",
                                description="For each service, the area from which it can be reached within each "
                                "time band, on a network. Writes the layers services and travel_areas.")
    areas.add_argument("services", type=Path, help="service catalogue file")
    areas.add_argument("--network", type=Path, required=True, help="network (.cmnet, .pbf or line layer)")
    areas.add_argument("--mode", choices=MODES, default="walk", help="travel mode (default: %(default)s)")
    areas.add_argument("--minutes", type=float, nargs="+", default=[5.0, 10.0, 15.0, 30.0],
                       help="time bands in minutes (default: 5 10 15 30)")
    areas.add_argument("--category", action="append", help="only services of this category (repeatable)")
    areas.add_argument("--cell-m", type=float, default=None,
                       help="grid cell in metres (default: 50 walking, 75 cycling, 100 driving)")
    areas.add_argument("--dissolve", action="store_true", help="one area per category and band")
    areas.add_argument("--out", type=Path, required=True, help="output GeoPackage")

    for name, text in (("accessibility", "accessibility index per category (2SFCA, E2SFCA, 3SFCA, gravity)"),
                       ("gaps", "service gaps per category and the worst-served zones")):
        command = commands.add_parser(name, help=text, description=text[0].upper() + text[1:] +
                                      ". Both commands write the layers accessibility and gaps_by_zone.")
        _add_demand(command)
        command.add_argument("--method", choices=["2sfca", "e2sfca", "3sfca", "gravity"], default="e2sfca",
                             help="index (default: %(default)s)")
        command.add_argument("--decay", help="decay for 2sfca, 3sfca, gravity: uniform, linear:S, exponential:S, "
                             "gaussian:S, power:EXP[:MIN_S] (seconds)")
        command.add_argument("--served-minutes", type=float, default=30.0,
                             help="unserved: no service within this many minutes (default: %(default)s)")
        command.add_argument("--zone-field", help="demand field to sum gaps by (default: each unit)")
        command.add_argument("--category", action="append", help="only this category (repeatable)")
        command.add_argument("--out", type=Path, required=True, help="output GeoPackage")
        _add_common(command)

    sites = commands.add_parser("suggest-sites", help="new sites that cover the most population (MCLP)",
                                description="Choose new sites for a category from candidate points (default: the "
                                "demand units) to cover the most population not yet within --minutes of a service "
                                "(Church and ReVelle 1974; greedy with interchange).")
    _add_demand(sites)
    sites.add_argument("--category", required=True, help="service category")
    sites.add_argument("--sites", type=int, default=3, help="number of new sites (default: %(default)s)")
    sites.add_argument("--candidates", type=Path, help="candidate points (default: the demand units)")
    sites.add_argument("--out", type=Path, required=True, help="output GeoPackage")
    _add_common(sites)

    publish = commands.add_parser("publish", help="publish results as public WMS layers",
                                  description="Publish a results GeoPackage for the public: only aggregated layers, "
                                  "counts under --threshold suppressed, styles from the GeoPackage.")
    targets = publish.add_subparsers(dest="target", required=True, metavar="TARGET")
    geoserver = targets.add_parser("geoserver", help="upload to GeoServer through its REST API (idempotent)",
                                   description="Create or update, never delete: workspace, data store, layers with "
                                   "Italian and English titles, SLD styles, a layer group and WMS metadata. "
                                   "Credentials: GEOSERVER_USER/GEOSERVER_PASSWORD, ~/.netrc or a prompt.")
    geoserver.add_argument("url", help="GeoServer URL, e.g. https://maps.example.org/geoserver")
    geoserver.add_argument("results", type=Path, help="results GeoPackage")
    geoserver.add_argument("--workspace", required=True, help="GeoServer workspace")
    geoserver.add_argument("--store", default="capacitymetro", help="data store name (default: %(default)s)")
    geoserver.add_argument("--dry-run", action="store_true", help="list the calls that would change something")
    geoserver.add_argument("--threshold", type=float, default=10, help="suppress counts below (default: %(default)s)")
    qgis_server = targets.add_parser("qgis-server", help="write a QGIS Server project",
                                     description="Write a QGIS project (and the public GeoPackage beside it) for QGIS "
                                     "Server: styled layers, WMS title, abstract, contact, CRS list, field aliases.")
    qgis_server.add_argument("results", type=Path, help="results GeoPackage")
    qgis_server.add_argument("--out", type=Path, required=True, help="project file (.qgs)")
    qgis_server.add_argument("--threshold", type=float, default=10, help="suppress counts below (default: %(default)s)")
    return parser


def run_publish(args: argparse.Namespace) -> int:
    from .publish.geoserver import publish
    from .publish.qgis_server import write_project

    if args.target == "geoserver":
        calls = publish(args.results, args.url, args.workspace, store=args.store, threshold=args.threshold,
                        dry_run=args.dry_run)
        print(f"{len(calls)} change(s){' to make' if args.dry_run else ''}; nothing deleted.")
        return 0
    done = write_project(args.results, args.out, threshold=args.threshold)
    print(f"Written: {done['project']} serving {', '.join(done['served'])} from {done['public_gpkg']}")
    if done["left_out"]:
        print("Not public (finer than the zones): " + ", ".join(done["left_out"]))
    return 0


def run_planning(args: argparse.Namespace, network) -> int:
    common = dict(id_field=args.id_field, name_field=args.name_field, mode=args.mode, network=network,
                  working_epsg=args.working_epsg, output=args.out)
    if args.command == "suggest-sites":
        sites = _core.suggest_sites(args.services, args.demand, args.population, args.category, sites=args.sites,
                                    minutes=args.minutes, candidates=args.candidates, **common)
        print(format_sites(sites, args.category))
        return 0
    access = _core.run_accessibility(args.services, args.demand, args.population, method=args.method,
                                     minutes=args.minutes, decay=args.decay, served_minutes=args.served_minutes,
                                     categories=args.category, zone_field=args.zone_field,
                                     progress=ProgressBar(args.command), **common)
    for category, values in access["categories"].items():
        if args.command == "gaps":
            print(format_gaps(access, category))
        else:
            a = values["access"]
            print(f"{category:<20} {args.method} min {a.min():.4g}  median {np.median(a):.4g}  max {a.max():.4g}")
    print(f"Written: {args.out} (layers accessibility, gaps_by_zone)")
    return 0


def run_network(args: argparse.Namespace) -> int:
    if args.network_command == "info":
        network, rebuilt = _core.Network.open(args.network)
        print(format_network(network.info(), rebuilt))
        return 0
    if args.out.exists():
        try:
            existing, rebuilt = _core.Network.open(args.out)
        except _core.CapacityMetroError:
            existing, rebuilt = None, False
        if existing is not None and Path(existing.info()["source"]).resolve() == args.source.resolve():
            print(f"{args.out}: {'rebuilt, its source changed' if rebuilt else 'up to date'}")
            print(format_network(existing.info(), rebuilt))
            return 0
    network = _core.Network.build(args.source, working_epsg=args.working_epsg, speed_field=args.speed_field,
                                  oneway_field=args.oneway_field, modes_field=args.modes_field,
                                  tolerance_m=args.tolerance_m)
    network.save(args.out)
    print(f"Written: {args.out}")
    print(format_network(network.info(), True))
    return 0


def format_network(info: dict, rebuilt: bool) -> str:
    lines = [f"source {info['source']} ({info['source_bytes']:,} bytes), EPSG:{info['epsg']}"]
    for mode, m in info["modes"].items():
        lines.append(f"  {mode:<5} {m['nodes']:>9,} nodes {m['edges']:>9,} edges {m['length_m'] / 1000:>9.1f} km; "
                     f"dropped {m['islands_dropped']} islands ({m['island_nodes_dropped']} nodes, "
                     f"{m['island_length_m_dropped'] / 1000:.1f} km)")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    if args.command == "publish":
        return run_publish(args)
    if args.command == "network":
        return run_network(args)
    if args.command == "travel-areas":
        network = open_network(args.network)
        result = _core.travel_areas(args.services, network, mode=args.mode, minutes=args.minutes,
                                    categories=args.category, cell_m=args.cell_m, dissolve=args.dissolve,
                                    output=args.out, progress=ProgressBar("travel areas"))
        print(f"{len(result['areas'])} areas for bands {', '.join(f'{m:g}' for m in args.minutes)} min "
              f"written to {args.out}")
        if result["unreachable_services"]:
            print("Too far from the network, no area: " + ", ".join(result["unreachable_services"]))
        return 0
    network = open_network(args.network) if getattr(args, "network", None) else None
    if args.command in ("accessibility", "gaps", "suggest-sites"):
        return run_planning(args, network)
    if args.command == "validate":
        services, epsg = _core.validate_catalogue(args.services, args.layer)
        print(f"{args.services}: {len(services)} services, all valid (working CRS EPSG:{epsg})")
        return 0
    if args.command == "nearest":
        result = _core.run_coverage(
            args.services, args.demand, args.population,
            services_layer=args.services_layer, demand_layer=args.demand_layer,
            id_field=args.id_field, name_field=args.name_field, mode=args.mode, minutes=args.minutes,
            summary_minutes=SUMMARY_MINUTES, categories=args.category, working_epsg=args.working_epsg,
            output=args.out, network=network, progress=ProgressBar("nearest"),
        )
        print(format_summary(result))
        print(f"Written: {args.out}")
        return 0
    result = run_demo(args.out, mode=args.mode, network=network, progress=ProgressBar("demo"))
    print(format_summary(result, args.language))
    print()
    print(format_gaps(result["accessibility"], result["gap_category"]))
    print()
    print(format_sites(result["suggested_sites"], result["gap_category"]))
    print(f"Written: {result['output']} (layers services, municipalities, summary, accessibility, gaps_by_zone, "
          "suggested_sites)")
    if not args.no_maps:
        from .maps import qgis_available, render_maps

        if qgis_available():
            print("Maps: " + ", ".join(render_maps(result["output"], Path(args.out) / "maps", attribution=ATTRIBUTION)))
        else:
            print("Maps: skipped, QGIS (PyQGIS) is not installed")
    print(ATTRIBUTION)
    return 0


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return run(args)
    except (_core.CapacityMetroError, PublishError) as error:
        print(f"capacitymetro {args.command}: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"capacitymetro {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
