"""RNDT metadata records (ISO 19139), offline.

Every record is checked three ways:

1. against the ISO 19139 XML Schemas in ../shared/data/iso19139-rndt/schema
   (gmd, gmx and srv imported by one wrapper schema, includes resolved
   locally);
2. by the schematron rules there, run with lxml.isoschematron (XSLT 1.0):
   the RNDT rules (``schematron-rules-rndt.sch``, RNDT 2.0) and the ISO
   rules (``schematron-rules-iso.sch``), each pattern on its own, with the
   ``<sch:let>`` constants given as string values and the messages'
   ``$loc`` (GeoNetwork's translations) as an empty node-set. Rules written
   for XSLT 2.0 cannot run there; these are checked by XPath assertions in
   ``xpath_problems`` instead:

   - RNDT M2 (metadata language: ``tokenize``/``exists``),
   - RNDT M9 (metadata point of contact: ``count()`` of a boolean),
   - RNDT M38 (reference system of datasets: a ``('dataset','series')`` sequence),
   - RNDT M200 (temporal extent: the ``*:extent`` wildcard),
   - ISO M61 (hierarchy level name: ``string-join``);

   ``test_the_rules_that_cannot_run_are_the_ones_listed`` keeps this list true;
3. by this project's own XPath checks (iPA prefix, languages ``ita``, ...).

A record with the iPA prefix, the title or the date taken out fails. The
GPL rule and schema files are read in place from ../shared, never copied.
GetCapabilities of a real qgis_mapserver on 127.0.0.1 links every layer's
record; the GeoServer stand-in accepts the feature types' metadataLinks.
"""

from __future__ import annotations

import copy
import re
import shutil
import sqlite3
import subprocess
import sys
import urllib.request
import uuid
from pathlib import Path

import capacitymetro as cm
import pytest
from capacitymetro.publish import PublishError
from capacitymetro.publish.metadata import MetadataOptions, capabilities_url, write_metadata
from capacitymetro.publish.privacy import read_schema
from lxml import etree, isoschematron

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
RNDT = ROOT.parent / "shared" / "data" / "iso19139-rndt"
DOCUMENTS = ROOT.parent / "shared" / "data" / "geoserver-rest-openapi"
sys.path.insert(0, str(HERE))

IPA = "cmve"
WMS = "https://maps.example.org/wms"
RECORDS = "https://maps.example.org/rndt/"
N = {"gmd": "http://www.isotc211.org/2005/gmd", "gco": "http://www.isotc211.org/2005/gco",
     "gmx": "http://www.isotc211.org/2005/gmx", "srv": "http://www.isotc211.org/2005/srv",
     "gml": "http://www.opengis.net/gml/3.2", "xlink": "http://www.w3.org/1999/xlink"}
SCH = "{http://purl.oclc.org/dsdl/schematron}"
SVRL = {"svrl": "http://purl.oclc.org/dsdl/svrl"}
#: (rules file, pattern) that XSLT 1.0 cannot run: checked by xpath_problems
NOT_RUN = {("rndt", "M2"), ("rndt", "M9"), ("rndt", "M38"), ("rndt", "M200"), ("iso", "M61")}
RULE_FILES = {"rndt": "schematron-rules-rndt.sch", "iso": "schematron-rules-iso.sch"}
#: the metadata languages RNDT M2 accepts
LANGUAGES = "bul cze hrv dan est fin fre gre eng gle ita lav lit mlt dut pol por rum slo slv spa swe ger hun".split()


def options(**changes) -> MetadataOptions:
    values = dict(ipa=IPA, contact_email="gis@cittametropolitana.ve.it", contact_name="Ufficio GIS", wms_url=WMS,
                  records_url=RECORDS)
    return MetadataOptions(**{**values, **changes})


