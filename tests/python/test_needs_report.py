"""The needs report (capacitymetro.needs_report): pages and charts from the
GeoPackage of a needs job, checked against sums computed here with sqlite3."""

from __future__ import annotations

import re
import sqlite3
import struct
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from capacitymetro import _core
from capacitymetro.needs_report import write_report
from capacitymetro.synthetic import synthetic_requests

DATA = Path(__file__).resolve().parents[2] / "python" / "capacitymetro" / "data"
VOID = {"meta", "img", "br", "hr", "link", "input", "source", "wbr", "col", "area", "base", "embed", "param", "track"}
SECTION_LAYERS = ["needs_zones", "needs_monthly", "needs_bypass_languages", "needs_languages", "needs_referrals", "needs_decay"]
DASH = "—"


def run_needs(tmp: Path, n: int, seed: int, note: bool, **options):
    info = synthetic_requests(str(tmp / "requests.csv"), n=n, seed=seed)
    gpkg = tmp / "needs.gpkg"
    result = _core.needs(
        str(tmp / "requests.csv"), str(DATA / "services.csv"), str(DATA / "town_centres.csv"),
        population_field="population", id_field="istat_code", mode="car", output=str(gpkg),
        note=info["label"] if note else None, **options,
    )
    return gpkg, result, info


class Page(HTMLParser):
    """Headings, tables (by id), images, links and the text of a page; fails on unbalanced tags."""

    def __init__(self, path: Path):
        super().__init__(convert_charrefs=True)
        self.stack, self.headings, self.tables, self.images, self.links = [], [], {}, [], []
        self.text, self.classes, self.attrs_seen = [], {}, []
        self._heading = self._table = self._row = self._cell = None
        self._classed = []
        self.feed(path.read_text(encoding="utf-8"))
        self.close()
        assert not self.stack, f"unclosed tags {self.stack}"
        self.full_text = " ".join(" ".join(self.text).split())

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.attrs_seen.append((tag, a))
        if tag == "img":
            self.images.append(a)
        if tag in ("a", "link", "script", "iframe"):
            self.links.append((tag, a))
        if tag in VOID:
            return
        self.stack.append(tag)
        if re.fullmatch(r"h[1-6]", tag):
            self._heading = [tag, []]
        elif tag == "table":
            self._table = self.tables.setdefault(a.get("id", f"table{len(self.tables)}"), [])
        elif tag == "tr" and self._table is not None:
            self._row = (a, [])
            self._table.append(self._row)
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []
        for cls in (a.get("class") or "").split():
            self._classed.append((tag, cls, len(self.stack), []))

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        assert self.stack and self.stack[-1] == tag, f"</{tag}> closes {self.stack[-1:]}"
        depth = len(self.stack)
        self.stack.pop()
        if self._heading and tag == self._heading[0]:
            self.headings.append((tag, " ".join("".join(self._heading[1]).split())))
            self._heading = None
        elif tag in ("td", "th") and self._cell is not None:
            self._row[1].append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr":
            self._row = None
        elif tag == "table":
            self._table = None
        while self._classed and self._classed[-1][2] == depth and self._classed[-1][0] == tag:
            _, cls, _, parts = self._classed.pop()
            self.classes.setdefault(cls, []).append(" ".join("".join(parts).split()))

    def handle_data(self, data):
        if "style" in self.stack:
            return
        self.text.append(data)
        if self._heading:
            self._heading[1].append(data)
        if self._cell is not None:
            self._cell.append(data)
        for entry in self._classed:
            entry[3].append(data)


def number(text: str, lang: str) -> float:
    if lang == "it":
        text = text.replace(".", "").replace(",", ".")
    else:
        text = text.replace(",", "")
    return float(text)


def query(gpkg: Path, sql: str, *args):
    con = sqlite3.connect(str(gpkg))
    try:
        return con.execute(sql, args).fetchall()
    finally:
        con.close()


