"""OpenStreetMap exchange: the candidate desks imported from the real
extracts in ../shared match the objects osmium-tool (a different program,
Debian's osmium-tool) selects with the same tags; ways land at their
centroid (shapely as the oracle); the osmChange draft parses and holds one
<create> node per service with the mapped tags."""

from __future__ import annotations

import csv
import shutil
import subprocess
import xml.etree.ElementTree as ET

import pytest
from capacitymetro import InputError, cli
from capacitymetro.exchange import export_osmchange, import_osm

from exchange_fixtures import core_view

pytest.importorskip("osmium", reason="pyosmium is not installed (pip install 'capacitymetro[osm]')")


def _osmium(*arguments: str) -> str:
    if shutil.which("osmium") is None:
        print("skipping: osmium-tool is not installed (apt install osmium-tool; the Makefile installs it)")
        pytest.skip("osmium-tool is not installed (apt install osmium-tool; the Makefile installs it)")
    return subprocess.run(["osmium", *arguments], check=True, capture_output=True, text=True).stdout


def _ids(opl: str) -> set:
    """``osm-node-N`` / ``osm-way-N`` of each object of an OPL listing."""
    kinds = {"n": "node", "w": "way"}
    return {f"osm-{kinds[line[0]]}-{line[1:].split(' ', 1)[0]}" for line in opl.splitlines() if line}


def expected_candidates(pbf, scratch) -> set:
    """The candidates as osmium-tool selects them: social facilities with outreach or for migrants,
    refugees or displaced people (two filters in a row: tags-filter ORs its expressions), and the
    objects with the other tags."""
    social = scratch / "social.osm.pbf"
    _osmium("tags-filter", "-R", "--overwrite", "-o", str(social), str(pbf), "nw/social_facility=outreach",
            "nw/social_facility:for=migrant,refugee,displaced")
    both = _osmium("tags-filter", "-R", "-f", "opl", "-o", "-", str(social), "nw/amenity=social_facility")
    others = _osmium("tags-filter", "-R", "-f", "opl", "-o", "-", str(pbf), "nw/office=ngo",
                     "nw/amenity=community_centre,language_school", "nw/healthcare")
    return _ids(both) | _ids(others)


@pytest.mark.parametrize("extract", ["helsinki_pbf", "liechtenstein_pbf"])
def test_import_matches_osmium_tool(extract, request, tmp_path):
    pbf = request.getfixturevalue(extract)
    expected = expected_candidates(pbf, tmp_path)
    out = tmp_path / "candidates.gpkg"
    if not expected:
        with pytest.raises(InputError, match="no candidate desks"):
            import_osm(pbf, out)
        assert not out.exists()
        return
    done = import_osm(pbf, out)
    services = core_view(out)
    assert {s["id"] for s in services} == expected
    assert done["services"] == len(expected)
    assert done["nodes"] == sum(i.startswith("osm-node-") for i in expected)
    # tags mapped: the names and opening hours osmium-tool prints for the same objects
    listing = _osmium("tags-filter", "-R", "-f", "opl", "-o", "-", str(pbf), "nw/opening_hours", "nw/name")
    for line in listing.splitlines():
        kind, number = line[0], line[1:].split(" ", 1)[0]
        key = f"osm-{'node' if kind == 'n' else 'way'}-{number}"
        match = next((s for s in services if s["id"] == key), None)
        if match is None:
            continue
        tags = dict(t.split("=", 1) for t in line.split(" T", 1)[1].split(" ", 1)[0].split(",") if "=" in t)
        if "name" in tags:
            assert match["name"] == _opl_text(tags["name"])


def _opl_text(text: str) -> str:
    """OPL escapes characters as %hex%."""
    parts = text.split("%")
    return "".join(chr(int(p, 16)) if i % 2 else p for i, p in enumerate(parts))


OSM_XML = """<?xml version='1.0' encoding='UTF-8'?>
<osm version="0.6" generator="hand">
  <node id="1" version="1" lat="45.4900" lon="12.2400"/>
  <node id="2" version="1" lat="45.4900" lon="12.2410"/>
  <node id="3" version="1" lat="45.4906" lon="12.2410"/>
  <node id="4" version="1" lat="45.4906" lon="12.2400"/>
  <node id="5" version="1" lat="45.4950" lon="12.2500"/>
  <node id="6" version="1" lat="45.4960" lon="12.2530"/>
  <node id="10" version="1" lat="45.4800" lon="12.2300">
    <tag k="amenity" v="social_facility"/><tag k="social_facility" v="shelter"/>
    <tag k="social_facility:for" v="refugee;migrant"/><tag k="name" v="Casa Accoglienza"/>
    <tag k="language:ar" v="yes"/><tag k="language:it" v="yes"/><tag k="language:xx" v="yes"/>
    <tag k="opening_hours" v="Mo-Fr 09:00-12:30,14:00-17:00; PH off"/><tag k="wheelchair" v="limited"/>
    <tag k="contact:phone" v="+39 041 555 0100"/><tag k="addr:street" v="Via Piave"/>
    <tag k="addr:housenumber" v="3"/><tag k="addr:postcode" v="30171"/><tag k="addr:city" v="Mestre"/>
  </node>
  <node id="11" version="1" lat="45.4810" lon="12.2310">
    <tag k="amenity" v="social_facility"/><tag k="social_facility" v="day_care"/><tag k="name" v="Not a desk"/>
  </node>
  <node id="12" version="1" lat="45.4820" lon="12.2320">
    <tag k="healthcare" v="clinic"/><tag k="opening_hours" v="not hours at all"/>
  </node>
  <way id="20" version="1">
    <nd ref="1"/><nd ref="2"/><nd ref="3"/><nd ref="4"/><nd ref="1"/>
    <tag k="amenity" v="language_school"/><tag k="name" v="Scuola di italiano"/>
  </way>
  <way id="21" version="1">
    <nd ref="5"/><nd ref="6"/>
    <tag k="office" v="ngo"/><tag k="name" v="Associazione"/>
  </way>
</osm>
"""