class Validator:
    """XSD, then each schematron pattern on its own, then the XPath checks."""

    def __init__(self) -> None:
        schema = RNDT / "schema"
        imports = "".join(f'<xs:import namespace="{N[prefix]}" schemaLocation="{(schema / prefix / f"{prefix}.xsd").as_uri()}"/>'
                          for prefix in ("gmd", "gmx", "srv"))
        wrapper = (f'<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:capacitymetro:test" '
                   f'elementFormDefault="qualified">{imports}</xs:schema>')
        self.schema = etree.XMLSchema(etree.fromstring(wrapper.encode(), base_url=schema.as_uri() + "/"))
        self.patterns: list = []  # (rules, pattern id, compiled)
        self.not_run: set = set()
        self.ran: set = set()
        for label, name in RULE_FILES.items():
            rules = etree.parse(str(RNDT / "schematron" / name)).getroot()
            for let in rules.iter(f"{SCH}let"):  # constants written as content: as string values (XSLT 1.0 params)
                if let.get("value") is None:
                    text = "".join(let.itertext()).strip()
                    quote = '"' if "'" in text else "'"
                    let.set("value", f"{quote}{text}{quote}")
                    for child in list(let):
                        let.remove(child)
                    let.text = None
            for pattern in rules.findall(f"{SCH}pattern"):
                one = copy.deepcopy(rules)
                for other in one.findall(f"{SCH}pattern"):
                    one.remove(other)
                last_ns = one.findall(f"{SCH}ns")[-1]
                one.insert(list(one).index(last_ns) + 1, etree.Element(f"{SCH}let", name="loc", value="/.."))
                one.append(copy.deepcopy(pattern))
                key = (label, pattern.findtext(f"{SCH}title").replace("$loc/strings/", "").strip())
                try:
                    compiled = isoschematron.Schematron(one, validate_schema=False, store_report=True)
                except etree.XSLTParseError:
                    self.not_run.add(key)
                    continue
                self.patterns.append((*key, compiled))

    def problems(self, document: etree._ElementTree, ipa: str = IPA) -> list:
        found = []
        if not self.schema.validate(document):
            found += [f"XSD: line {e.line}: {e.message}" for e in self.schema.error_log]
        for label, key, compiled in self.patterns:
            try:
                valid = compiled.validate(document)
            except etree.XSLTApplyError:
                self.not_run.add((label, key))
                continue
            self.ran.add((label, key))
            if not valid:
                for failed in compiled.validation_report.xpath("//svrl:failed-assert", namespaces=SVRL):
                    found.append(f"schematron {label} {key}: {failed.get('location')}: {failed.get('test')}")
        return found + xpath_problems(document, ipa)


def _texts(node, path: str) -> list:
    return [t.strip() for t in node.xpath(path, namespaces=N)]


