"""Command line: ``capacitymetro COMMAND``.

The options of the analysis commands are made from the core's parameter
table (``_core.job_specs()``): their names, defaults, units, choices and
help are defined once, in the core. Bad input exits with status 2 and one
clear message, without a traceback.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import sys
import warnings
from pathlib import Path
from typing import Optional, Sequence

import numpy as np

from . import _core
from .demo import ATTRIBUTION, run_demo
from .publish import PublishError


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
    minutes_shown = list(result["summary"][0]["population_within_minutes"])[:3] if result["summary"] else []
    lines = [
        f"Mode {result['mode']} ({COST_MODELS[result['cost_model']]}),"
        f" working CRS EPSG:{result['working_epsg']}",
        f"{'category':<34} {'desks':>5} " + " ".join(f"{f'<={m:g} min':>16}" for m in minutes_shown)
        + "  worst served (minutes to nearest)",
    ]
    for row in result["summary"]:
        total = row["population_total"]
        cells = []
        for minutes in list(row["population_within_minutes"])[:3]:
            reached = row["population_within_minutes"].get(minutes, float("nan"))
            cells.append(f"{_population(reached)} {100 * reached / total:3.0f}%" if total else "-")
        times = result["coverage"][row["category"]]["nearest_time_s"]
        worst = ", ".join(
            f"{names[i]} ({times[i] / 60:.0f})" if times[i] != float("inf") else f"{names[i]} (none)"
            for i in row["worst_served"][:3]
        )
        label = row["labels"].get(language, row["labels"]["en"])[:34]
        lines.append(f"{label:<34} {row['services']:>5} " + " ".join(f"{c:>16}" for c in cells) + f"  {worst}")
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
    solution = sites["solution"]
    mean = "" if solution["mean_minutes"] is None else f" Mean travel {solution['mean_minutes']:.1f} min per resident."
    lines.append(f"  {solution['model']}: {solution['summary_en']}{mean}")
    return "\n".join(lines)


#: How each cost model is described in printouts.
COST_MODELS = {"network": "network", "straight_line": "straight line x detour",
               "transit": "timetables and walking legs, median over the departure window",
               "matrix": "your own travel-cost matrix"}
#: CLI command -> (core job, what it prints); `accessibility` and `gaps` run the same job.
COMMANDS = {
    "nearest": ("coverage", "nearest service per category for each demand unit"),
    "travel-areas": ("travel_areas", "travel-time areas (isochrones) of each service"),
    "accessibility": ("accessibility", "accessibility index per category (2SFCA, E2SFCA, 3SFCA, gravity)"),
    "gaps": ("accessibility", "service gaps per category and the worst-served zones"),
    "suggest-sites": ("siting", "new sites that cover the most population (MCLP)"),
    "needs": ("needs", "needs analysis from the desks' anonymised request records"),
}
PAIR_SEPARATOR = ":"


def _pair(text: str) -> list:
    """``10:0.68`` as ``[10.0, 0.68]``."""
    try:
        first, second = text.split(PAIR_SEPARATOR)
        return [float(first), float(second)]
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not NUMBER{PAIR_SEPARATOR}NUMBER") from None


def _help(parameter: dict) -> str:
    text = parameter["help_en"]
    if parameter["unit"]:
        text += f" [{parameter['unit']}]"
    default = parameter["default"]
    if default not in (None, [], False, ""):
        if parameter["kind"] == "pairs":
            default = " ".join(f"{a:g}{PAIR_SEPARATOR}{b:g}" for a, b in default)
        elif isinstance(default, list):
            default = " ".join(f"{v:g}" if isinstance(v, float) else str(v) for v in default)
        text += f" (default: {default})"
    return text.replace("%", "%%")


def add_parameters(parser: argparse.ArgumentParser, parameters: list) -> None:
    """Arguments from the core's parameter table: required layers and files
    are positional, everything else an option whose default is the core's
    (argparse keeps None, so the core applies it)."""
    categories = [c["id"] for c in _core.vocabulary()]
    for p in parameters:
        flag = "--" + p["name"].replace("_", "-")
        kind = p["kind"]
        extra: dict = {}
        if kind in ("layer", "file") and p["required"]:
            parser.add_argument(p["name"], type=Path, help=_help(p))
            continue
        if kind in ("layer", "file", "output"):
            extra = {"type": Path}
        elif kind == "files":
            extra = {"nargs": "+", "type": Path, "metavar": "FILE"}
        elif kind == "number":
            extra = {"type": float}
        elif kind == "integer":
            extra = {"type": int}
        elif kind == "bool":
            extra = {"action": argparse.BooleanOptionalAction}
        elif kind == "choice":
            extra = {"choices": p["choices"]}
        elif kind == "category":
            extra = {"choices": categories}
        elif kind == "categories":
            extra = {"nargs": "+", "choices": categories, "metavar": "CATEGORY"}
        elif kind == "numbers":
            extra = {"nargs": "+", "type": float, "metavar": "N"}
        elif kind == "pairs":
            extra = {"nargs": "+", "type": _pair, "metavar": f"N{PAIR_SEPARATOR}W"}
        flags = [flag, "--out"] if kind == "output" else [flag]
        parser.add_argument(*flags, dest=p["name"], default=None, required=p["required"], help=_help(p), **extra)


def job_arguments(args: argparse.Namespace, parameters: list) -> dict:
    """The options given on the command line, for the core."""
    return {p["name"]: getattr(args, p["name"]) for p in parameters if getattr(args, p["name"], None) is not None}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="capacitymetro",
        description="Services for migrants in the Metropolitan City of Venice: validate a catalogue, "
        "find the nearest service per category, travel areas, accessibility, gaps, new sites, publish.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_core.__version__}")
    parser.add_argument("--debug", action="store_true",
                        help="on an error, show the Python traceback too (for a bug report; set CAPACITYMETRO_DEBUG=1 "
                        "before starting to see the core's own panic messages)")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    specs = {spec["name"]: spec for spec in _core.job_specs()}

    validate = commands.add_parser("validate", help="check a service catalogue and list every problem",
                                   description="Check a service catalogue (any OGR format; a CSV needs lon/lat "
                                   "columns) and list every problem with its layer, feature and field.")
    validate.add_argument("services", type=Path, help="catalogue file")
    validate.add_argument("--layer", help="layer name, when the file has several")
    validate.add_argument("--working-epsg", type=int, default=None,
                          help="EPSG code of the metric working CRS (default: the UTM zone of the services)")

    for command, (job, text) in COMMANDS.items():
        spec = specs[job]
        sub = commands.add_parser(command, help=text, description=spec["help_en"])
        add_parameters(sub, spec["parameters"])
        if job == "needs":
            sub.add_argument("--report", type=Path, default=None, metavar="FOLDER",
                             help="also write the HTML report (Italian and English, with charts) of --output here")

    catalogue = commands.add_parser("catalogue", help="keep the service catalogue and exchange it with other formats",
                                    description="Keep the service catalogue: exchange it with Open Referral HSDS, "
                                    "OpenStreetMap and spreadsheets.")
    catalogue_commands = catalogue.add_subparsers(dest="catalogue_command", required=True, metavar="ACTION")
    add_keeping_commands(catalogue_commands)
    add_exchange_commands(catalogue_commands)

    demo = commands.add_parser("demo", help="run the analysis on the embedded Venice data",
                               description="Coverage, accessibility, gaps and new sites for the 44 municipalities "
                               "of the Metropolitan City of Venice with an illustrative service catalogue.")
    demo.add_argument("--out", type=Path, default=Path("demo-output"), help="output folder (default: %(default)s)")
    modes = next(p for p in specs["coverage"]["parameters"] if p["name"] == "mode")["choices"]
    demo.add_argument("--mode", choices=modes, default="car", help="travel mode (default: %(default)s)")
    demo.add_argument("--network", type=Path, default=None,
                      help="travel on this network: a saved .cmnet file, an OSM .pbf file or a line layer "
                      "(default: straight lines)")
    demo.add_argument("--no-maps", action="store_true", help="do not render PNG maps (they need QGIS)")
    demo.add_argument("--language", default="en", choices=[*_core.vocabulary()[0]["labels"]],
                      help="language of category labels (default: %(default)s)")

    network = commands.add_parser("network", help="build or inspect a road network",
                                  description="Build a network (walk, bike and car graphs) from an OSM PBF file or "
                                  "an OGR line layer and save it, or describe a saved one.")
    network_commands = network.add_subparsers(dest="network_command", required=True, metavar="ACTION")
    build = network_commands.add_parser("build", help="build and save a network",
                                        description=specs["network_build"]["help_en"])
    add_parameters(build, specs["network_build"]["parameters"])
    info = network_commands.add_parser("info", help="describe a saved network",
                                       description="Source, CRS and, per mode, nodes, edges, length and the "
                                       "islands dropped.")
    info.add_argument("network", type=Path, help="network file (.cmnet)")

    publish = commands.add_parser("publish", help="publish results as public WMS layers",
                                  description="Publish a results GeoPackage for the public: only aggregated layers, "
                                  "counts under --threshold suppressed, styles from the GeoPackage.")
    targets = publish.add_subparsers(dest="target", required=True, metavar="TARGET")
    geoserver = targets.add_parser("geoserver", help="upload to GeoServer through its REST API (idempotent)",
                                   description="Create or update, never delete: workspace, data store, layers with "
                                   "Italian and English titles, SLD styles (also one per language), a layer group and WMS metadata. "
                                   "Credentials: GEOSERVER_USER/GEOSERVER_PASSWORD, ~/.netrc or a prompt.")
    geoserver.add_argument("url", help="GeoServer URL, e.g. https://maps.example.org/geoserver")
    geoserver.add_argument("results", type=Path, help="results GeoPackage")
    geoserver.add_argument("--workspace", required=True, help="GeoServer workspace")
    geoserver.add_argument("--store", default="capacitymetro", help="data store name (default: %(default)s)")
    geoserver.add_argument("--dry-run", action="store_true", help="list the calls that would change something")
    geoserver.add_argument("--threshold", type=float, default=10, help="suppress counts below (default: %(default)s)")
    add_metadata_options(geoserver, required=False)
    add_languages_option(geoserver)
    web = targets.add_parser("web", help="write the public page (a static folder any web server can host)",
                             description=specs["web_data"]["help_en"] + " Only what the public copy allows is "
                             "exported; an <iframe> snippet is written as embed.html.")
    add_parameters(web, [p for p in specs["web_data"]["parameters"] if p["name"] != "output_dir"])
    web.add_argument("--out", dest="output_dir", type=Path, required=True, help="the site folder to write")
    web.add_argument("--threshold", type=float, default=10, help="suppress counts below (default: %(default)s)")
    web.add_argument("--site-url", default="https://example.org/bussola/",
                     help="where the page will be hosted, for the embed snippet (default: %(default)s)")
    qgis_server = targets.add_parser("qgis-server", help="write a QGIS Server project",
                                     description="Write a QGIS project (and the public GeoPackage beside it) for QGIS "
                                     "Server: styled layers, WMS title, abstract, contact, CRS list, field aliases; and one project "
                                     "per language (NAME_LANG.qgs) with titles, aliases and legends in it.")
    qgis_server.add_argument("results", type=Path, help="results GeoPackage")
    qgis_server.add_argument("--out", type=Path, required=True, help="project file (.qgs)")
    qgis_server.add_argument("--threshold", type=float, default=10, help="suppress counts below (default: %(default)s)")
    add_metadata_options(qgis_server, required=False)
    add_languages_option(qgis_server)
    metadata = targets.add_parser("metadata", help="write RNDT metadata records (ISO 19139) of the public layers",
                                  description="Write one ISO 19139 record per public map layer and one for the WMS "
                                  "(with --wms-url), following RNDT 2.0 (the Italian profile of ISO 19115/19139 and "
                                  "INSPIRE): identifiers prefixed by the iPA code, titles and abstracts from the "
                                  "results' schema, extent, CRS, lineage, licence, INSPIRE and GEMET keywords.")
    metadata.add_argument("results", type=Path, help="results GeoPackage")
    metadata.add_argument("--out", type=Path, required=True, help="folder of the records")
    metadata.add_argument("--threshold", type=float, default=10,
                          help="the suppression threshold the published layers use, stated in the lineage "
                          "(default: %(default)s)")
    add_metadata_options(metadata, required=True)
    return parser


def add_keeping_commands(actions: argparse._SubParsersAction) -> None:
    """``catalogue create`` and ``catalogue changes``: the GeoPackage the office edits in QGIS."""
    create = actions.add_parser("create", help="write an empty catalogue GeoPackage with its QGIS form and history",
                                description="Write an empty catalogue (GeoPackage, layer services in WGS 84) that "
                                "QGIS opens with its editing form (tabs, lists, checks) and whose changes are kept "
                                "in the services_history table.")
    create.add_argument("out", type=Path, help="the GeoPackage to write (.gpkg); an existing file is not replaced")
    create.add_argument("--language", default=None, choices=[*_core.vocabulary()[0]["labels"]],
                        help="language of the form's category labels (Italian or English for its other texts; "
                        "default: from LANG, else en)")
    create.add_argument("--overwrite", action="store_true", help="replace an existing file")
    changes = actions.add_parser("changes", help="list the changes made to a catalogue since a date",
                                 description="List the changes kept in a catalogue's services_history: when (UTC), "
                                 "who, which service and, per field, the old and the new value.")
    changes.add_argument("catalogue", type=Path, help="catalogue GeoPackage made by 'catalogue create'")
    changes.add_argument("--since", default="1970-01-01", help="YYYY-MM-DD or YYYY-MM-DDTHH:MM, UTC (default: all)")


def run_catalogue_keeping(args: argparse.Namespace) -> int:
    from .catalogue_form import changes, create_catalogue, format_changes

    if args.catalogue_command == "create":
        from_environment = os.environ.get("LANG", "")[:2]
        language = args.language or (from_environment if from_environment in _core.vocabulary()[0]["labels"] else "en")
        print(f"Written: {create_catalogue(args.out, language, overwrite=args.overwrite)} (empty catalogue; open its "
              "services layer in QGIS with the CapaCityMetro plugin to edit it)")
    else:
        print(format_changes(changes(args.catalogue, args.since)))
    return 0


def add_exchange_commands(actions: argparse._SubParsersAction) -> None:
    """``catalogue export`` and ``catalogue import``: Open Referral HSDS, OpenStreetMap, CSV."""
    from .exchange import EXPORT_FORMATS, IMPORT_FORMATS

    export = actions.add_parser("export", help="write the catalogue as HSDS (JSON or CSV package), CSV or an "
                                "osmChange draft", description="Write the catalogue in an exchange format: "
                                + "; ".join(f"{k}: {v}" for k, v in EXPORT_FORMATS.items()) + ".")
    export.add_argument("catalogue", type=Path, help="catalogue file (any OGR format; a CSV needs lon/lat columns)")
    export.add_argument("--format", required=True, choices=list(EXPORT_FORMATS), help="the format to write")
    export.add_argument("--out", type=Path, required=True, help="file to write (a folder for hsds-csv)")
    export.add_argument("--layer", help="layer name, when the file has several")
    imported = actions.add_parser("import", help="read HSDS, CSV or OpenStreetMap candidates into a catalogue",
                                  description="Read an exchange format into a catalogue (.gpkg or .csv): "
                                  + "; ".join(f"{k}: {v}" for k, v in IMPORT_FORMATS.items()) + ".")
    imported.add_argument("source", type=Path, help="the file (or HSDS package folder) to read")
    imported.add_argument("--format", required=True, choices=list(IMPORT_FORMATS), help="the format to read")
    imported.add_argument("--out", type=Path, required=True, help="catalogue to write (.gpkg or .csv)")


def run_catalogue_exchange(args: argparse.Namespace) -> int:
    from .exchange import export_catalogue, import_catalogue

    if args.catalogue_command == "export":
        done = export_catalogue(args.catalogue, args.out, args.format, layer=args.layer)
    else:
        done = import_catalogue(args.source, args.out, args.format)
    for warning in done["warnings"]:
        print(f"capacitymetro catalogue {args.catalogue_command}: warning: {warning}", file=sys.stderr)
    print(f"Written: {done['out']} ({done['services']} services, {args.format})")
    return 0


def add_languages_option(parser: argparse.ArgumentParser) -> None:
    """The languages the WMS layers are published in."""
    from .publish.privacy import LANGUAGES

    def languages(text: str) -> list:
        chosen = [code.strip() for code in text.split(",") if code.strip()]
        unknown = [code for code in chosen if code not in LANGUAGES]
        if unknown or not chosen:
            raise argparse.ArgumentTypeError(f"{text!r}: a comma-separated list of {','.join(LANGUAGES)}")
        return chosen

    parser.add_argument("--languages", type=languages, default=list(LANGUAGES), metavar="LIST",
                        help="languages of the titles, field aliases and legends, comma-separated "
                             f"(default: all of {','.join(LANGUAGES)})")


def add_metadata_options(parser: argparse.ArgumentParser, required: bool) -> None:
    """The RNDT metadata options; for the WMS targets, records are written only when --ipa is given."""
    from .publish.metadata import LICENCES, MetadataOptions

    group = parser.add_argument_group("RNDT metadata" + ("" if required else " (written when --ipa is given)"))
    group.add_argument("--ipa", required=required, metavar="CODE",
                       help="iPA code of the administration: the prefix of every record's identifier")
    group.add_argument("--contact-email", help="e-mail of the point of contact (required with --ipa)")
    group.add_argument("--contact-name", help="name of the point of contact (a person or an office)")
    group.add_argument("--organisation", default=MetadataOptions.organisation,
                       help="responsible organisation (default: %(default)s)")
    group.add_argument("--licence", choices=list(LICENCES), default=MetadataOptions.licence,
                       help="licence of the data (default: %(default)s)")
    group.add_argument("--wms-url", help="the public WMS URL the layers are served at (the datasets' online resource; "
                       "the service record needs it)" + ("" if required or parser.prog.endswith("qgis-server")
                                                          else "; default: URL/WORKSPACE/wms"))
    group.add_argument("--records-url", help="the public URL the records' folder is served at (the layers' "
                       "MetadataURL; default: the records' file:// addresses)")
    group.add_argument("--scale", type=int, default=MetadataOptions.scale,
                       help="denominator of the equivalent scale of the layers (default: %(default)s)")
    if not required:
        group.add_argument("--metadata-out", type=Path, default=None, metavar="FOLDER",
                           help="folder of the records (default: metadata/ beside the "
                           + ("project)" if parser.prog.endswith("qgis-server") else "results)"))


def metadata_options(args: argparse.Namespace):
    """The RNDT options given, or None without --ipa."""
    from .publish.metadata import MetadataOptions

    if not args.ipa:
        given = [f"--{name.replace('_', '-')}" for name in ("contact_email", "contact_name", "wms_url", "records_url",
                                                            "metadata_out") if getattr(args, name, None)]
        if given:
            raise PublishError(f"{', '.join(given)} without --ipa: the RNDT metadata records are written only with --ipa")
        return None
    return MetadataOptions(ipa=args.ipa, contact_email=args.contact_email, contact_name=args.contact_name,
                           organisation=args.organisation, licence=args.licence, wms_url=args.wms_url,
                           records_url=args.records_url, scale=args.scale)


def format_metadata(done: dict) -> str:
    lines = [f"Metadata (RNDT): {sum(r['changed'] for r in done['records'])} of {len(done['records'])} record(s) "
             f"written in {done['out_dir']}, the others unchanged"]
    lines += [f"  {r['kind']}{' ' + r['layer'] if r['layer'] else ''}: {r['file_identifier']}  {r['url']}"
              for r in done["records"]]
    lines += [f"  warning: {w}" for w in done["warnings"]]
    return "\n".join(lines)


def run_publish(args: argparse.Namespace) -> int:
    from .publish.geoserver import publish
    from .publish.qgis_server import write_project

    if args.target == "web":
        from .publish.web import publish_web

        spec = next(s for s in _core.job_specs() if s["name"] == "web_data")
        options = job_arguments(args, [p for p in spec["parameters"] if p["name"] != "output_dir"])
        done = publish_web(options.pop("results"), args.output_dir, threshold=args.threshold, site_url=args.site_url,
                           progress=ProgressBar("public page"), **options)
        print(format_site(done))
        return 0
    metadata = metadata_options(args)
    if args.target == "metadata":
        from .publish.metadata import write_metadata

        print(format_metadata(write_metadata(args.results, args.out, metadata, threshold=args.threshold)))
        return 0
    if args.target == "geoserver":
        calls = publish(args.results, args.url, args.workspace, store=args.store, threshold=args.threshold,
                        dry_run=args.dry_run, metadata=metadata, metadata_dir=args.metadata_out,
                        languages=args.languages)
        print(f"{len(calls)} change(s){' to make' if args.dry_run else ''}; nothing deleted.")
        return 0
    contact = {"organization": metadata.organisation, "mail": metadata.contact_email} if metadata else {}
    done = write_project(args.results, args.out, threshold=args.threshold, metadata=metadata,
                         metadata_dir=args.metadata_out, languages=args.languages, **contact)
    print(f"Written: {done['project']} serving {', '.join(done['served'])} from {done['public_gpkg']}")
    print("In each language: " + ", ".join(f"{language} {path}" for language, path in done["projects"].items()))
    if done["left_out"]:
        print("Not public (finer than the zones): " + ", ".join(done["left_out"]))
    if done["metadata"]:
        print(format_metadata(done["metadata"]))
    return 0


def run_job(args: argparse.Namespace) -> int:
    job = COMMANDS[args.command][0]
    spec = next(s for s in _core.job_specs() if s["name"] == job)
    options = job_arguments(args, spec["parameters"])
    progress = ProgressBar(args.command)
    if job == "coverage":
        result = _core.coverage(progress=progress, **options)
        print(format_summary(result))
    elif job == "travel_areas":
        result = _core.travel_areas(progress=progress, **options)
        bands = ", ".join(f"{m:g}" for m in sorted({a["minutes"] for a in result["areas"]}))
        print(f"{len(result['areas'])} areas for bands {bands} min")
        if result["unreachable_services"]:
            print("No area (too far from the network or from every stop, or no grid cell within the bands): "
                  + ", ".join(result["unreachable_services"]))
    elif job == "siting":
        result = _core.suggest_sites(progress=progress, **options)
        print(format_sites(result, result["category"]))
    elif job == "needs":
        if args.report is not None and not options.get("output"):
            raise _core.InputError("--report needs --output: the report is written from the results GeoPackage")
        result = _core.needs(progress=progress, **options)
        print(format_needs(result))
        if args.report is not None:
            from .needs_report import write_report

            report = write_report(options["output"], args.report, result)
            print(f"Report: {report['en']} (Italiano: {report['it']})")
    else:
        result = _core.accessibility_job(progress=progress, **options)
        for category, values in result["categories"].items():
            if args.command == "gaps":
                print(format_gaps(result, category))
            else:
                a = values["access"]
                print(f"{category:<20} min {a.min():.4g}  median {np.median(a):.4g}  max {a.max():.4g}")
    if result["layers"]:
        print(f"Written: {options['output']} (layers {', '.join(result['layers'])})")
    return 0


def format_needs(result: dict) -> str:
    """The needs analysis in a few lines: records, suppression, the fitted decay, the zones with most requests."""
    lines = []
    if result.get("note"):
        lines.append(result["note"])
    lines.append(f"{result['records']:,} request records; {result['suppressed']} counts suppressed (below the minimum, "
                 "or giving one back)")
    decay = result["decay"]
    if decay:
        lines.append(f"Distance decay fitted to the flows: exp(-t / {decay['decay_minutes']:.1f} min) "
                     f"(± {decay['standard_error_minutes']:.1f}); use --decay exponential "
                     f"--decay-minutes {decay['decay_minutes']:.1f} in accessibility")
    top = sorted(result["zones"], key=lambda z: -(z["rate_per_1000"] or 0))[:5]
    for zone in top:
        missing = ", ".join(zone["languages_not_offered"]) or "none"
        lines.append(f"  {zone['name']:<24} {zone['category']:<18} {zone['rate_per_1000']:6.1f} requests per 1,000 "
                     f"residents; languages not offered: {missing}")
    return "\n".join(lines)


def format_site(done: dict) -> str:
    weight = sum(done["files"].values())
    return (f"Public page: {done['output_dir']} ({done['desks']} desks, {done['places']} places, "
            f"travel times {done['mode']}, {COST_MODELS.get(done['cost_model'], done['cost_model'])}, "
            f"data {weight / 1024:.0f} KiB)\n"
            f"Open it with: python -m http.server -d {done['output_dir']}   (then http://localhost:8000)\n"
            f"Embed it: {done['embed']}")


def run_network(args: argparse.Namespace) -> int:
    if args.network_command == "info":
        network, rebuilt = _core.Network.open(args.network)
        print(format_network(network.info(), rebuilt))
        return 0
    spec = next(s for s in _core.job_specs() if s["name"] == "network_build")
    done = _core.build_network(**job_arguments(args, spec["parameters"]))
    print(f"Written: {args.output}" if done["status"] == "built" else f"{args.output}: {done['status'].replace('_', ' ')}")
    print(format_network(done["info"], done["status"] != "up_to_date"))
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
    if args.command == "catalogue" and args.catalogue_command in ("create", "changes"):
        return run_catalogue_keeping(args)
    if args.command == "catalogue" and args.catalogue_command in ("export", "import"):
        return run_catalogue_exchange(args)
    if args.command in COMMANDS:
        return run_job(args)
    if args.command == "validate":
        services, epsg = _core.validate_catalogue(args.services, args.layer, args.working_epsg)
        print(f"{args.services}: {len(services)} services, all valid (working CRS EPSG:{epsg})")
        return 0
    network = None
    if args.network:
        network = _core.Network.open(args.network)[0]
    result = run_demo(args.out, mode=args.mode, network=network, progress=ProgressBar("demo"))
    print(format_summary(result, args.language))
    print()
    print(format_gaps(result["accessibility"], result["gap_category"]))
    print()
    print(format_sites(result["suggested_sites"], result["gap_category"]))
    layers = [*result["layers"], *result["accessibility"]["layers"], *result["suggested_sites"]["layers"]]
    print(f"Written: {result['output']} (layers {', '.join(layers)})")
    from .demo import MUNICIPALITIES, transit_options
    from .publish.web import ASSETS, publish_web

    if (ASSETS / "index.html").exists():
        # the public page travels as the demo did: by waterbus and on foot in the transit demo
        travel = transit_options() if args.mode == "transit" else {}
        site = publish_web(result["output"], Path(args.out) / "site", boundaries=MUNICIPALITIES, network=network,
                           **travel)
        print(format_site(site))
    else:
        print("Public page: skipped, the page is not built (make web-build)")
    if args.mode == "transit":
        from .demo import WATERBUS_CREDIT

        print("Transit: the ACTV waterbus and walking (straight line x 1.3, at most 1 km a leg). Mainland buses and "
              "trains are not in the embedded data: pass your own feeds (ACTV buses, ATVO, Busitalia, Trenitalia) "
              "with --gtfs to the analysis commands. " + WATERBUS_CREDIT)
    if args.mode != "transit":
        from .demo import run_needs_demo

        needs_result = run_needs_demo(args.out, progress=ProgressBar("needs"))
        print()
        print(format_needs(needs_result))
        print(f"Written: {needs_result['output']} (layers {', '.join(needs_result['layers'])})")
        try:
            from .needs_report import write_report

            report = write_report(needs_result["output"], Path(args.out) / "needs_report", needs_result)
            print(f"Needs report: {report['en']} (Italiano: {report['it']})")
        except _core.InputError as error:
            print(f"Needs report: skipped ({error})")
    if not args.no_maps and args.mode != "transit":
        from .maps import qgis_available, render_maps

        if qgis_available():
            print("Maps: " + ", ".join(render_maps(result["output"], Path(args.out) / "maps", attribution=ATTRIBUTION)))
        else:
            print("Maps: skipped, QGIS (PyQGIS) is not installed")
    print(ATTRIBUTION)
    return 0


def _stop_on_sigterm(signum: int, frame: object) -> None:
    # as Ctrl-C: the core stops at its next check and removes its temporary files
    raise KeyboardInterrupt


def _in_cli_words(message: str, parser: argparse.ArgumentParser, command: str) -> str:
    """The core names options as Python does (new_sites); here they are --new-sites."""
    options: dict[str, str] = {}
    for action in parser._actions:  # the sub-command's own parser holds its options
        if isinstance(action, argparse._SubParsersAction) and command in action.choices:
            options = {a.dest: a.option_strings[-1] for a in action.choices[command]._actions if a.option_strings}
    return re.sub(r"parameter '(\w+)'", lambda m: f"option {options[m[1]]}" if m[1] in options else m[0], message)


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, _stop_on_sigterm)

    def one_line(message, category, filename, lineno, file=None, line=None) -> None:  # noqa: ANN001
        print(f"capacitymetro {args.command}: warning: {message}", file=sys.stderr)

    warnings.showwarning = one_line
    try:
        return run(args)
    except (KeyboardInterrupt, _core.CancelledError):
        print(f"capacitymetro {args.command}: interrupted; no output was changed", file=sys.stderr)
        return 130
    except (_core.CapacityMetroError, PublishError) as error:
        if args.debug:
            raise
        print(f"capacitymetro {args.command}: {_in_cli_words(str(error), parser, args.command)}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