def png_size(path: Path):
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    assert data[12:16] == b"IHDR" and data[-8:-4] == b"IEND"
    return struct.unpack(">II", data[16:24])


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """20,000 synthetic records with the note, default minimum (10); the report from the GeoPackage alone."""
    tmp = tmp_path_factory.mktemp("needs_report")
    gpkg, result, info = run_needs(tmp, 20000, 3, note=True)
    written = write_report(gpkg, tmp / "report")
    return {"gpkg": gpkg, "result": result, "info": info, "written": written, "out": tmp / "report"}


@pytest.fixture(scope="module")
def suppressed(tmp_path_factory):
    """5,000 records, minimum 500: nearly every count is suppressed; no note."""
    tmp = tmp_path_factory.mktemp("needs_report_suppressed")
    gpkg, result, info = run_needs(tmp, 5000, 4, note=False, min_count=500)
    written = write_report(gpkg, tmp / "report", result)
    return {"gpkg": gpkg, "result": result, "written": written, "out": tmp / "report"}


@pytest.mark.parametrize("case", ["published", "suppressed"])
def test_pages_exist_parse_and_are_self_contained(case, request):
    run = request.getfixturevalue(case)
    for lang in ("it", "en"):
        path = Path(run["written"][lang])
        assert path == run["out"] / f"index.{lang}.html" and path.is_file()
        page = Page(path)
        html_tag = [a for t, a in page.attrs_seen if t == "html"]
        assert html_tag and html_tag[0].get("lang") == lang
        assert any(t == "meta" and a.get("name") == "viewport" for t, a in page.attrs_seen)
        assert "max-width" in path.read_text(encoding="utf-8")
        assert not [t for t, _ in page.links if t in ("script", "iframe", "link")], "no scripts or external resources"
        assert not any(t == "script" for t, _ in page.attrs_seen)
        for _, a in page.attrs_seen:
            for key in ("src", "href"):
                value = a.get(key) or ""
                assert not re.match(r"(?i)^(https?:)?//", value), f"external {key} {value}"
        assert len(page.images) == 4
        for image in page.images:
            assert image.get("alt", "").strip(), "every image has alt text"
            assert "/" not in image["src"] and (run["out"] / image["src"]).is_file()
        assert not list(run["out"].glob("*.tmp")) and not list(run["out"].glob(".*")), "no temporary file left"


def test_headings_use_the_layer_titles_of_each_language(published):
    gpkg = published["gpkg"]
    titles = {name: (it, en) for name, it, en in query(gpkg, "SELECT layer_name, title_it, title_en FROM capacitymetro_layers")}
    pages = {lang: Page(Path(published["written"][lang])) for lang in ("it", "en")}
    h2 = {lang: {text for tag, text in page.headings if tag == "h2"} for lang, page in pages.items()}
    for layer in SECTION_LAYERS:
        it, en = titles[layer]
        assert it in h2["it"] and en in h2["en"], layer
        assert en not in h2["it"] and it not in h2["en"], layer
    unmet = dict(query(gpkg, "SELECT title_it, title_en FROM capacitymetro_fields WHERE layer_name = 'needs_zones' AND field_name = 'unmet'"))
    (unmet_it, unmet_en), = unmet.items()
    assert any(text.startswith(unmet_it) for text in h2["it"]) and any(text.startswith(unmet_en) for text in h2["en"])
    # table headers are the field titles too
    fields = dict(query(gpkg, "SELECT field_name, title_en FROM capacitymetro_fields WHERE layer_name = 'needs_referrals'"))
    header = [cells for attrs, cells in pages["en"].tables["referrals"]][0]
    assert header == [fields[f] for f in ("from_desk", "to_desk", "category", "requests", "receiver_serves_category")]
    # the footnote gives the rule with the minimum
    assert "below 10 are suppressed" in pages["en"].full_text and "sotto 10 sono soppressi" in pages["it"].full_text


@pytest.mark.parametrize("case", ["published", "suppressed"])
def test_charts_are_valid_pngs(case, request):
    run = request.getfixturevalue(case)
    charts = [Path(p) for p in run["written"]["charts"]]
    assert len(charts) == 8 and len(set(charts)) == 8
    referenced = {run["out"] / image["src"] for lang in ("it", "en") for image in Page(Path(run["written"][lang])).images}
    assert referenced == set(charts)
    for chart in charts:
        width, height = png_size(chart)
        assert width >= 300 and height >= 150
        assert chart.stat().st_size > 2000