def xpath_problems(document: etree._ElementTree, ipa: str) -> list:
    """The rules XSLT 1.0 cannot run, and this project's own requirements."""
    md = document.getroot()
    found = []
    level = md.xpath("string(gmd:hierarchyLevel/gmd:MD_ScopeCode/@codeListValue)", namespaces=N)
    # RNDT M2: metadata language a listed code, with a text and the Library of Congress ISO 639-2 code list
    language = md.find("gmd:language/gmd:LanguageCode", N)
    if (language is None or language.get("codeListValue") not in LANGUAGES or not (language.text or "").strip()
            or (language.get("codeList") or "").rstrip("/") != "http://www.loc.gov/standards/iso639-2"):
        found.append("xpath M2: metadata language")
    # RNDT M9: the metadata contact names its organisation and e-mail, and its only role is pointOfContact
    contacts = md.findall("gmd:contact/gmd:CI_ResponsibleParty", N)
    if not contacts:
        found.append("xpath M9: no metadata contact")
    for party in contacts:
        roles = _texts(party, "gmd:role/gmd:CI_RoleCode/@codeListValue")
        if (not any(_texts(party, "gmd:organisationName/gco:CharacterString/text()")) or not roles
                or not any(_texts(party, "gmd:contactInfo/gmd:CI_Contact/gmd:address/gmd:CI_Address/"
                                  "gmd:electronicMailAddress/gco:CharacterString/text()"))):
            found.append("xpath M9: metadata contact without organisation, role or e-mail")
        if any(role != "pointOfContact" for role in roles):
            found.append("xpath M9: metadata contact role other than pointOfContact")
    # RNDT M38: datasets and series give a reference system code
    if level in ("dataset", "series") and not md.xpath(
            "gmd:referenceSystemInfo/gmd:MD_ReferenceSystem/gmd:referenceSystemIdentifier/gmd:RS_Identifier/gmd:code",
            namespaces=N):
        found.append("xpath M38: no reference system")
    # RNDT M200: a temporal extent's begin/end is a date, or indeterminate as the rule allows
    for period in md.xpath("gmd:identificationInfo/*/*[local-name()='extent']/gmd:EX_Extent/gmd:temporalElement/"
                           "gmd:EX_TemporalExtent/gmd:extent/gml:TimePeriod", namespaces=N):
        for end, empty_ok in (("begin", ("before", "after")), ("end", ("now", "unknown"))):
            position = period.find(f".//gml:{end}Position", N)
            text = (position.text or "").strip() if position is not None else ""
            indeterminate = position.get("indeterminatePosition") if position is not None else None
            if (text and indeterminate not in (None, "before", "after")) or (not text and indeterminate not in empty_ok):
                found.append(f"xpath M200: temporal extent {end}")
    # ISO M61: a record of another level than dataset names it
    if level != "dataset" and not md.xpath("gmd:hierarchyLevelName[not(@gco:nilReason)]/gco:CharacterString"
                                           "[normalize-space()]", namespaces=N):
        found.append("xpath M61: no hierarchyLevelName")
    # this project: iPA code + ':' + UUID, Italian metadata and data, the RNDT standard, a title and dated citation
    identifier = md.findtext("gmd:fileIdentifier/gco:CharacterString", namespaces=N) or ""
    if not re.fullmatch(re.escape(ipa) + r":[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}", identifier):
        found.append(f"xpath: fileIdentifier '{identifier}' is not {ipa}:UUID")
    codes = _texts(md, "gmd:identificationInfo/*/gmd:citation/gmd:CI_Citation/gmd:identifier/*/gmd:code/*/text()")
    if codes != [identifier]:
        found.append(f"xpath: resource identifier {codes} is not the fileIdentifier")
    if _texts(md, "gmd:language/gmd:LanguageCode/@codeListValue") != ["ita"]:
        found.append("xpath: metadata language is not ita")
    if level == "dataset" and _texts(md, "gmd:identificationInfo/gmd:MD_DataIdentification/gmd:language/"
                                         "gmd:LanguageCode/@codeListValue") != ["ita"]:
        found.append("xpath: data language is not ita")
    if (_texts(md, "gmd:metadataStandardName/gco:CharacterString/text()") != ["Linee Guida RNDT"]
            or _texts(md, "gmd:metadataStandardVersion/gco:CharacterString/text()") != ["2.0"]):
        found.append("xpath: standard is not Linee Guida RNDT 2.0")
    citation = "gmd:identificationInfo/*/gmd:citation/gmd:CI_Citation"
    if not any(_texts(md, f"{citation}/gmd:title/gco:CharacterString/text()")):
        found.append("xpath: no title")
    types = _texts(md, f"{citation}/gmd:date/gmd:CI_Date/gmd:dateType/gmd:CI_DateTypeCode/@codeListValue")
    if not types or not set(types) <= {"creation", "publication", "revision"}:
        found.append(f"xpath: citation dates {types}")
    return found


@pytest.fixture(scope="module")
def validator():
    if not RNDT.exists():
        print(f"skipping: {RNDT} is absent (the shared data folder is not beside this checkout)")
        pytest.skip(f"{RNDT} is absent (the shared data folder is not beside this checkout)")
    return Validator()


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    return Path(cm.run_demo(tmp_path_factory.mktemp("demo"))["output"])


