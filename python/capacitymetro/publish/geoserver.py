"""Publishing results to GeoServer through its REST API.

Idempotent: every resource is looked up first, then created (POST, or the
PUT that creates it) only when missing and updated (PUT) only when it
differs, so a second run with the same inputs makes no POST and changes
nothing. Nothing is ever deleted. Credentials come from the environment
(GEOSERVER_USER, GEOSERVER_PASSWORD), a netrc file or a prompt, and are
never printed or logged. TLS certificates are verified.

With RNDT metadata options (``metadata.py``) the ISO 19139 records of the
layers and of the workspace's WMS are written first (into ``metadata_dir``,
to be served at ``records_url``) and linked: each feature type's
``metadataLinks`` (type ``ISO19115:2003``, GeoServer's MetadataURL in the
capabilities) and the WMS settings' ``metadataLink``.

Languages: each layer's style is uploaded again per language,
``capacitymetro_<layer>_<language>`` (the core's ``<style>_<language>``
SLD, its legend title and labels in that language), as one of the layer's
styles, so that ``STYLES=`` / ``STYLE=`` in GetMap and GetLegendGraphic
picks the language. Titles and abstracts stay Italian / English: the
GeoServer REST documents (../shared/data/geoserver-rest-openapi) declare no
``internationalTitle`` / ``internationalAbstract`` in the feature type or
layer bodies, so they are not sent.
"""

from __future__ import annotations

import base64
import getpass
import hashlib
import json
import netrc
import os
import re
import sqlite3
import sys
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, Optional, Sequence

from .metadata import MetadataOptions, write_metadata
from .privacy import LANGUAGES, PublishError, bilingual, check_languages, public_copy

SLD = "application/vnd.ogc.sld+xml"
#: Names GeoServer accepts as XML names and in REST paths.
NAME = re.compile(r"[A-Za-z][A-Za-z0-9_-]{0,63}")
KEYWORDS = ["migranti", "migrants", "servizi", "services", "accessibilità", "accessibility", "Venezia", "Venice"]
WMS_TITLE = "CapaCityMetro WMS"
WMS_ABSTRACT = "Servizi per i migranti / Services for migrants (Città metropolitana di Venezia)"


@dataclass
class Call:
    method: str
    path: str


