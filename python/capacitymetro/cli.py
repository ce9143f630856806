"""Command line: ``capacitymetro validate | nearest | demo``.

Bad input exits with status 2 and one clear message, without a traceback.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Optional, Sequence

from . import _core
from .demo import ATTRIBUTION, SUMMARY_MINUTES, run_demo

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
        f"Mode {result['mode']} (straight line x detour), working CRS EPSG:{result['working_epsg']}",
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
    return "\n".join(lines)


def _add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--mode", choices=MODES, default="walk", help="travel mode (default: %(default)s)")
    parser.add_argument("--minutes", type=float, default=30.0,
                        help="count services reachable within this many minutes (default: %(default)s)")
    parser.add_argument("--working-epsg", type=int, default=None,
                        help="EPSG code of the metric working CRS (default: the UTM zone of the services)")


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
    nearest.add_argument("services", type=Path, help="service catalogue file")
    nearest.add_argument("demand", type=Path, help="demand file (points or polygons)")
    nearest.add_argument("--population", required=True, help="population field of the demand layer")
    nearest.add_argument("--id-field", help="identifier field of the demand layer (default: feature id)")
    nearest.add_argument("--name-field", help="name field of the demand layer")
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
    demo.add_argument("--language", default="en", choices=["it", "en", "fr", "ar", "bn", "uk", "zh"],
                      help="language of category labels (default: %(default)s)")
    return parser


def run(args: argparse.Namespace) -> int:
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
            output=args.out, progress=ProgressBar("nearest"),
        )
        print(format_summary(result))
        print(f"Written: {args.out}")
        return 0
    result = run_demo(args.out, mode=args.mode, progress=ProgressBar("demo"))
    print(format_summary(result, args.language))
    print(f"Written: {result['output']} (layers services, municipalities, summary)")
    print(ATTRIBUTION)
    return 0


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return run(args)
    except _core.CapacityMetroError as error:
        print(f"capacitymetro {args.command}: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"capacitymetro {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