@pytest.fixture(scope="module")
def written(results, tmp_path_factory):
    folder = tmp_path_factory.mktemp("rndt")
    return write_metadata(results, folder, options()), folder


def parsed(path) -> etree._ElementTree:
    return etree.parse(str(path))


# --------------------------------------------------------------------------- 1 and 2: every record is valid

def test_every_record_passes_the_schemas_the_rules_and_the_checks(written, validator):
    done, folder = written
    kinds = [r["kind"] for r in done["records"]]
    assert kinds.count("service") == 1 and kinds.count("dataset") == 4, kinds
    assert done["warnings"] == []
    for record in done["records"]:
        assert validator.problems(parsed(record["file"])) == [], record["file"]
    runnable = {(label, key) for label, key, _ in validator.patterns}
    print(f"schematron patterns run: {len(validator.ran)} of {len(runnable | validator.not_run)}; "
          f"checked by XPath instead: {sorted(validator.not_run)}")
    assert ("rndt", "M101") in validator.ran and ("rndt", "M39") in validator.ran
    # no stray temporary files: records were moved into place
    assert sorted(p.name for p in folder.iterdir()) == sorted(Path(r["file"]).name for r in done["records"])


def test_the_rules_that_cannot_run_are_the_ones_listed(written, validator):
    done, _ = written
    for record in done["records"]:
        validator.problems(parsed(record["file"]))
    assert validator.not_run == NOT_RUN
    assert not validator.ran & NOT_RUN


