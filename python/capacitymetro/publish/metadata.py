"""Metadata records a national catalogue can read: ISO 19139 XML following
RNDT 2.0 (the Italian profile of ISO 19115/19139 and INSPIRE), one per
published dataset layer and one per WMS service.

Everything about a layer comes from the results GeoPackage: titles and
abstracts from the output schema the core stores (``read_schema``), the
extent and CRS from ``gpkg_contents`` and ``gpkg_spatial_ref_sys``, the
dates from ``gpkg_contents.last_change``.

Identifiers. ``fileIdentifier`` (and the resource identifier, and the series
a dataset with no parent belongs to) is the iPA code of the administration,
``:``, and a local id: the UUID5, in the URL namespace, of
``capacitymetro:<stem of the results GeoPackage>/<layer name>`` for a
dataset and ``capacitymetro:service:<WMS URL>`` for a service. It depends on
nothing that changes from one run of the same analysis to the next, so a
catalogue harvesting the records again updates them instead of adding new
ones.

Dates. The citation holds the ``creation`` date (when the data was first
written, kept from an earlier record in the folder), the ``publication``
date (when it was first published) and, when the data has been written
again since, the ``revision`` date. A record whose content has not changed
is left as it is (same bytes, same ``dateStamp``).

Records are written through temporary files moved into place. Bad input
raises ``PublishError`` naming the layer and the field.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import sqlite3
import tempfile
import urllib.parse
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

from .privacy import PublishError, public_copy, read_schema

NS = {
    "gmd": "http://www.isotc211.org/2005/gmd",
    "gco": "http://www.isotc211.org/2005/gco",
    "gmx": "http://www.isotc211.org/2005/gmx",
    "srv": "http://www.isotc211.org/2005/srv",
    "gml": "http://www.opengis.net/gml/3.2",
    "xlink": "http://www.w3.org/1999/xlink",
    "xsi": "http://www.w3.org/2001/XMLSchema-instance",
}
for _prefix, _uri in NS.items():
    ET.register_namespace(_prefix, _uri)
SCHEMA_LOCATION = ("http://www.isotc211.org/2005/gmd http://schemas.opengis.net/csw/2.0.2/profiles/apiso/1.0.0/apiso.xsd "
                   "http://www.isotc211.org/2005/srv http://schemas.opengis.net/iso/19139/20060504/srv/srv.xsd")
CODELISTS = "http://standards.iso.org/iso/19139/resources/gmxCodelists.xml"
LANGUAGES = "http://www.loc.gov/standards/iso639-2/"
STANDARD_NAME, STANDARD_VERSION = "Linee Guida RNDT", "2.0"
#: the metadata and the data are in Italian (titles and abstracts carry the English text after it)
LANGUAGE = "ita"

#: --licence choices: (title, URL); the use constraint of every record
LICENCES = {
    "CC-BY-4.0": ("Creative Commons Attribuzione 4.0 Internazionale (CC BY 4.0)",
                  "https://creativecommons.org/licenses/by/4.0/"),
    "CC-BY-SA-4.0": ("Creative Commons Attribuzione - Condividi allo stesso modo 4.0 Internazionale (CC BY-SA 4.0)",
                     "https://creativecommons.org/licenses/by-sa/4.0/"),
    "CC0-1.0": ("Creative Commons CC0 1.0 Universale", "https://creativecommons.org/publicdomain/zero/1.0/"),
    "IODL-2.0": ("Italian Open Data License v2.0", "https://www.dati.gov.it/content/italian-open-data-license-v20"),
}
NO_LIMITATIONS = ("Nessuna limitazione all'accesso pubblico",
                  "http://inspire.ec.europa.eu/metadata-codelist/LimitationsOnPublicAccess/noLimitations")

# thesauri: (title, URL, publication date)
INSPIRE_THEMES = ("GEMET - INSPIRE themes, version 1.0", "http://inspire.ec.europa.eu/theme", "2008-06-01")
GEMET = ("GEMET - Concepts, version 4.1.2", "http://www.eionet.europa.eu/gemet/", "2018-08-16")
SERVICE_CATEGORIES = ("Classificazione dei servizi di dati territoriali (Regolamento (CE) n. 1205/2008, parte D.4)",
                      "http://inspire.ec.europa.eu/metadata-codelist/SpatialDataServiceCategory", "2008-12-04")
#: INSPIRE themes: every published layer is about services of public utility; zone layers also about population
THEME_US = ("Servizi di pubblica utilità e servizi amministrativi", "http://inspire.ec.europa.eu/theme/us")
THEME_PD = ("Distribuzione della popolazione — demografia", "http://inspire.ec.europa.eu/theme/pd")
#: GEMET concepts (Italian labels, concept ids of GEMET)
GEMET_ALL = [("migrazione umana", 5236), ("servizio pubblico", 6817), ("servizi sociali", 7816), ("accesso", 11259)]
GEMET_ZONES = [("distribuzione della popolazione", 6517), ("pianificazione territoriale", 4635)]
FREE_KEYWORDS = ["migranti", "cittadini stranieri", "sportelli", "accessibilità", "Città metropolitana di Venezia", "Venezia"]
#: ISO 19115 topic categories by the granularity the core declares
TOPICS = {"service": ["society", "location"], "zone": ["society", "planningCadastre"], "unit": ["society"],
          "place": ["society", "planningCadastre"], "total": ["society"]}

CONFORMITY_1089 = ("REGOLAMENTO (UE) N. 1089/2010 DELLA COMMISSIONE del 23 novembre 2010 recante attuazione della "
                   "direttiva 2007/2/CE del Parlamento europeo e del Consiglio per quanto riguarda l'interoperabilità "
                   "dei set di dati territoriali e dei servizi di dati territoriali", "2010-12-08")
CONFORMITY_976 = ("REGOLAMENTO (CE) N. 976/2009 DELLA COMMISSIONE del 19 ottobre 2009 recante attuazione della "
                  "direttiva 2007/2/CE del Parlamento europeo e del Consiglio per quanto riguarda i servizi di rete",
                  "2009-10-20")
WMS_PROTOCOL = ("OGC:WMS", "http://www.opengis.net/def/serviceType/ogc/wms")
VIEW_PROFILE = ("view", "http://inspire.ec.europa.eu/metadata-codelist/SpatialDataServiceType/view")
ACCESS_POINT = ("accessPoint", "http://inspire.ec.europa.eu/metadata-codelist/OnLineDescriptionCode/accessPoint")
SERVICE_TITLE = "CapaCityMetro: servizi per i migranti / services for migrants"
SERVICE_ABSTRACT = ("Servizi per i cittadini stranieri della Città metropolitana di Venezia e loro accessibilità. "
                    "Services for foreign residents of the Metropolitan City of Venice and how easily they are reached. "
                    "Population counts under the threshold are not shown.")
IPA = re.compile(r"[A-Za-z0-9][A-Za-z0-9_]{0,39}")
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


@dataclass
class MetadataOptions:
    """Who publishes, under which licence, where the records and the WMS live.

    ``ipa``: the iPA code of the administration (Indice delle Pubbliche
    Amministrazioni), the prefix of every identifier. ``records_url``: where
    the records' folder will be served (the MetadataURL of each layer); the
    records' ``file://`` addresses without it. ``wms_url``: the WMS the
    layers are served by (the online resource of the datasets and the
    service record; without it no service record is written). ``scale``:
    the denominator of the equivalent scale of every layer (1:100000: the
    municipal boundaries and the zones of the analysis are generalised at
    about that scale). ``positional_accuracy_m``: the absolute positional
    accuracy stated (100 m: geocoded desk addresses and generalised
    boundaries; not measured)."""

    ipa: str
    contact_email: Optional[str] = None
    contact_name: Optional[str] = None
    organisation: str = "Città metropolitana di Venezia"
    licence: str = "CC-BY-4.0"
    wms_url: Optional[str] = None
    records_url: Optional[str] = None
    scale: int = 100000
    positional_accuracy_m: float = 100.0
    service_title: str = SERVICE_TITLE
    service_abstract: str = SERVICE_ABSTRACT
    today: dt.date = field(default_factory=dt.date.today)

    def check(self) -> None:
        if not IPA.fullmatch(self.ipa or ""):
            raise PublishError(f"iPA code (ipa) '{self.ipa}': letters, digits and '_', e.g. c_l736, without ':'")
        if not EMAIL.fullmatch(self.contact_email or ""):
            raise PublishError(f"e-mail of the point of contact (contact_email) '{self.contact_email or ''}': RNDT "
                               "requires the "
                               "e-mail address of the point of contact")
        if not (self.organisation or "").strip():
            raise PublishError("responsible organisation (organisation): RNDT requires the name of the responsible organisation")
        if self.licence not in LICENCES:
            raise PublishError(f"licence (licence) '{self.licence}': one of {', '.join(LICENCES)}")
        for name, url in (("public WMS URL (wms_url)", self.wms_url),
                          ("public URL of the records (records_url)", self.records_url)):
            parts = urllib.parse.urlsplit(url or "")
            if url is not None and (parts.scheme not in ("http", "https") or not parts.netloc):
                raise PublishError(f"{name} '{url}' is not an http(s) URL")
        if not (isinstance(self.scale, int) and self.scale > 0):
            raise PublishError(f"scale (scale) {self.scale!r}: the denominator of the equivalent scale, a whole number > 0")
        if not (self.positional_accuracy_m > 0):
            raise PublishError(f"positional accuracy (positional_accuracy_m) {self.positional_accuracy_m!r}: metres, > 0")


def local_id(results: str | Path, layer: str) -> str:
    """The stable local id of a dataset layer: UUID5 of the GeoPackage's stem and the layer's name."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"capacitymetro:{Path(results).stem}/{layer}"))