@dataclass
class GeoServer:
    """A GeoServer REST endpoint (``url`` ends with ``/geoserver``)."""

    url: str
    user: str
    password: str = field(repr=False)
    dry_run: bool = False
    calls: list = field(default_factory=list)
    log: Callable[[str], None] = print

    def request(self, method: str, path: str, body: bytes | None = None, content_type: str | None = None,
                query: dict | None = None, accept: str = "application/json"):
        """Returns (status, payload); 404 is returned, other errors raise PublishError."""
        target = f"{self.url.rstrip('/')}/rest{path}"
        if query:
            target += "?" + urllib.parse.urlencode(query)
        if method != "GET":
            self.calls.append(Call(method, path))
            self.log(f"{'would ' if self.dry_run else ''}{method} {path}")
            if self.dry_run:
                return 200, None
        headers = {"Accept": accept,
                   "Authorization": "Basic " + base64.b64encode(f"{self.user}:{self.password}".encode()).decode()}
        if content_type:
            headers["Content-Type"] = content_type
        request = urllib.request.Request(target, data=body, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                payload = response.read()
                return response.status, payload
        except urllib.error.HTTPError as error:
            if error.code == 404:
                return 404, None
            if error.code in (401, 403):
                raise PublishError(f"GeoServer at {self.url} refused the credentials of user '{self.user}' "
                                   f"(HTTP {error.code})") from None
            detail = error.read()[:300].decode(errors="replace")
            raise PublishError(f"GeoServer {method} {path}: HTTP {error.code} {detail}") from None
        except urllib.error.URLError as error:
            raise PublishError(f"cannot reach GeoServer at {self.url}: {error.reason}") from None

    def get_json(self, path: str):
        status, payload = self.request("GET", path, query={"quietOnNotFound": "true"} if self._quiet(path) else None)
        return None if status == 404 or payload is None else json.loads(payload)

    @staticmethod
    def _quiet(path: str) -> bool:
        # only these GETs declare quietOnNotFound in the REST documents
        parts = path.strip("/").split("/")
        return (len(parts) == 2 and parts[0] == "workspaces") or parts[-2:-1] in (["datastores"], ["featuretypes"])

    def send_json(self, method: str, path: str, document: dict, query: dict | None = None):
        self.request(method, path, json.dumps(document).encode(), "application/json", query)


def credentials(url: str) -> tuple[str, str]:
    """From GEOSERVER_USER/GEOSERVER_PASSWORD, then ~/.netrc, then a prompt on a terminal."""
    user, password = os.environ.get("GEOSERVER_USER"), os.environ.get("GEOSERVER_PASSWORD")
    if user and password:
        return user, password
    host = urllib.parse.urlparse(url).hostname or ""
    try:
        found = netrc.netrc().authenticators(host)
    except (FileNotFoundError, netrc.NetrcParseError):
        found = None
    if found and found[0] and found[2]:
        return found[0], found[2]
    if sys.stdin.isatty():
        user = user or input(f"GeoServer user for {host}: ")
        return user, getpass.getpass(f"GeoServer password for {user}@{host}: ")
    raise PublishError("no GeoServer credentials: set GEOSERVER_USER and GEOSERVER_PASSWORD, or add the host to ~/.netrc")


def _slds(gpkg: Path, languages: Sequence[str]) -> dict[str, dict]:
    """Layer -> its default style's SLD (key None) and the same in each language."""
    with sqlite3.connect(f"file:{gpkg}?mode=ro", uri=True) as db:
        stored = {(t, n): sld for t, n, sld in db.execute("select f_table_name, styleName, styleSLD from layer_styles")}
        defaults = db.execute("select f_table_name, styleName from layer_styles where useAsDefault = 1").fetchall()
    return {table: {None: stored[(table, name)], **{language: stored[(table, f"{name}_{language}")]
                                                    for language in languages}}
            for table, name in defaults}


def publish(results: str | Path, url: str, workspace: str, *, store: str = "capacitymetro",
            group: str = "capacitymetro", threshold: float = 10, dry_run: bool = False,
            user: Optional[str] = None, password: Optional[str] = None,
            log: Callable[[str], None] = print, work_dir: Optional[Path] = None,
            metadata: Optional[MetadataOptions] = None, metadata_dir: Optional[Path] = None,
            languages: Sequence[str] = LANGUAGES) -> list[Call]:
    """Publishes the public copy of ``results`` to ``workspace``; returns the
    changing calls made. With ``metadata``, the RNDT records go to
    ``metadata_dir`` (default: ``metadata/`` beside ``results``; not written
    on a dry run) and are linked from the layers and the WMS; the WMS is
    ``{url}/{workspace}/wms`` unless ``metadata.wms_url`` says otherwise.
    Each layer also gets its style in each of ``languages``."""
    for kind, name in (("workspace", workspace), ("store", store), ("group", group)):
        if not NAME.fullmatch(name or ""):
            raise PublishError(f"{kind} '{name}': use letters, digits, '_' and '-' only, starting with a letter")
    if urllib.parse.urlparse(url).scheme not in ("http", "https"):
        raise PublishError(f"'{url}' is not an http(s) URL")
    if metadata is not None:
        metadata = replace(metadata, wms_url=metadata.wms_url or f"{url.rstrip('/')}/{workspace}/wms",
                           service_title=WMS_TITLE, service_abstract=WMS_ABSTRACT)
        metadata.check()
    if user is None or password is None:
        user, password = credentials(url)
    server = GeoServer(url, user, password, dry_run=dry_run, log=log)
    folder = Path(work_dir or Path(results).parent)
    gpkg = folder / f".{Path(results).stem}_public.gpkg"
    report = public_copy(results, gpkg, threshold)
    check_languages(languages)
    slds = _slds(gpkg, languages)
    # map layers: the public ones with a style; titles and abstracts from the core's schema
    layers = [name for name in report["layers"] if name in slds]
    digest = hashlib.sha256(gpkg.read_bytes()).hexdigest()
    base = f"/workspaces/{workspace}"
    links: dict = {}
    if metadata is not None:
        folder_md = Path(metadata_dir or Path(results).parent / "metadata")
        with sqlite3.connect(f"file:{gpkg}?mode=ro", uri=True) as db:
            spatial = {r[0] for r in db.execute("select table_name from gpkg_geometry_columns")}
        records = write_metadata(results, folder_md, metadata, layers=[n for n in layers if n in spatial],
                                 threshold=threshold, dry_run=dry_run)
        for record in records["records"]:
            if record["changed"]:
                log(f"{'would write' if dry_run else 'wrote'} {record['file']}")
            links[record["layer"]] = {"type": "text/xml", "metadataType": "ISO19115:2003", "content": record["url"]}
        for warning in records["warnings"]:
            log(f"metadata: {warning}")

    if server.get_json(base) is None:
        server.send_json("POST", "/workspaces", {"workspace": {"name": workspace}})
    marker = f"capacitymetro sha256={digest}"
    existing = server.get_json(f"{base}/datastores/{store}")
    if existing is None or existing.get("dataStore", {}).get("description") != marker:
        server.request("PUT", f"{base}/datastores/{store}/file.gpkg", gpkg.read_bytes(), "application/x-sqlite3",
                       {"configure": "none", "update": "overwrite", "filename": f"{store}.gpkg"})
        server.send_json("PUT", f"{base}/datastores/{store}", {"dataStore": {"name": store, "description": marker}})
    for name in layers:
        title, abstract = bilingual(report["schema"][name], "title"), bilingual(report["schema"][name], "abstract")
        wanted = {"name": name, "nativeName": name, "title": title, "abstract": abstract,
                  "keywords": {"string": KEYWORDS}}
        if name in links:  # the layer's RNDT record: its MetadataURL in the capabilities
            wanted["metadataLinks"] = {"metadataLink": [links[name]]}
        path = f"{base}/datastores/{store}/featuretypes"
        current = server.get_json(f"{path}/{name}")
        if current is None:
            server.send_json("POST", path, {"featureType": wanted})
        elif any(current.get("featureType", {}).get(k) != v for k, v in wanted.items()):
            server.send_json("PUT", f"{path}/{name}", {"featureType": wanted})
    for name in layers:
        style = f"capacitymetro_{name}"
        names = {language: style if language is None else f"{style}_{language}" for language in slds[name]}
        for language, sld_text in slds[name].items():
            sld = sld_text.encode()
            status, current = server.request("GET", f"{base}/styles/{names[language]}", accept=SLD)
            if status == 404:
                server.request("POST", f"{base}/styles", sld, SLD, {"name": names[language]})
            elif current != sld:
                server.request("PUT", f"{base}/styles/{names[language]}", sld, SLD)
        wanted_layer = {"defaultStyle": {"name": style, "workspace": workspace},
                        "styles": {"@class": "linked-hash-set",
                                   "style": [{"name": names[language], "workspace": workspace}
                                             for language in languages]}}
        layer = server.get_json(f"{base}/layers/{name}") or {}
        if any(layer.get("layer", {}).get(k) != v for k, v in wanted_layer.items()):
            server.send_json("PUT", f"{base}/layers/{name}", {"layer": wanted_layer})
    wanted_group = {"name": group, "mode": "SINGLE", "title": "CapaCityMetro",
                    "abstractTxt": "Servizi per i migranti nella Città metropolitana di Venezia. "
                                   "Services for migrants in the Metropolitan City of Venice.",
                    "workspace": {"name": workspace},
                    "publishables": {"published": [{"@type": "layer", "name": f"{workspace}:{n}"} for n in layers]},
                    "styles": {"style": [{"name": f"capacitymetro_{n}"} for n in layers]}}
    current_group = server.get_json(f"{base}/layergroups/{group}")
    if current_group is None:
        server.send_json("POST", f"{base}/layergroups", {"layerGroup": wanted_group})
    elif current_group.get("layerGroup", {}).get("publishables") != wanted_group["publishables"]:
        server.send_json("PUT", f"{base}/layergroups/{group}", {"layerGroup": wanted_group})
    wms = {"enabled": True, "name": "WMS", "title": WMS_TITLE, "abstrct": WMS_ABSTRACT, "workspace": {"name": workspace}}
    if None in links:  # the service's RNDT record
        wms["metadataLink"] = links[None]
    current_wms = server.get_json(f"/services/wms/workspaces/{workspace}/settings")
    if current_wms is None or any(current_wms.get("wms", {}).get(k) != v for k, v in wms.items()):
        server.send_json("PUT", f"/services/wms/workspaces/{workspace}/settings", {"wms": wms})
    gpkg.unlink(missing_ok=True)
    return server.calls
