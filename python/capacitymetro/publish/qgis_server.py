"""A QGIS project for QGIS Server (WMS), written with PyQGIS: the public
layers with their styles, WMS service metadata, CRS list and readable
GetFeatureInfo field aliases; with RNDT metadata options, the ISO 19139
records of the layers and of the service (``metadata.py``), linked from
GetCapabilities: each layer's ``<MetadataURL type="ISO19115:2003">`` and the
service's INSPIRE extended capabilities ``MetadataUrl``.

Languages: QGIS Server 3.22 has no request parameter that picks a language
(its project translation loads a ``.qm`` file once, in the server's locale),
so beside the Italian / English project one project per language is written,
``<name>_<language>.qgs``, whose layer titles, abstracts, field aliases
(GetFeatureInfo) and legends (the ``<style>_<language>`` styles the core
stores in ``layer_styles``) are in that language."""

from __future__ import annotations

import dataclasses
import sqlite3
from pathlib import Path
from typing import Optional, Sequence

from ..maps import qgis_available, run_pyqgis
from .metadata import MetadataOptions, write_metadata
from .privacy import LANGUAGES, PublishError, bilingual, check_languages, public_copy, read_translations

CRS_LIST = ["EPSG:3857", "EPSG:4326", "EPSG:32633", "EPSG:3003"]
#: ISO 639-2/B codes, as INSPIRE names the languages of a service.
ISO_639_2 = {"it": "ita", "en": "eng", "fr": "fre", "ar": "ara", "bn": "ben", "uk": "ukr", "zh": "chi"}
SCRIPT = r'''
import json, os, sys
from qgis.core import (QgsApplication, QgsProject, QgsVectorLayer, QgsCoordinateReferenceSystem,
                       QgsMapLayerServerProperties)
job = json.load(sys.stdin)
app = QgsApplication([], False)
app.initQgis()
project = QgsProject.instance()
for spec in job["projects"]:
    project.clear()
    project.setTitle(spec["title"])
    for name in job["layers"]:
        layer = QgsVectorLayer(f"{job['gpkg']}|layername={name}", spec["titles"][name], "ogr")
        if not layer.isValid():
            raise SystemExit(f"no layer {name}")
        if name in spec["styles"]:  # the stored style with its legend in the project's language
            apply_stored_style(layer, spec["styles"][name])
        layer.setShortName(name)
        layer.setTitle(spec["titles"][name])
        layer.setAbstract(spec["abstracts"][name])
        for field, alias in spec["aliases"][name].items():
            index = layer.fields().indexOf(field)
            if index >= 0:
                layer.setFieldAlias(index, alias)
        if name in job["metadata_urls"]:  # the layer's RNDT record: <MetadataURL type="ISO19115:2003">
            layer.serverProperties().setMetadataUrls([QgsMapLayerServerProperties.MetadataUrl(
                job["metadata_urls"][name], "ISO19115:2003", "text/xml")])
        project.addMapLayer(layer)
    project.setCrs(QgsCoordinateReferenceSystem("EPSG:3857"))
    project.writeEntry("WMSServiceCapabilities", "/", True)
    project.writeEntry("WMSServiceTitle", "/", spec["title"])
    project.writeEntry("WMSServiceAbstract", "/", spec["abstract"])
    project.writeEntry("WMSContactOrganization", "/", job["organization"])
    project.writeEntry("WMSContactMail", "/", job["mail"])
    project.writeEntry("WMSKeywordList", "/", ["migranti", "migrants", "servizi", "services", "Venezia"])
    project.writeEntry("WMSCrsList", "/", job["crs"])
    project.writeEntry("WMSFeatureInfoUseAttributeFormSettings", "/", False)
    project.writeEntry("WMSAddWktGeometry", "/", False)
    if job["wms_url"]:
        project.writeEntry("WMSUrl", "/", job["wms_url"])
    if job["service_metadata_url"]:  # the service's record, in the INSPIRE extended capabilities
        project.writeEntry("WMSInspire", "/activated", True)
        project.writeEntry("WMSInspire", "/language", spec["inspire_language"])
        project.writeEntry("WMSInspire", "/metadataUrl", job["service_metadata_url"])
        project.writeEntry("WMSInspire", "/metadataUrlType", "application/vnd.iso.19139+xml")
    if not project.write(spec["path"]):
        raise SystemExit("cannot write " + spec["path"])
print("ok", flush=True)
os._exit(0)
'''