def service_id(wms_url: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"capacitymetro:service:{wms_url}"))


def capabilities_url(wms_url: str) -> str:
    """The WMS GetCapabilities request of ``wms_url`` (which may hold a query, e.g. MAP=...)."""
    joiner = "&" if urllib.parse.urlsplit(wms_url).query else ("" if wms_url.endswith("?") else "?")
    return f"{wms_url}{joiner}SERVICE=WMS&REQUEST=GetCapabilities"


def dataset_file(layer: str) -> str:
    return f"dataset-{layer}.xml"


SERVICE_FILE = "service-wms.xml"


# --------------------------------------------------------------------------- reading the GeoPackage

@dataclass
class Layer:
    name: str
    schema: dict
    epsg: int
    bbox: tuple  # west, east, south, north (WGS 84)
    data_date: str


def _gpkg_version(db: sqlite3.Connection) -> str:
    version = db.execute("pragma user_version").fetchone()[0]
    if version < 10200:
        return "1.0"
    major, minor, patch = version // 10000, version // 100 % 100, version % 100
    return f"{major}.{minor}" + (f".{patch}" if patch else "")


def _to_wgs84(layer: str, epsg: int, bounds: tuple) -> tuple:
    minx, miny, maxx, maxy = bounds
    if epsg != 4326:
        try:
            import pyproj
        except ImportError:
            raise PublishError(f"layer '{layer}': pyproj is needed to give its extent (EPSG:{epsg}) in WGS 84: "
                               "pip install pyproj") from None
        try:
            transformer = pyproj.Transformer.from_crs(f"EPSG:{epsg}", "EPSG:4326", always_xy=True)
            minx, miny, maxx, maxy = transformer.transform_bounds(minx, miny, maxx, maxy, densify_pts=21)
        except pyproj.exceptions.ProjError as error:
            raise PublishError(f"layer '{layer}': cannot transform its extent from EPSG:{epsg} to WGS 84 ({error})") from None
    west, east, south, north = (round(v, 6) for v in (minx, maxx, miny, maxy))
    if not (-180 <= west <= east <= 180 and -90 <= south <= north <= 90):
        raise PublishError(f"layer '{layer}': gpkg_contents extent {bounds} is not a valid extent in EPSG:{epsg}")
    return west, east, south, north