def test_unmet_and_referred_equal_sums_of_published_cells(published):
    gpkg = published["gpkg"]
    expected = {
        category: (unmet, referred, total - n_unmet, total - n_referred)
        for category, unmet, referred, total, n_unmet, n_referred in query(
            gpkg, "SELECT category, SUM(unmet), SUM(referred), COUNT(*), COUNT(unmet), COUNT(referred) FROM needs_zones GROUP BY category")
    }
    for lang in ("en", "it"):
        page = Page(Path(published["written"][lang]))
        rows = {attrs["data-category"]: cells for attrs, cells in page.tables["unmet-referred"] if "data-category" in attrs}
        assert set(rows) == set(expected)
        for category, (unmet, referred, unmet_null, referred_null) in expected.items():
            cells = rows[category]
            for shown, value in ((cells[1], unmet), (cells[2], referred)):
                # SQL SUM ignores NULLs and is NULL when every cell is: then the report shows a dash
                if value is None:
                    assert shown == DASH, (lang, category)
                else:
                    assert number(shown, lang) == pytest.approx(value), (lang, category)
            assert [number(x, lang) for x in cells[3].split("/")] == [unmet_null, referred_null]
    assert sum(e[2] for e in expected.values()) > 0, "the test needs some suppressed unmet cells"
    assert sum(e[0] is not None for e in expected.values()) >= 5, "and some published sums"


def test_shown_zone_numbers_are_published_cells(published):
    """Every number of the top-zones tables is a non-NULL cell of needs_zones; a NULL shows as a dash."""
    gpkg = published["gpkg"]
    cells = {(c, name): (requests, rate, minutes) for c, name, requests, rate, minutes in query(
        gpkg, "SELECT category, name, requests, rate_per_1000, nearest_min FROM needs_zones")}
    page = Page(Path(published["written"]["en"]))
    tops = {k[4:]: v for k, v in page.tables.items() if k.startswith("top-")}
    assert tops
    for category, rows in tops.items():
        body = rows[1:]
        assert 0 < len(body) <= 5
        rates = []
        for _, (name, requests, rate, minutes) in body:
            stored = cells[(category, name)]
            for shown, value, digits in zip((requests, rate, minutes), stored, (0, 1, 1)):
                if value is None:
                    assert shown == DASH
                else:
                    assert number(shown, "en") == pytest.approx(round(value, digits))
            rates.append(stored[1])
        # the highest published rates of the category, in order
        best = sorted((r for (c, _), (_, r, _) in cells.items() if c == category and r is not None and r > 0), reverse=True)
        assert rates == best[: len(rates)]


def test_referral_lines_flag_receivers_not_offering_the_category(published):
    gpkg = published["gpkg"]
    lines = query(gpkg, "SELECT from_desk, to_desk, category, requests, receiver_serves_category FROM needs_referrals")
    page = Page(Path(published["written"]["en"]))
    rows = page.tables["referrals"][1:]
    assert len(rows) == len(lines)
    flagged = [cells for attrs, cells in rows if "flag" in (attrs.get("class") or "")]
    assert len(flagged) == sum(1 for line in lines if line[4] == "no")
    assert all(cells[4].startswith("⚠") for cells in flagged)
    shown = sorted((cells[0], cells[1], number(cells[3], "en")) for _, cells in rows)
    assert shown == sorted((a, b, r) for a, b, _, r, _ in lines)


def test_languages_not_offered_table(published):
    gpkg = published["gpkg"]
    zones = {name for (name,) in query(gpkg, "SELECT DISTINCT name FROM needs_zones WHERE languages_not_offered <> ''")}
    page = Page(Path(published["written"]["en"]))
    assert {cells[0] for _, cells in page.tables["languages"][1:]} == zones
    rows = query(gpkg, "SELECT languages_not_offered FROM needs_zones WHERE languages_not_offered <> ''")
    languages = {x for (v,) in rows for x in v.split(";")}
    shown = " ".join(cells[1] for _, cells in page.tables["languages"][1:])
    assert all(re.search(rf"\b{re.escape(language)}\b", shown) for language in languages)