def test_records_hold_what_a_catalogue_needs(results, written):
    import pyproj

    done, _ = written
    schema = read_schema(results)
    with sqlite3.connect(results) as db:
        extents = {r[0]: r[1:] for r in db.execute("select table_name, min_x, min_y, max_x, max_y, srs_id from gpkg_contents")}
    records = {r["layer"]: r for r in done["records"]}
    for name in ("services", "municipalities", "accessibility", "suggested_sites"):
        md = parsed(records[name]["file"]).getroot()
        expected = f"{IPA}:{uuid.uuid5(uuid.NAMESPACE_URL, f'capacitymetro:{results.stem}/{name}')}"
        assert records[name]["file_identifier"] == expected
        assert _texts(md, "gmd:fileIdentifier/gco:CharacterString/text()") == [expected]
        info = md.find("gmd:identificationInfo/gmd:MD_DataIdentification", N)
        assert _texts(info, "gmd:citation/*/gmd:title/gco:CharacterString/text()") == [schema[name]["title_it"]]
        assert schema[name]["abstract_it"] in info.findtext("gmd:abstract/gco:CharacterString", namespaces=N)
        assert {"creation", "publication"} <= set(_texts(info, "gmd:citation/*/gmd:date/*/gmd:dateType/*/@codeListValue"))
        assert _texts(info, "gmd:citation/*/gmd:citedResponsibleParty/*/gmd:organisationName/*/text()") == \
            ["Città metropolitana di Venezia"]
        assert _texts(info, "gmd:pointOfContact/*/gmd:individualName/*/text()") == ["Ufficio GIS"]
        themes = info.xpath("gmd:descriptiveKeywords/gmd:MD_Keywords[gmd:thesaurusName/*/gmd:title/*"
                            "='GEMET - INSPIRE themes, version 1.0']/gmd:keyword/*/text()", namespaces=N)
        assert "Servizi di pubblica utilità e servizi amministrativi" in themes
        assert info.xpath("gmd:descriptiveKeywords/gmd:MD_Keywords[starts-with(gmd:thesaurusName/*/gmd:title/*, "
                          "'GEMET - Concepts')]/gmd:keyword/gmx:Anchor[starts-with(@xlink:href, "
                          "'http://www.eionet.europa.eu/gemet/concept/')]", namespaces=N)
        assert _texts(info, "gmd:topicCategory/gmd:MD_TopicCategoryCode/text()")
        assert _texts(info, "gmd:spatialResolution/*/gmd:equivalentScale/*/gmd:denominator/gco:Integer/text()") == ["100000"]
        # WGS 84 bounding box: the gpkg_contents extent, transformed
        *bounds, srs = extents[name]
        west, south, east, north = pyproj.Transformer.from_crs(srs, 4326, always_xy=True).transform_bounds(*bounds,
                                                                                                           densify_pts=21)
        box = [float(v) for v in _texts(info, "gmd:extent/*/gmd:geographicElement/*/*/gco:Decimal/text()")]
        assert box == pytest.approx([west, east, south, north], abs=1e-5)
        assert 11.9 < west < east < 13.2 and 45.0 < south < north < 45.9  # the Metropolitan City of Venice
        assert _texts(md, "gmd:referenceSystemInfo//gmd:code/gmx:Anchor/text()") == [f"EPSG:{srs}"]
        lineage = md.findtext("gmd:dataQualityInfo/*/gmd:lineage/*/gmd:statement/gco:CharacterString", namespaces=N)
        assert schema[name]["abstract_it"] in lineage and "catalogo" in lineage
        if name != "services":
            assert all(source in lineage for source in ("ISTAT", "Openpolis", "OpenStreetMap", "ACTV"))
        assert "https://creativecommons.org/licenses/by/4.0/" in info.xpath(
            "gmd:resourceConstraints/*/gmd:otherConstraints/gmx:Anchor/@xlink:href", namespaces=N)
        assert _texts(md, "gmd:distributionInfo/*/gmd:distributionFormat/*/gmd:name/*/text()") == ["GeoPackage"]
        online = md.find("gmd:distributionInfo/*/gmd:transferOptions/*/gmd:onLine/gmd:CI_OnlineResource", N)
        assert online.findtext("gmd:linkage/gmd:URL", namespaces=N) == capabilities_url(WMS)
        assert online.findtext("gmd:protocol/gmx:Anchor", namespaces=N) == "OGC:WMS"
        conformity = md.find("gmd:dataQualityInfo/*/gmd:report/gmd:DQ_DomainConsistency/*/gmd:DQ_ConformanceResult", N)
        assert "1089/2010" in conformity.findtext("gmd:specification/*/gmd:title/*", namespaces=N)
        assert conformity.find("gmd:pass", N).get(f"{{{N['gco']}}}nilReason") == "unknown"


def test_the_service_record_couples_the_datasets(written):
    done, _ = written
    service = next(r for r in done["records"] if r["kind"] == "service")
    datasets = [r for r in done["records"] if r["kind"] == "dataset"]
    info = parsed(service["file"]).getroot().find("gmd:identificationInfo/srv:SV_ServiceIdentification", N)
    assert _texts(info, "srv:serviceType/gco:LocalName/text()") == ["view"]
    assert _texts(info, "srv:couplingType/srv:SV_CouplingType/@codeListValue") == ["tight"]
    assert _texts(info, "srv:containsOperations/*/srv:operationName/*/text()") == ["GetCapabilities", "GetMap",
                                                                                    "GetFeatureInfo"]
    assert set(_texts(info, "srv:containsOperations/*/srv:connectPoint/*/gmd:linkage/gmd:URL/text()")) == {WMS}
    assert [(e.get("uuidref"), e.get(f"{{{N['xlink']}}}href")) for e in info.findall("srv:operatesOn", N)] == \
        [(r["file_identifier"], r["url"]) for r in datasets]
    assert all(r["url"] == RECORDS + Path(r["file"]).name for r in done["records"])