def read_layers(results: str | Path, names: list) -> tuple[list, str]:
    """The layers ``names`` of ``results`` with what their records need, and the GeoPackage version."""
    schema = read_schema(results)
    layers = []
    with sqlite3.connect(f"file:{results}?mode=ro", uri=True) as db:
        version = _gpkg_version(db)
        for name in names:
            described = schema.get(name)
            if described is None:
                raise PublishError(f"layer '{name}': not described in capacitymetro_layers")
            for key in ("title_it", "abstract_it", "title_en", "abstract_en"):
                if not (described.get(key) or "").strip():
                    raise PublishError(f"layer '{name}': field {key} of capacitymetro_layers is empty")
            row = db.execute("select c.min_x, c.min_y, c.max_x, c.max_y, c.last_change, s.organization, "
                             "s.organization_coordsys_id, c.srs_id from gpkg_contents c left join gpkg_spatial_ref_sys s "
                             "on s.srs_id = c.srs_id where c.table_name = ?", (name,)).fetchone()
            if row is None:
                raise PublishError(f"layer '{name}': not in gpkg_contents")
            *bounds, last_change, organisation, code, srs_id = row
            for field_name, value in zip(("min_x", "min_y", "max_x", "max_y"), bounds):
                if value is None:
                    raise PublishError(f"layer '{name}': field {field_name} of gpkg_contents is empty (no extent)")
            if (organisation or "").upper() != "EPSG" or not code or code <= 0:
                raise PublishError(f"layer '{name}': its CRS (srs_id {srs_id} in gpkg_spatial_ref_sys, organization "
                                   f"'{organisation}') is not an EPSG code")
            try:
                data_date = dt.datetime.fromisoformat(str(last_change).replace("Z", "+00:00")).date().isoformat()
            except ValueError:
                raise PublishError(f"layer '{name}': field last_change of gpkg_contents ('{last_change}') is not a "
                                   "date") from None
            layers.append(Layer(name, described, int(code), _to_wgs84(name, int(code), tuple(bounds)), data_date))
    return layers, version