def test_nodes_and_ways_with_tags_mapped(tmp_path):
    shapely = pytest.importorskip("shapely")
    from shapely.geometry import LineString, Polygon

    source = tmp_path / "hand.osm"
    source.write_text(OSM_XML)
    done = import_osm(source, tmp_path / "out.csv")
    with open(tmp_path / "out.csv", newline="", encoding="utf-8") as handle:
        records = {r["id"]: r for r in csv.DictReader(handle)}
    assert set(records) == {"osm-node-10", "osm-node-12", "osm-way-20", "osm-way-21"} and done["ways"] == 2
    square = Polygon([(12.2400, 45.4900), (12.2410, 45.4900), (12.2410, 45.4906), (12.2400, 45.4906)]).centroid
    line = LineString([(12.2500, 45.4950), (12.2530, 45.4960)])
    mean = shapely.geometry.MultiPoint(list(line.coords)).centroid
    for key, point in (("osm-way-20", square), ("osm-way-21", mean)):
        assert float(records[key]["lon"]) == pytest.approx(point.x, abs=1e-7)
        assert float(records[key]["lat"]) == pytest.approx(point.y, abs=1e-7)
    desk = records["osm-node-10"]
    assert desk["name"] == "Casa Accoglienza" and desk["phone"] == "+39 041 555 0100"
    assert desk["categories"] == "legal;asylum" and desk["languages"] == "ar;it" and desk["wheelchair"] == "limited"
    assert desk["opening_hours"] == "Mo-Fr 09:00-12:30,14:00-17:00; PH off"
    assert desk["address"] == "Via Piave 3, 30171 Mestre"
    assert records["osm-way-20"]["categories"] == "italian_courses"
    assert records["osm-way-21"]["categories"] == "information"
    assert records["osm-node-12"]["categories"] == "health" and records["osm-node-12"]["opening_hours"] == ""
    assert records["osm-node-12"]["name"] == "healthcare=clinic (node 12)"
    # what the core refuses is left out with a warning naming the object and the field
    assert any("osm-node-10" in w and "languages" in w and "'xx'" in w for w in done["warnings"])
    assert any("osm-node-12" in w and "opening_hours" in w for w in done["warnings"])


def test_osmchange_draft(tmp_path, demo_data):
    out = tmp_path / "draft.osc"
    assert cli.main(["catalogue", "export", str(demo_data / "services.csv"), "--format", "osmchange",
                     "--out", str(out)]) == 0
    root = ET.parse(out).getroot()
    assert root.tag == "osmChange" and [c.tag for c in root] == ["create"]
    nodes = root.find("create").findall("node")
    services = core_view(demo_data / "services.csv")
    assert len(nodes) == len(services) and all(n.tag == "node" for n in root.find("create"))
    ids = [int(n.get("id")) for n in nodes]
    assert all(i < 0 for i in ids) and len(set(ids)) == len(ids)
    for node, service in zip(nodes, services):
        tags = {t.get("k"): t.get("v") for t in node.findall("tag")}
        assert tags["amenity"] == "social_facility" and tags["social_facility:for"] == "migrant"
        assert tags["name"] == service["name"] and tags.get("opening_hours", "") == service["opening_hours"]
        assert sorted(k.split(":", 1)[1] for k in tags if k.startswith("language:")) == sorted(service["languages"])
        for field, key in (("phone", "phone"), ("email", "email"), ("website", "website"), ("wheelchair", "wheelchair"),
                           ("operator", "operator"), ("address", "addr:full")):
            assert tags.get(key, "") == (service[field] or ""), (field, service["id"])


def test_osmchange_leaves_out_desks_already_in_osm(tmp_path):
    source = tmp_path / "hand.osm"
    source.write_text(OSM_XML)
    import_osm(source, tmp_path / "from_osm.gpkg")
    done = export_osmchange(tmp_path / "from_osm.gpkg", tmp_path / "draft.osc")
    assert done["services"] == 0 and len(done["warnings"]) == 4
    assert not ET.parse(tmp_path / "draft.osc").getroot().find("create").findall("node")