def test_identifiers_are_stable_and_an_unchanged_record_is_left_alone(results, written, tmp_path):
    done, folder = written
    before = {r["file"]: Path(r["file"]).read_bytes() for r in done["records"]}
    again = write_metadata(results, folder, options())
    assert not any(r["changed"] for r in again["records"])
    assert {r["file"]: Path(r["file"]).read_bytes() for r in again["records"]} == before
    # the same data elsewhere (the demo run again): the same identifiers
    rerun = Path(cm.run_demo(tmp_path / "rerun")["output"])
    elsewhere = write_metadata(rerun, tmp_path / "records", options())
    assert [r["file_identifier"] for r in elsewhere["records"]] == [r["file_identifier"] for r in done["records"]]


def test_new_data_is_a_revision_of_the_first(results, tmp_path):
    copy_ = tmp_path / results.name
    shutil.copyfile(results, copy_)
    first = write_metadata(copy_, tmp_path / "records", options(wms_url=None))
    created = first["records"][0]
    with sqlite3.connect(copy_) as db:
        db.execute("update gpkg_contents set last_change = '2099-01-02T03:04:05.000Z' where table_name = ?",
                   (created["layer"],))
    later = write_metadata(copy_, tmp_path / "records", options(wms_url=None))
    record = next(r for r in later["records"] if r["layer"] == created["layer"])
    assert record["changed"] and record["file_identifier"] == created["file_identifier"]
    dates = {t: d for t, d in zip(
        _texts(parsed(record["file"]), "//gmd:citation/*/gmd:date/*/gmd:dateType/*/@codeListValue"),
        _texts(parsed(record["file"]), "//gmd:citation/*/gmd:date/*/gmd:date/gco:Date/text()"))}
    assert dates["revision"] == "2099-01-02" and dates["creation"] != "2099-01-02"
    assert any("no public WMS URL" in w for w in later["warnings"])


# --------------------------------------------------------------------------- 3: what is missing is caught

def _remove(md, path):
    for element in md.xpath(path, namespaces=N):
        element.getparent().remove(element)


def _set(md, path, value):
    for element in md.xpath(path, namespaces=N):
        element.text = value


CITATION = "gmd:identificationInfo/*/gmd:citation/gmd:CI_Citation"
BREAKS = {
    "no iPA prefix": (lambda md: _set(md, "gmd:fileIdentifier/gco:CharacterString",
                                      md.findtext("gmd:fileIdentifier/gco:CharacterString", namespaces=N).split(":")[1]),
                      "schematron rndt M101"),
    "another iPA code in the resource identifier": (
        lambda md: _set(md, f"{CITATION}/gmd:identifier/*/gmd:code/gco:CharacterString", "other:1234"),
        "schematron rndt M103"),
    "no title": (lambda md: _remove(md, f"{CITATION}/gmd:title"), "XSD"),
    "no date": (lambda md: _remove(md, f"{CITATION}/gmd:date"), "XSD"),
    "a date without its type": (lambda md: _remove(md, f"{CITATION}/gmd:date/*/gmd:dateType"), "XSD"),
    "no metadata standard": (lambda md: _set(md, "gmd:metadataStandardName/gco:CharacterString", "ISO 19115"),
                             "schematron rndt M5"),
    "no INSPIRE theme": (lambda md: _remove(md, "gmd:identificationInfo/*/gmd:descriptiveKeywords"
                                                "[*/gmd:thesaurusName/*/gmd:title/*='GEMET - INSPIRE themes, version 1.0']"),
                         "schematron rndt M39"),
    "no lineage": (lambda md: _remove(md, "gmd:dataQualityInfo/*/gmd:lineage"), "schematron rndt M36"),
    "no bounding box": (lambda md: _remove(md, "gmd:identificationInfo/*/gmd:extent"), "schematron rndt M33"),
    "no contact e-mail (M9, by XPath)": (
        lambda md: _remove(md, "gmd:contact//gmd:electronicMailAddress"), "xpath M9"),
    "no reference system (M38, by XPath)": (lambda md: _remove(md, "gmd:referenceSystemInfo"), "xpath M38"),
    "a metadata language without its code list (M2, by XPath)": (
        lambda md: md.find("gmd:language/gmd:LanguageCode", N).attrib.pop("codeList"), "xpath M2"),
    "English metadata": (lambda md: md.find("gmd:language/gmd:LanguageCode", N).set("codeListValue", "eng"),
                         "xpath: metadata language is not ita"),
}