def public_map_layers(results: str | Path, threshold: float = 10) -> list:
    """The layers the publishing commands serve: those the privacy step keeps (``public_copy``) that have a geometry."""
    with tempfile.TemporaryDirectory(prefix=".capacitymetro-metadata-") as scratch:
        report = public_copy(results, Path(scratch) / "public.gpkg", threshold)
    with sqlite3.connect(f"file:{results}?mode=ro", uri=True) as db:
        spatial = {r[0] for r in db.execute("select table_name from gpkg_geometry_columns")}
    return [name for name in report["layers"] if name in spatial]


# --------------------------------------------------------------------------- XML helpers

def _q(name: str) -> str:
    prefix, local = name.split(":")
    return f"{{{NS[prefix]}}}{local}"


def _e(parent: Optional[ET.Element], name: str, text: Optional[str] = None, **attributes: str) -> ET.Element:
    attributes = {_q(k.replace("__", ":")) if "__" in k else k: v for k, v in attributes.items()}
    element = ET.Element(_q(name), attributes) if parent is None else ET.SubElement(parent, _q(name), attributes)
    if text is not None:
        element.text = text
    return element


def _text(parent: ET.Element, name: str, text: str) -> ET.Element:
    element = _e(parent, name)
    _e(element, "gco:CharacterString", text)
    return element


def _anchor(parent: ET.Element, name: str, text: str, href: str) -> ET.Element:
    element = _e(parent, name)
    _e(element, "gmx:Anchor", text, xlink__href=href)
    return element


def _code(parent: ET.Element, name: str, code: str, value: str, text: Optional[str] = None) -> ET.Element:
    element = _e(parent, name)
    _e(element, f"gmd:{code}", text or value, codeList=f"{CODELISTS}#{code}", codeListValue=value)
    return element


def _language(parent: ET.Element, name: str = "gmd:language") -> None:
    element = _e(parent, name)
    _e(element, "gmd:LanguageCode", LANGUAGE, codeList=LANGUAGES, codeListValue=LANGUAGE)


def _date(parent: ET.Element, name: str, day: str, kind: str) -> None:
    ci_date = _e(_e(parent, name), "gmd:CI_Date")
    _e(_e(ci_date, "gmd:date"), "gco:Date", day)
    _code(ci_date, "gmd:dateType", "CI_DateTypeCode", kind)


def _party(parent: ET.Element, name: str, options: MetadataOptions, role: str) -> None:
    party = _e(_e(parent, name), "gmd:CI_ResponsibleParty")
    if options.contact_name:
        _text(party, "gmd:individualName", options.contact_name)
    _text(party, "gmd:organisationName", options.organisation)
    address = _e(_e(_e(_e(party, "gmd:contactInfo"), "gmd:CI_Contact"), "gmd:address"), "gmd:CI_Address")
    _text(address, "gmd:electronicMailAddress", options.contact_email)
    _code(party, "gmd:role", "CI_RoleCode", role)


def _keywords(parent: ET.Element, name: str, words: list, thesaurus: Optional[tuple] = None) -> None:
    """``words``: texts, or (text, URL) pairs written as gmx:Anchor."""
    keywords = _e(_e(parent, name), "gmd:MD_Keywords")
    for word in words:
        if isinstance(word, tuple):
            _anchor(keywords, "gmd:keyword", *word)
        else:
            _text(keywords, "gmd:keyword", word)
    if thesaurus:
        title, url, day = thesaurus
        citation = _e(_e(keywords, "gmd:thesaurusName"), "gmd:CI_Citation")
        _anchor(citation, "gmd:title", title, url)
        _date(citation, "gmd:date", day, "publication")


def _constraints(parent: ET.Element, options: MetadataOptions) -> None:
    access = _e(_e(parent, "gmd:resourceConstraints"), "gmd:MD_LegalConstraints")
    _code(access, "gmd:accessConstraints", "MD_RestrictionCode", "otherRestrictions")
    _anchor(access, "gmd:otherConstraints", *NO_LIMITATIONS)
    use = _e(_e(parent, "gmd:resourceConstraints"), "gmd:MD_LegalConstraints")
    title, url = LICENCES[options.licence]
    _text(use, "gmd:useLimitation", f"Licenza {title}: {url}")
    _code(use, "gmd:useConstraints", "MD_RestrictionCode", "otherRestrictions")
    _anchor(use, "gmd:otherConstraints", f"Licenza {title}", url)