def write_project(results: str | Path, project: str | Path, threshold: float = 10,
                  title: str = "CapaCityMetro: servizi per i migranti / services for migrants",
                  organization: str = "Città metropolitana di Venezia", mail: str = "gis@example.org",
                  metadata: Optional[MetadataOptions] = None, metadata_dir: Optional[Path] = None,
                  languages: Sequence[str] = LANGUAGES) -> dict:
    """Writes the public copy of ``results`` beside ``project`` and a QGIS
    project serving it (titles in Italian / English), and one more project
    per language of ``languages``, ``<project>_<language>.qgs``; returns the
    privacy report, the layers served and the projects by language.
    With ``metadata``, also the RNDT records of the layers served (and of the
    service, when ``metadata.wms_url`` says where it is served) in
    ``metadata_dir`` (default: ``metadata/`` beside the project), linked from
    the capabilities; the report's ``metadata`` lists them."""
    if not qgis_available():
        raise PublishError("QGIS (PyQGIS) is not installed: apt-get install qgis python3-qgis qgis-server")
    if metadata is not None:
        metadata.check()
    project = Path(project).resolve()
    public = project.with_name(project.stem + "_public.gpkg")
    report = public_copy(results, public, threshold)
    schema = report["schema"]
    # map layers (with a geometry column), drawn in the order areas, points last
    with sqlite3.connect(f"file:{public}?mode=ro", uri=True) as db:
        spatial = {r[0] for r in db.execute("select table_name from gpkg_geometry_columns")}
    order = {"zone": 0, "unit": 0, "total": 1, "place": 2, "service": 3}
    layers = sorted((n for n in report["layers"] if n in spatial), key=lambda n: order[schema[n]["granularity"]])
    abstract = ("Servizi per i cittadini stranieri della Città metropolitana di Venezia e loro accessibilità. "
                "Services for foreign residents of the Metropolitan City of Venice and how easily they are reached. "
                "Population counts under the threshold are not shown.")
    records = None
    if metadata is not None:
        metadata = dataclasses.replace(metadata, service_title=title, service_abstract=abstract)
        records = write_metadata(results, metadata_dir or project.parent / "metadata", metadata, layers=layers,
                                 threshold=threshold)
    written = records["records"] if records else []
    urls = {r["layer"]: r["url"] for r in written if r["kind"] == "dataset"}
    service_url = next((r["url"] for r in written if r["kind"] == "service"), None)
    projects = [{"path": str(project), "title": title, "abstract": abstract, "inspire_language": "ita",
                 "titles": {n: bilingual(schema[n], "title") for n in layers},
                 "abstracts": {n: bilingual(schema[n], "abstract") for n in layers},
                 "aliases": {n: {f: bilingual(d, "title") for f, d in schema[n]["fields"].items()} for n in layers},
                 "styles": {}}]
    projects += _language_projects(public, project, layers, languages)
    job = {"gpkg": str(public), "layers": layers, "projects": projects,
           "crs": CRS_LIST, "organization": organization, "mail": mail,
           "metadata_urls": urls, "service_metadata_url": service_url,
           "wms_url": metadata.wms_url if metadata is not None else None}
    done = run_pyqgis(SCRIPT, job, timeout=300)
    if done.returncode != 0:
        raise PublishError(f"cannot write the QGIS project: {done.stderr.strip()[-500:]}")
    by_language = {spec["language"]: spec["path"] for spec in projects[1:]}
    return {**report, "served": layers, "public_gpkg": str(public), "project": str(project),
            "projects": by_language, "metadata": records}


def _language_projects(public: Path, project: Path, layers: list, languages: Sequence[str]) -> list:
    """A project per language: texts from the core's translations, each
    layer's default style in that language (``<style>_<language>``)."""
    check_languages(languages)
    texts = read_translations(public, languages)
    with sqlite3.connect(f"file:{public}?mode=ro", uri=True) as db:
        defaults = dict(db.execute("select f_table_name, styleName from layer_styles where useAsDefault = 1"))
    projects = []
    for language in languages:
        styles = {n: f"{defaults[n]}_{language}" for n in layers if n in defaults}
        name = texts["services"][language]["title"] if "services" in texts else "CapaCityMetro"
        projects.append({
            "language": language, "path": str(project.with_name(f"{project.stem}_{language}{project.suffix}")),
            "title": f"CapaCityMetro: {name}", "abstract": " ".join(texts[n][language]["abstract"] for n in layers),
            "inspire_language": ISO_639_2[language], "styles": styles,
            "titles": {n: texts[n][language]["title"] for n in layers},
            "abstracts": {n: texts[n][language]["abstract"] for n in layers},
            "aliases": {n: texts[n][language]["aliases"] for n in layers}})
    return projects