@pytest.mark.parametrize("name", list(BREAKS))
def test_a_record_missing_a_required_part_fails(written, validator, name):
    done, _ = written
    break_it, caught_by = BREAKS[name]
    document = parsed(next(r for r in done["records"] if r["layer"] == "services")["file"])
    assert validator.problems(document) == []
    break_it(document.getroot())
    problems = validator.problems(document)
    assert any(p.startswith(caught_by) for p in problems), problems


def test_the_service_record_needs_its_level_name(written, validator):
    done, _ = written
    document = parsed(next(r for r in done["records"] if r["kind"] == "service")["file"])
    _remove(document.getroot(), "gmd:hierarchyLevelName")
    assert any(p.startswith("xpath M61") for p in validator.problems(document))


# --------------------------------------------------------------------------- bad input: clear messages

def _edited(results: Path, folder: Path, sql: str) -> Path:
    edited = folder / results.name
    shutil.copyfile(results, edited)
    with sqlite3.connect(edited) as db:
        db.execute(sql)
    return edited


@pytest.mark.parametrize("sql, message", [
    ("update capacitymetro_layers set title_it = '' where layer_name = 'services'",
     "layer 'services': field title_it of capacitymetro_layers is empty"),
    ("update gpkg_contents set min_x = NULL where table_name = 'accessibility'",
     "layer 'accessibility': field min_x of gpkg_contents is empty"),
    ("update gpkg_contents set last_change = 'yesterday' where table_name = 'services'",
     "layer 'services': field last_change of gpkg_contents"),
])
def test_bad_layers_are_named_with_their_field(results, tmp_path, sql, message):
    with pytest.raises(PublishError, match=re.escape(message)):
        write_metadata(_edited(results, tmp_path, sql), tmp_path / "records", options())
    assert not (tmp_path / "records").exists() or not any((tmp_path / "records").iterdir())


@pytest.mark.parametrize("changes, message", [
    ({"ipa": "cm:ve"}, "iPA code (ipa) 'cm:ve'"),
    ({"ipa": ""}, "iPA code (ipa) ''"),
    ({"contact_email": None}, "(contact_email)"),
    ({"licence": "GPL"}, "licence (licence) 'GPL'"),
    ({"wms_url": "ftp://x"}, "public WMS URL (wms_url) 'ftp://x'"),
    ({"records_url": "records"}, "public URL of the records (records_url) 'records'"),
])
def test_bad_options_are_refused(results, tmp_path, changes, message):
    with pytest.raises(PublishError, match=re.escape(message)):
        write_metadata(results, tmp_path, options(**changes))