def _bbox(parent: ET.Element, name: str, bbox: tuple) -> None:
    box = _e(_e(_e(parent, name), "gmd:EX_Extent"), "gmd:geographicElement")
    box = _e(box, "gmd:EX_GeographicBoundingBox")
    for tag, value in zip(("west", "east", "south", "north"), bbox):
        _e(_e(box, f"gmd:{tag}BoundLongitude" if tag in ("west", "east") else f"gmd:{tag}BoundLatitude"),
           "gco:Decimal", f"{value:.6f}")


def _online(parent: ET.Element, url: str, name: Optional[str] = None) -> None:
    resource = _e(_e(parent, "gmd:onLine"), "gmd:CI_OnlineResource")
    _e(_e(resource, "gmd:linkage"), "gmd:URL", url)
    _anchor(resource, "gmd:protocol", *WMS_PROTOCOL)
    _anchor(resource, "gmd:applicationProfile", *VIEW_PROFILE)
    if name:
        _text(resource, "gmd:name", name)
    _anchor(resource, "gmd:description", *ACCESS_POINT)


def _conformity(parent: ET.Element, specification: tuple) -> None:
    result = _e(_e(_e(_e(parent, "gmd:report"), "gmd:DQ_DomainConsistency"), "gmd:result"), "gmd:DQ_ConformanceResult")
    citation = _e(_e(result, "gmd:specification"), "gmd:CI_Citation")
    _text(citation, "gmd:title", specification[0])
    _date(citation, "gmd:date", specification[1], "publication")
    _text(result, "gmd:explanation", "Conformità non valutata / not evaluated")
    _e(result, "gmd:pass", gco__nilReason="unknown")


def _header(identifier: str, level: str, options: MetadataOptions, stamp: str) -> ET.Element:
    root = _e(None, "gmd:MD_Metadata")
    root.set(_q("xsi:schemaLocation"), SCHEMA_LOCATION)
    _text(root, "gmd:fileIdentifier", identifier)
    _language(root)
    _code(root, "gmd:characterSet", "MD_CharacterSetCode", "utf8")
    _code(root, "gmd:hierarchyLevel", "MD_ScopeCode", level)
    if level == "service":
        _text(root, "gmd:hierarchyLevelName", "servizio")
    _party(root, "gmd:contact", options, "pointOfContact")
    _e(_e(root, "gmd:dateStamp"), "gco:Date", stamp)
    _text(root, "gmd:metadataStandardName", STANDARD_NAME)
    _text(root, "gmd:metadataStandardVersion", STANDARD_VERSION)
    return root


def _citation(parent: ET.Element, title: str, alternate: Optional[str], dates: dict, identifier: str,
              options: MetadataOptions, series: bool) -> None:
    citation = _e(_e(parent, "gmd:citation"), "gmd:CI_Citation")
    _text(citation, "gmd:title", title)
    if alternate and alternate != title:
        _text(citation, "gmd:alternateTitle", alternate)
    for kind in ("creation", "publication", "revision"):
        if dates.get(kind):
            _date(citation, "gmd:date", dates[kind], kind)
    _text(_e(_e(citation, "gmd:identifier"), "gmd:MD_Identifier"), "gmd:code", identifier)
    _party(citation, "gmd:citedResponsibleParty", options, "owner")
    if series:
        _code(citation, "gmd:presentationForm", "CI_PresentationFormCode", "mapDigital")
        # a dataset with no parent series is its own series (RNDT)
        _text(_e(_e(citation, "gmd:series"), "gmd:CI_Series"), "gmd:issueIdentification", identifier)