def test_decay_section_gives_T_and_the_accessibility_setting(published):
    ((T, se),) = query(published["gpkg"], "SELECT decay_minutes, standard_error_minutes FROM needs_decay")
    assert abs(T - published["info"]["decay_minutes"]) < 2, "synthetic decay recovered"
    en, it = (Page(Path(published["written"][lang])) for lang in ("en", "it"))
    assert f"decay exponential, decay_minutes {T:.1f}" in en.full_text
    assert f"decay exponential, decay_minutes {T:.1f}" in it.full_text
    values = dict(tuple(cells) for _, cells in en.tables["decay-fit"])
    titles = dict(query(published["gpkg"], "SELECT field_name, title_en FROM capacitymetro_fields WHERE layer_name = 'needs_decay'"))
    assert number(values[titles["decay_minutes"]], "en") == pytest.approx(round(T, 1))
    assert number(values[titles["standard_error_minutes"]], "en") == pytest.approx(round(se, 2))


def test_nearly_all_suppressed_still_renders_and_says_so(suppressed):
    gpkg = suppressed["gpkg"]
    (published_unmet,) = query(gpkg, "SELECT COUNT(unmet) FROM needs_zones")[0]
    assert published_unmet == 0, "min_count 500 suppresses every unmet cell"
    en, it = (Page(Path(suppressed["written"][lang])) for lang in ("en", "it"))
    rows = [cells for attrs, cells in en.tables["unmet-referred"] if "data-category" in attrs]
    assert rows and all(cells[1] == DASH and cells[2] == DASH for cells in rows), "no number from a NULL cell"
    assert en.classes.get("warn") and "suppressed" in en.classes["warn"][0]
    assert it.classes.get("warn") and "soppress" in it.classes["warn"][0]
    assert "below 500 are suppressed" in en.full_text and "sotto 500 sono soppressi" in it.full_text
    total, nulls = query(
        gpkg, "SELECT COUNT(*) * 4, SUM((requests IS NULL) + (served IS NULL) + (referred IS NULL) + (unmet IS NULL)) FROM needs_zones")[0]
    assert f"suppressed: {nulls:,} of {total:,}" in en.full_text
    # nothing from the suppressed layers is shown as a number
    assert "No referral published." in en.full_text
    assert "No zone with a published value above zero." in en.full_text
    assert not any(k.startswith("top-") for k in en.tables)


def test_note_banner(published, suppressed, tmp_path):
    note = published["info"]["label"]
    for lang in ("it", "en"):
        page = Page(Path(published["written"][lang]))
        assert page.classes.get("banner") and note in page.classes["banner"][0], "note found in the layer abstracts"
        assert note not in " ".join(page.classes.get("abstract", [])), "the note is shown once, not in every abstract"
        assert "banner" not in Page(Path(suppressed["written"][lang])).classes
    # the note of the result is used when given
    written = write_report(suppressed["gpkg"], tmp_path, {"note": "TEST NOTE <b>", "timings_s": {"analyse": 0.5}})
    page = Page(Path(written["en"]))
    assert "TEST NOTE <b>" in page.classes["banner"][0], "escaped, shown as text"
    assert "analyse 0.500" in page.full_text


def test_refusals(tmp_path, suppressed, monkeypatch):
    with pytest.raises(_core.InputError, match="not a file"):
        write_report(tmp_path / "missing.gpkg", tmp_path / "out")
    other = tmp_path / "other.gpkg"
    sqlite3.connect(str(other)).close()
    with pytest.raises(_core.InputError, match="needs job"):
        write_report(other, tmp_path / "out")
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    with pytest.raises(_core.InputError, match="matplotlib"):
        write_report(suppressed["gpkg"], tmp_path / "out")