def test_publish_metadata_command(results, tmp_path):
    cli = Path(sys.executable).with_name("capacitymetro")
    done = subprocess.run([cli, "publish", "metadata", results, "--out", tmp_path / "rndt", "--ipa", IPA,
                           "--contact-email", "gis@example.org", "--wms-url", WMS, "--licence", "CC0-1.0"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "5 of 5 record(s) written" in done.stdout and f"{IPA}:" in done.stdout
    assert "publicdomain/zero/1.0" in (tmp_path / "rndt" / "dataset-services.xml").read_text()
    bad = subprocess.run([cli, "publish", "metadata", _edited(results, tmp_path, "update capacitymetro_layers set "
                                                              "abstract_it = NULL where layer_name = 'municipalities'"),
                          "--out", tmp_path / "bad", "--ipa", IPA, "--contact-email", "gis@example.org"],
                         capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert "layer 'municipalities': field abstract_it of capacitymetro_layers is empty" in bad.stderr


# --------------------------------------------------------------------------- 4: linked from the WMS capabilities

@pytest.mark.skipif(shutil.which("qgis_mapserver") is None, reason="QGIS Server (qgis_mapserver) is not installed")
def test_qgis_server_capabilities_link_every_layer_record(results, tmp_path):
    from capacitymetro.publish.qgis_server import write_project
    from test_qgis_server import free_port, serve  # one way to start the server, in the QGIS Server tests

    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    published = write_project(results, tmp_path / "cmv.qgs", metadata=options(wms_url=url))
    records = {r["layer"]: r for r in published["metadata"]["records"]}
    assert set(published["served"]) | {None} == set(records)
    with serve(tmp_path / "cmv.qgs", tmp_path, port):
        with urllib.request.urlopen(capabilities_url(url) + "&VERSION=1.3.0", timeout=60) as response:
            capabilities = etree.fromstring(response.read())
    wms = {"wms": "http://www.opengis.net/wms", "xlink": N["xlink"],
           "inspire_common": "http://inspire.ec.europa.eu/schemas/common/1.0"}
    for name in published["served"]:
        links = capabilities.xpath(f"//wms:Layer[wms:Name='{name}']/wms:MetadataURL[@type='ISO19115:2003']"
                                   "/wms:OnlineResource/@xlink:href", namespaces=wms)
        assert links == [records[name]["url"]], name
        assert records[name]["url"].startswith(RECORDS) and Path(records[name]["file"]).exists()
    assert capabilities.xpath("//inspire_common:MetadataUrl/inspire_common:URL/text()", namespaces=wms) == \
        [records[None]["url"]]
    service = parsed(records[None]["file"]).getroot()
    assert _texts(service, "//srv:containsOperations/*/srv:connectPoint/*/gmd:linkage/gmd:URL/text()") == [url] * 3


def test_geoserver_feature_types_carry_their_metadata_links(results, tmp_path):
    """The feature types' ``metadataLinks`` as GeoServer names the field (its
    XStream name, and the name in every featureType example of
    featuretypes.yaml); the ``FeatureTypeInfo`` definition there spells it
    ``metadatalinks``, which the stand-in takes literally, so here it also
    accepts the examples' spelling of that one documented field."""
    if not DOCUMENTS.exists():
        print(f"skipping: {DOCUMENTS} is absent (the shared data folder is not beside this checkout)")
        pytest.skip(f"{DOCUMENTS} is absent (the shared data folder is not beside this checkout)")
    import json

    from capacitymetro.publish.geoserver import publish

    from mock_geoserver import MockGeoServer

    class StandIn(MockGeoServer):
        @staticmethod
        def check_body(template, kind, body, roots):
            if roots is not None and "metadatalinks" in roots:
                roots = roots | {"metadataLinks"}
            return MockGeoServer.check_body(template, kind, body, roots)

    with StandIn(DOCUMENTS) as mock:
        arguments = dict(user="admin", password="geoserver", log=lambda _: None, metadata=options(wms_url=None),
                         metadata_dir=tmp_path / "rndt")
        publish(results, mock.url, "cmv", **arguments)
        assert not mock.errors, mock.errors
        for name in ("services", "municipalities", "accessibility", "suggested_sites"):
            stored = json.loads(mock.state[f"/workspaces/cmv/datastores/capacitymetro/featuretypes/{name}"][1])
            assert stored["featureType"]["metadataLinks"] == {"metadataLink": [
                {"type": "text/xml", "metadataType": "ISO19115:2003", "content": f"{RECORDS}dataset-{name}.xml"}]}
        settings = json.loads(mock.state["/services/wms/workspaces/cmv/settings"][1])
        assert settings["wms"]["metadataLink"]["content"] == f"{RECORDS}service-wms.xml"
        service = (tmp_path / "rndt" / "service-wms.xml").read_text()
        assert f"{mock.url}/cmv/wms" in service  # the workspace's WMS
        assert publish(results, mock.url, "cmv", **arguments) == []  # a second run changes nothing