def lineage(layer: Layer, options: MetadataOptions, threshold: float) -> str:
    """Where the layer comes from and how it was made: the sources, then the
    method (the analysis and its parameters) as the core's abstracts state it,
    then the privacy step. In Italian, then in English."""
    from .. import __version__

    catalogue_it = f"catalogo dei servizi per i cittadini stranieri (sportelli e infopoint), tenuto da {options.organisation}"
    catalogue_en = f"the catalogue of services for foreign residents (desks and infopoints) kept by {options.organisation}"
    if layer.schema["granularity"] == "service":
        sources_it, sources_en = catalogue_it, catalogue_en
        method_it, method_en = "catalogo validato da CapaCityMetro", "catalogue validated by CapaCityMetro"
    else:
        sources_it = (f"{catalogue_it}; popolazione residente e confini comunali: ISTAT, tramite Openpolis; rete "
                      "stradale: OpenStreetMap (ODbL), quando l'analisi usa la rete; orari della navigazione: ACTV "
                      "(GTFS), quando l'analisi usa il trasporto pubblico")
        sources_en = (f"{catalogue_en}; resident population and municipal boundaries: ISTAT, via Openpolis; road "
                      "network: OpenStreetMap (ODbL), when the analysis travels on it; waterbus timetables: ACTV (GTFS), "
                      "when the analysis uses public transport")
        method_it, method_en = "analisi CapaCityMetro", "CapaCityMetro analysis"
    return (f"Fonti: {sources_it}. Metodo: {method_it} {__version__}: {layer.schema['abstract_it']} "
            f"Pubblicazione: i conteggi di persone sotto la soglia di {threshold:g} sono soppressi, con soppressione "
            "secondaria; i livelli più fini delle zone non sono pubblicati.\n"
            f"Sources: {sources_en}. Method: {method_en} {__version__}: {layer.schema['abstract_en']} "
            f"Publication: counts of people under {threshold:g} are suppressed, with secondary suppression; layers "
            "finer than the zones are not published.")


# --------------------------------------------------------------------------- the records

def dataset_record(layer: Layer, results: str | Path, options: MetadataOptions, gpkg_version: str, dates: dict,
                   stamp: str, threshold: float = 10) -> ET.Element:
    identifier = f"{options.ipa}:{local_id(results, layer.name)}"
    schema = layer.schema
    root = _header(identifier, "dataset", options, stamp)
    crs = _e(_e(_e(root, "gmd:referenceSystemInfo"), "gmd:MD_ReferenceSystem"), "gmd:referenceSystemIdentifier")
    _anchor(_e(crs, "gmd:RS_Identifier"), "gmd:code", f"EPSG:{layer.epsg}",
            f"http://www.opengis.net/def/crs/EPSG/0/{layer.epsg}")

    info = _e(_e(root, "gmd:identificationInfo"), "gmd:MD_DataIdentification")
    _citation(info, schema["title_it"], schema["title_en"], dates, identifier, options, series=True)
    _text(info, "gmd:abstract", f"{schema['abstract_it']}\n\n(English) {schema['title_en']}: {schema['abstract_en']}")
    _party(info, "gmd:pointOfContact", options, "pointOfContact")
    _code(_e(_e(info, "gmd:resourceMaintenance"), "gmd:MD_MaintenanceInformation"), "gmd:maintenanceAndUpdateFrequency",
          "MD_MaintenanceFrequencyCode", "asNeeded")
    zone = schema["granularity"] in ("zone", "unit")
    themes = [THEME_US, THEME_PD] if zone else [THEME_US]
    _keywords(info, "gmd:descriptiveKeywords", themes, INSPIRE_THEMES)
    concepts = GEMET_ALL + (GEMET_ZONES if zone else [])
    _keywords(info, "gmd:descriptiveKeywords", [(label, f"http://www.eionet.europa.eu/gemet/concept/{number}")
                                                for label, number in concepts], GEMET)
    _keywords(info, "gmd:descriptiveKeywords", FREE_KEYWORDS)
    _constraints(info, options)
    _code(info, "gmd:spatialRepresentationType", "MD_SpatialRepresentationTypeCode", "vector")
    fraction = _e(_e(_e(_e(info, "gmd:spatialResolution"), "gmd:MD_Resolution"), "gmd:equivalentScale"),
                  "gmd:MD_RepresentativeFraction")
    _e(_e(fraction, "gmd:denominator"), "gco:Integer", str(options.scale))
    _language(info)
    _code(info, "gmd:characterSet", "MD_CharacterSetCode", "utf8")
    for topic in TOPICS.get(schema["granularity"], ["society"]):
        _e(_e(info, "gmd:topicCategory"), "gmd:MD_TopicCategoryCode", topic)
    _bbox(info, "gmd:extent", layer.bbox)

    distribution = _e(_e(root, "gmd:distributionInfo"), "gmd:MD_Distribution")
    gpkg = _e(_e(distribution, "gmd:distributionFormat"), "gmd:MD_Format")
    _text(gpkg, "gmd:name", "GeoPackage")
    _text(gpkg, "gmd:version", gpkg_version)
    _party(_e(_e(distribution, "gmd:distributor"), "gmd:MD_Distributor"), "gmd:distributorContact", options, "distributor")
    if options.wms_url:
        _online(_e(_e(distribution, "gmd:transferOptions"), "gmd:MD_DigitalTransferOptions"),
                capabilities_url(options.wms_url), layer.name)

    quality = _e(_e(root, "gmd:dataQualityInfo"), "gmd:DQ_DataQuality")
    _code(_e(_e(quality, "gmd:scope"), "gmd:DQ_Scope"), "gmd:level", "MD_ScopeCode", "dataset")
    accuracy = _e(_e(_e(_e(quality, "gmd:report"), "gmd:DQ_AbsoluteExternalPositionalAccuracy"), "gmd:result"),
                  "gmd:DQ_QuantitativeResult")
    unit = _e(_e(accuracy, "gmd:valueUnit"), "gml:BaseUnit", gml__id="unit_m")
    _e(unit, "gml:identifier", "m", codeSpace="http://www.bipm.org/en/si/base_units")
    _e(unit, "gml:unitsSystem", xlink__href="http://www.bipm.org/en/si")
    _e(_e(_e(accuracy, "gmd:value"), "gco:Record"), "gco:Real", f"{options.positional_accuracy_m:g}")
    _conformity(quality, CONFORMITY_1089)
    _text(_e(_e(quality, "gmd:lineage"), "gmd:LI_Lineage"), "gmd:statement", lineage(layer, options, threshold))
    return root


