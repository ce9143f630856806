"""A QGIS project for QGIS Server (WMS), written with PyQGIS: the public
layers with their styles, WMS service metadata, CRS list and readable
GetFeatureInfo field aliases; with RNDT metadata options, the ISO 19139
records of the layers and of the service (``metadata.py``), linked from
GetCapabilities: each layer's ``<MetadataURL type="ISO19115:2003">`` and the
service's INSPIRE extended capabilities ``MetadataUrl``."""

from __future__ import annotations

import dataclasses
import sqlite3
from pathlib import Path
from typing import Optional

from ..maps import qgis_available, run_pyqgis
from .metadata import MetadataOptions, write_metadata
from .privacy import PublishError, bilingual, public_copy

CRS_LIST = ["EPSG:3857", "EPSG:4326", "EPSG:32633", "EPSG:3003"]
SCRIPT = r'''
import json, os, sys
from qgis.core import (QgsApplication, QgsProject, QgsVectorLayer, QgsCoordinateReferenceSystem,
                       QgsMapLayerServerProperties)
job = json.loads(sys.argv[1])
app = QgsApplication([], False)
app.initQgis()
project = QgsProject.instance()
project.setTitle(job["title"])
for name in job["layers"]:
    layer = QgsVectorLayer(f"{job['gpkg']}|layername={name}", job["titles"][name], "ogr")
    if not layer.isValid():
        raise SystemExit(f"no layer {name}")
    layer.setShortName(name)
    layer.setTitle(job["titles"][name])
    layer.setAbstract(job["abstracts"][name])
    for field, alias in job["aliases"][name].items():
        index = layer.fields().indexOf(field)
        if index >= 0:
            layer.setFieldAlias(index, alias)
    if name in job["metadata_urls"]:  # the layer's RNDT record: <MetadataURL type="ISO19115:2003"> in GetCapabilities
        layer.serverProperties().setMetadataUrls([QgsMapLayerServerProperties.MetadataUrl(
            job["metadata_urls"][name], "ISO19115:2003", "text/xml")])
    project.addMapLayer(layer)
project.setCrs(QgsCoordinateReferenceSystem("EPSG:3857"))
project.writeEntry("WMSServiceCapabilities", "/", True)
project.writeEntry("WMSServiceTitle", "/", job["title"])
project.writeEntry("WMSServiceAbstract", "/", job["abstract"])
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
    project.writeEntry("WMSInspire", "/language", "ita")
    project.writeEntry("WMSInspire", "/metadataUrl", job["service_metadata_url"])
    project.writeEntry("WMSInspire", "/metadataUrlType", "application/vnd.iso.19139+xml")
if not project.write(job["project"]):
    raise SystemExit("cannot write " + job["project"])
print("ok", flush=True)
os._exit(0)
'''


def write_project(results: str | Path, project: str | Path, threshold: float = 10,
                  title: str = "CapaCityMetro: servizi per i migranti / services for migrants",
                  organization: str = "Città metropolitana di Venezia", mail: str = "gis@example.org",
                  metadata: Optional[MetadataOptions] = None, metadata_dir: Optional[Path] = None) -> dict:
    """Writes the public copy of ``results`` beside ``project`` and a QGIS
    project serving it; returns the privacy report and the layers served.
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
    job = {"gpkg": str(public), "project": str(project), "layers": layers,
           "titles": {n: bilingual(schema[n], "title") for n in layers},
           "abstracts": {n: bilingual(schema[n], "abstract") for n in layers},
           "aliases": {n: {f: bilingual(d, "title") for f, d in schema[n]["fields"].items()} for n in layers},
           "crs": CRS_LIST, "title": title, "organization": organization, "mail": mail, "abstract": abstract,
           "metadata_urls": urls, "service_metadata_url": service_url,
           "wms_url": metadata.wms_url if metadata is not None else None}
    done = run_pyqgis(SCRIPT, job, timeout=300)
    if done.returncode != 0:
        raise PublishError(f"cannot write the QGIS project: {done.stderr.strip()[-500:]}")
    return {**report, "served": layers, "public_gpkg": str(public), "project": str(project), "metadata": records}