def service_record(datasets: list, options: MetadataOptions, dates: dict, stamp: str) -> ET.Element:
    """``datasets``: (layer, its identifier, its record URL) of the layers the WMS serves."""
    identifier = f"{options.ipa}:{service_id(options.wms_url)}"
    root = _header(identifier, "service", options, stamp)
    info = _e(_e(root, "gmd:identificationInfo"), "srv:SV_ServiceIdentification")
    _citation(info, options.service_title, None, dates, identifier, options, series=False)
    _text(info, "gmd:abstract", options.service_abstract)
    _party(info, "gmd:pointOfContact", options, "pointOfContact")
    _keywords(info, "gmd:descriptiveKeywords", [("infoMapAccessService", f"{SERVICE_CATEGORIES[1]}/infoMapAccessService")],
              SERVICE_CATEGORIES)
    _keywords(info, "gmd:descriptiveKeywords", [THEME_US], INSPIRE_THEMES)
    _keywords(info, "gmd:descriptiveKeywords", FREE_KEYWORDS)
    _constraints(info, options)
    _e(_e(info, "srv:serviceType"), "gco:LocalName", "view")
    _text(info, "srv:serviceTypeVersion", "1.3.0")
    boxes = [layer.bbox for layer, _, _ in datasets]
    _bbox(info, "srv:extent", (min(b[0] for b in boxes), max(b[1] for b in boxes), min(b[2] for b in boxes),
                               max(b[3] for b in boxes)))
    for layer, dataset_id, _ in datasets:
        coupled = _e(_e(info, "srv:coupledResource"), "srv:SV_CoupledResource")
        _text(coupled, "srv:operationName", "GetMap")
        _text(coupled, "srv:identifier", dataset_id)
        _e(coupled, "gco:ScopedName", layer.name)
    coupling = _e(info, "srv:couplingType")
    _e(coupling, "srv:SV_CouplingType", "tight", codeList=f"{CODELISTS}#SV_CouplingType", codeListValue="tight")
    for operation in ("GetCapabilities", "GetMap", "GetFeatureInfo"):
        metadata = _e(_e(info, "srv:containsOperations"), "srv:SV_OperationMetadata")
        _text(metadata, "srv:operationName", operation)
        _e(_e(metadata, "srv:DCP"), "srv:DCPList", "WebServices", codeList=f"{CODELISTS}#DCPList",
           codeListValue="WebServices")
        _e(_e(_e(_e(metadata, "srv:connectPoint"), "gmd:CI_OnlineResource"), "gmd:linkage"), "gmd:URL", options.wms_url)
    for _, dataset_id, url in datasets:
        _e(info, "srv:operatesOn", uuidref=dataset_id, xlink__href=url)

    distribution = _e(_e(root, "gmd:distributionInfo"), "gmd:MD_Distribution")
    wms = _e(_e(distribution, "gmd:distributionFormat"), "gmd:MD_Format")
    _text(wms, "gmd:name", "WMS")
    _text(wms, "gmd:version", "1.3.0")
    _online(_e(_e(distribution, "gmd:transferOptions"), "gmd:MD_DigitalTransferOptions"),
            capabilities_url(options.wms_url))

    quality = _e(_e(root, "gmd:dataQualityInfo"), "gmd:DQ_DataQuality")
    scope = _e(_e(quality, "gmd:scope"), "gmd:DQ_Scope")
    _code(scope, "gmd:level", "MD_ScopeCode", "service")
    _text(_e(_e(scope, "gmd:levelDescription"), "gmd:MD_ScopeDescription"), "gmd:other", "servizio")
    _conformity(quality, CONFORMITY_1089)
    _conformity(quality, CONFORMITY_976)
    return root


# --------------------------------------------------------------------------- writing

def _serialise(root: ET.Element) -> bytes:
    ET.indent(root)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode").encode("utf-8") + b"\n"


def _previous(path: Path) -> tuple[dict, Optional[str], Optional[bytes]]:
    """The citation dates, dateStamp and bytes of an earlier record at ``path`` (empty when there is none)."""
    try:
        data = path.read_bytes()
        root = ET.fromstring(data)
    except (OSError, ET.ParseError):
        return {}, None, None
    dates = {}
    for ci_date in root.iterfind("gmd:identificationInfo/*/gmd:citation/gmd:CI_Citation/gmd:date/gmd:CI_Date", NS):
        kind = ci_date.find("gmd:dateType/gmd:CI_DateTypeCode", NS)
        day = ci_date.findtext("gmd:date/gco:Date", namespaces=NS)
        if kind is not None and day:
            dates[kind.get("codeListValue")] = day
    return dates, root.findtext("gmd:dateStamp/gco:Date", namespaces=NS), data


def _write(path: Path, build: Callable[[str], ET.Element], stamp: Optional[str], previous: Optional[bytes],
           today: str, dry_run: bool) -> bool:
    """Writes the record ``build(dateStamp)`` unless it is the one already there; True when it changed."""
    if previous is not None and stamp and _serialise(build(stamp)) == previous:
        return False
    if dry_run:
        return True
    data = _serialise(build(today))
    with tempfile.NamedTemporaryFile(dir=path.parent, prefix=f".{path.stem}.", suffix=".xml", delete=False) as handle:
        handle.write(data)
        temporary = Path(handle.name)
    try:
        temporary.chmod(0o644)  # served to the public
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    return True


def write_metadata(results: str | Path, out_dir: str | Path, options: MetadataOptions, *,
                   layers: Optional[list] = None, threshold: float = 10, dry_run: bool = False) -> dict:
    """Writes the RNDT records of ``layers`` of ``results`` (by default the
    public map layers) into ``out_dir``, and the WMS service's when
    ``options.wms_url`` is given. Returns ``records`` (kind, layer, file,
    url, file_identifier, changed) and ``warnings``. With ``dry_run`` the
    records are made and checked but nothing is written."""
    options.check()
    results, out_dir = Path(results), Path(out_dir)
    if not results.exists():
        raise PublishError(f"{results}: no such file")
    if layers is None:
        layers = public_map_layers(results, threshold)
    if not layers:
        raise PublishError(f"{results}: no public map layer to describe")
    described, gpkg_version = read_layers(results, list(layers))
    if not dry_run:
        out_dir.mkdir(parents=True, exist_ok=True)
    base = options.records_url.rstrip("/") if options.records_url else out_dir.resolve().as_uri()
    today = options.today.isoformat()
    warnings = []
    if not options.records_url:
        warnings.append(f"no public URL of the records (records_url): they are linked by their local addresses ({base}/...); give the "
                        "public URL their folder will be served at")
    records, datasets = [], []
    for layer in described:
        name = dataset_file(layer.name)
        path = out_dir / name
        old, stamp, data = _previous(path)
        creation = old.get("creation", layer.data_date)
        dates = {"creation": creation, "publication": old.get("publication", today),
                 "revision": layer.data_date if layer.data_date != creation else None}
        changed = _write(path, lambda day, layer=layer, dates=dates: dataset_record(
            layer, results, options, gpkg_version, dates, day, threshold), stamp, data, today, dry_run)
        identifier = f"{options.ipa}:{local_id(results, layer.name)}"
        records.append({"kind": "dataset", "layer": layer.name, "file": str(path), "url": f"{base}/{name}",
                        "file_identifier": identifier, "changed": changed})
        datasets.append((layer, identifier, f"{base}/{name}"))
    if options.wms_url:
        path = out_dir / SERVICE_FILE
        old, stamp, data = _previous(path)
        dates = {"creation": old.get("creation", today), "publication": old.get("publication", today)}
        changed = _write(path, lambda day: service_record(datasets, options, dates, day), stamp, data, today, dry_run)
        records.append({"kind": "service", "layer": None, "file": str(path), "url": f"{base}/{SERVICE_FILE}",
                        "file_identifier": f"{options.ipa}:{service_id(options.wms_url)}", "changed": changed})
    else:
        warnings.append("no public WMS URL (wms_url): no service record, and the dataset records have no online resource (RNDT "
                        "requires one)")
    return {"records": records, "warnings": warnings, "out_dir": str(out_dir)}
