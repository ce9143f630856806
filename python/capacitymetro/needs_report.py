"""A static report (Italian and English HTML pages with PNG charts) of the
GeoPackage a needs job wrote.

The report reads only the GeoPackage, so it shows only the published,
protected numbers: a suppressed count is NULL there and shown as "—" here,
and every sum adds only the published values. Titles of layers and fields
come from the GeoPackage's ``capacitymetro_layers`` and
``capacitymetro_fields`` tables. Pages and charts are written to temporary
files and moved into place. No JavaScript, no external resources.

    from capacitymetro.needs_report import write_report
    write_report("needs.gpkg", "report/")   # report/index.it.html, index.en.html, *.png
"""

from __future__ import annotations

import html
import io
import math
import os
import re
import sqlite3
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any, Dict, List, Optional

from ._core import InputError

LANGUAGES = ("it", "en")
#: Zones listed per category in the table of the highest rates.
TOP_ZONES = 5
SUPPRESSED = "—"
LAYERS = {
    "needs_zones": ["id", "name", "population", "category", "requests", "rate_per_1000", "served", "referred", "unmet",
                    "nearest_min", "languages_not_offered"],
    "needs_referrals": ["from_desk", "to_desk", "category", "requests", "receiver_serves_category"],
    "needs_bypass_languages": ["category", "language", "requests", "bypassing", "bypass_share"],
    "needs_monthly": ["desk_id", "category", "month", "requests"],
    "needs_decay": ["decay", "decay_minutes", "standard_error_minutes", "beta_per_min"],
    "needs_languages": [],
    "needs_flows": [],
    "needs_desks": [],
}

TEXT: Dict[str, Dict[str, str]] = {
    "it": {
        "title": "Rapporto sui bisogni: richieste agli sportelli",
        "other_language": "English",
        "note": "Nota",
        "summary": "Celle di conteggio di «{layer}» soppresse: {suppressed} su {cells}.",
        "mostly_suppressed": "La maggior parte dei conteggi è soppressa dalla regola di riservatezza: "
                             "il rapporto mostra solo quello che è pubblicato.",
        "rate_chart_alt": "Grafico a dispersione: richieste ogni 1.000 residenti rispetto ai minuti allo sportello più vicino, "
                          "un punto per zona e categoria, con la curva di decadimento stimata.",
        "rate_caption": "Un punto per zona e categoria (solo valori pubblicati). La curva è exp(-t/T) con il T stimato dai flussi, "
                        "scalata ai punti con i minimi quadrati (solo la scala).",
        "fitted_curve": "exp(-t/T), T = {T} min",
        "no_curve": "Nessun decadimento stimato: la curva non è disegnata.",
        "top_zones": "Zone con il valore più alto di «{field}», per categoria",
        "top_zones_none": "Nessuna zona con un valore pubblicato sopra zero.",
        "by_category": "{unmet} e {referred} per categoria",
        "bar_alt": "Grafico a barre: richieste non soddisfatte e inviate altrove per categoria.",
        "bar_caption": "Somme dei soli valori pubblicati di «{layer}»: le celle soppresse non sono nelle somme, "
                       "quindi i totali veri possono essere più alti.",
        "suppressed_cells": "Celle soppresse ({unmet} / {referred})",
        "monthly_alt": "Grafico a linee: richieste per mese e categoria, sommate sugli sportelli.",
        "monthly_caption": "Somma sugli sportelli dei mesi pubblicati; le parti piccole e le celle soppresse sono escluse.",
        "bypass_alt": "Grafico a barre: quota delle richieste oltre lo sportello più vicino, per lingua.",
        "bypass_caption": "Per lingua, somma di «{bypassing}» divisa per la somma di «{requests}» su tutte le categorie, "
                          "solo nelle righe in cui entrambi sono pubblicati.",
        "languages_none": "Nessuna zona con lingue non offerte (o nessuna pubblicata).",
        "languages_intro": "Zone in cui i richiedenti hanno usato lingue che nessuno sportello della categoria parla entro il tempo indicato.",
        "referrals_intro": "{flagged} linee su {lines} vanno a uno sportello che non offre la categoria (segnalate con ⚠).",
        "referrals_none": "Nessun invio pubblicato.",
        "flag_no": "⚠ no",
        "yes": "sì",
        "not_applicable": "n.d.",
        "decay_use": "Il tempo T si può usare nell'accessibilità come {setting}.",
        "decay_none": "Nessun decadimento stimato (troppo pochi flussi pubblicati).",
        "nothing": "Nessun valore pubblicato.",
        "category": "Categoria",
        "footnote_rule": "Regola di riservatezza: i conteggi sopra zero e sotto {k} sono soppressi (mostrati come «{dash}»), "
                         "con soppressione secondaria perché i totali non li rivelino; i flussi più piccoli sono uniti in «other». "
                         "Le somme di questo rapporto contano solo i valori pubblicati.",
        "footnote_rule_unknown": "Regola di riservatezza: i conteggi sotto la soglia minima sono soppressi (mostrati come «{dash}»), "
                                 "con soppressione secondaria; i flussi più piccoli sono uniti in «other». "
                                 "Le somme di questo rapporto contano solo i valori pubblicati.",
        "timings": "Tempi di calcolo (s)",
        "source": "Fonte: {name}, letto con i titoli e le descrizioni dei suoi layer.",
    },
    "en": {
        "title": "Needs report: requests at the desks",
        "other_language": "Italiano",
        "note": "Note",
        "summary": "Count cells of '{layer}' suppressed: {suppressed} of {cells}.",
        "mostly_suppressed": "Most counts are suppressed by the disclosure rule: the report shows only what is published.",
        "rate_chart_alt": "Scatter chart: requests per 1,000 residents against minutes to the nearest desk, "
                          "one point per zone and category, with the fitted decay curve.",
        "rate_caption": "One point per zone and category (published values only). The curve is exp(-t/T) with the T fitted "
                        "to the flows, scaled to the points by least squares (the scale only).",
        "fitted_curve": "exp(-t/T), T = {T} min",
        "no_curve": "No decay was fitted: the curve is not drawn.",
        "top_zones": "Zones with the highest '{field}', by category",
        "top_zones_none": "No zone with a published value above zero.",
        "by_category": "{unmet} and {referred} by category",
        "bar_alt": "Bar chart: unmet and referred requests by category.",
        "bar_caption": "Sums of the published values of '{layer}' only: suppressed cells are not in the sums, "
                       "so the true totals can be higher.",
        "suppressed_cells": "Suppressed cells ({unmet} / {referred})",
        "monthly_alt": "Line chart: requests by month and category, summed over the desks.",
        "monthly_caption": "Sum over the desks of the published months; small parts and suppressed cells are left out.",
        "bypass_alt": "Bar chart: share of requests bypassing the nearest desk, by language.",
        "bypass_caption": "Per language, the sum of '{bypassing}' divided by the sum of '{requests}' over all categories, "
                          "only in the rows where both are published.",
        "languages_none": "No zone with languages not offered (or none published).",
        "languages_intro": "Zones where requesters used languages that no desk of the category speaks within the time set.",
        "referrals_intro": "{flagged} of {lines} lines go to a desk that does not offer the category (flagged ⚠).",
        "referrals_none": "No referral published.",
        "flag_no": "⚠ no",
        "yes": "yes",
        "not_applicable": "n/a",
        "decay_use": "T can be used in accessibility as {setting}.",
        "decay_none": "No decay was fitted (too few published flows).",
        "nothing": "No published value.",
        "category": "Category",
        "footnote_rule": "Disclosure rule: counts above zero and below {k} are suppressed (shown as '{dash}'), with secondary "
                         "suppression so that totals cannot give them back; smaller flows are merged into 'other'. "
                         "Sums in this report add only the published values.",
        "footnote_rule_unknown": "Disclosure rule: counts below the minimum are suppressed (shown as '{dash}'), with secondary "
                                 "suppression; smaller flows are merged into 'other'. Sums in this report add only the published values.",
        "timings": "Computing times (s)",
        "source": "Source: {name}, read with the titles and abstracts of its layers.",
    },
}

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;line-height:1.45;color:#1a1a1a;
max-width:48rem;margin:0 auto;padding:0 .9rem 2rem}
h1{font-size:1.5rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #ccc}h3{font-size:1rem}
.banner{background:#fff3cd;border:2px solid #b45309;border-radius:.4rem;padding:.6rem .8rem;font-weight:600}
.warn{background:#fde2e2;border-left:.4rem solid #b91c1c;padding:.4rem .7rem}
.scroll{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-size:.9rem;margin:.5rem 0}
th,td{border-bottom:1px solid #ddd;padding:.25rem .4rem;text-align:left;vertical-align:top}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
tr.flag{background:#fde2e2}
img{max-width:100%;height:auto}
figure{margin:1rem 0}figcaption,.abstract,footer{font-size:.85rem;color:#444}
code{background:#f3f3f3;padding:0 .2rem}
"""


# --------------------------------------------------------------------------- reading


def _read(gpkg) -> Dict[str, Any]:
    path = Path(gpkg)
    if not path.is_file():
        raise InputError(f"needs report: {path} is not a file")
    try:
        con = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as e:
        raise InputError(f"needs report: cannot open {path}: {e}") from e
    try:
        try:
            tables = {name for (name,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        except sqlite3.DatabaseError as e:
            raise InputError(f"needs report: {path} is not a GeoPackage: {e}") from e
        missing = [t for t in ("needs_zones", "capacitymetro_layers", "capacitymetro_fields") if t not in tables]
        if missing:
            raise InputError(f"needs report: {path} has no table {', '.join(missing)}: is it the output of a needs job?")
        data: Dict[str, Any] = {"layers": {}, "fields": {}}
        for name, *rest in con.execute(
            "SELECT layer_name, title_it, title_en, abstract_it, abstract_en FROM capacitymetro_layers WHERE layer_name LIKE 'needs_%'"
        ):
            data["layers"][name] = dict(zip(("title_it", "title_en", "abstract_it", "abstract_en"), (r or "" for r in rest)))
        for layer, field, title_it, title_en in con.execute(
            "SELECT layer_name, field_name, title_it, title_en FROM capacitymetro_fields WHERE layer_name LIKE 'needs_%'"
        ):
            data["fields"][(layer, field)] = {"it": title_it or field, "en": title_en or field}
        for layer, columns in LAYERS.items():
            rows: List[Dict[str, Any]] = []
            if layer in tables and columns:
                present = {c[1] for c in con.execute(f'PRAGMA table_info("{layer}")')}
                wanted = [c for c in columns if c in present]
                cursor = con.execute(f'SELECT {", ".join(chr(34) + c + chr(34) for c in wanted)} FROM "{layer}" ORDER BY fid')
                rows = [dict(zip(wanted, r)) for r in cursor]
            data[layer] = rows
        return data
    finally:
        con.close()


def _note_in_abstracts(layers: Dict[str, Dict[str, str]]) -> Optional[str]:
    """The note the job appends to every abstract (Italian and English alike):
    their common ending, cut at a word boundary."""
    abstracts = [a[key] for a in layers.values() for key in ("abstract_it", "abstract_en") if a[key]]
    if len(abstracts) < 2:
        return None
    reversed_common = os.path.commonprefix([a[::-1] for a in abstracts])
    common = reversed_common[::-1]
    if not common:
        return None
    if any(len(a) > len(common) and not a[-len(common) - 1].isspace() for a in abstracts) and not common[0].isspace():
        # cut the partial word or punctuation shared by chance before the note
        cut = re.search(r"\s", common)
        common = common[cut.end():] if cut else ""
    common = common.strip()
    return common if len(common) >= 3 and re.search(r"\w{2}", common) else None


def _strip_note(text: str, note: Optional[str]) -> str:
    if note and text.endswith(note):
        return text[: -len(note)].rstrip()
    return text


def _min_count(layers: Dict[str, Dict[str, str]]) -> Optional[int]:
    for layer in layers.values():
        found = re.search(r"[Cc]ounts below (\d+) suppressed", layer.get("abstract_en", ""))
        if found:
            return int(found.group(1))
    return None


# --------------------------------------------------------------------------- formatting


def _published(value) -> bool:
    return value is not None and not (isinstance(value, float) and math.isnan(value))


def _number(value, digits: int, lang: str) -> str:
    if not _published(value):
        return SUPPRESSED
    text = f"{float(value):,.{digits}f}"
    if lang == "it":
        text = text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    return text


def _categories(lang: str) -> Dict[str, Dict[str, str]]:
    """Label and colour of each category of the vocabulary, in its order."""
    try:
        from ._core import vocabulary

        return {
            c["id"]: {"label": c.get("labels", {}).get(lang) or c["id"], "colour": c.get("colour") or ""}
            for c in vocabulary()
        }
    except Exception:  # the labels are a nicety: ids do
        return {}


class _Page:
    def __init__(self, data: Dict[str, Any], lang: str):
        self.data, self.lang, self.t = data, lang, TEXT[lang]
        self.vocabulary = _categories(lang)

    def layer_title(self, layer: str) -> str:
        return self.data["layers"].get(layer, {}).get(f"title_{self.lang}") or layer

    def abstract(self, layer: str, note: Optional[str]) -> str:
        return _strip_note(self.data["layers"].get(layer, {}).get(f"abstract_{self.lang}", ""), note)

    def field(self, layer: str, field: str) -> str:
        return self.data["fields"].get((layer, field), {}).get(self.lang, field)

    def category(self, category: str) -> str:
        return self.vocabulary.get(category, {}).get("label", category)

    def number(self, value, digits: int = 0) -> str:
        return _number(value, digits, self.lang)


def _e(text) -> str:
    return html.escape(str(text), quote=True)


def _table(
    header: Optional[List[str]], rows: List[List[str]], numeric: List[bool], row_attrs: Optional[List[str]] = None, table_id: str = ""
) -> str:
    """An HTML table; ``rows`` are escaped already."""
    ident = f' id="{_e(table_id)}"' if table_id else ""
    head = ""
    if header:
        cells = "".join(f'<th{" class=n" if n else ""} scope="col">{_e(h)}</th>' for h, n in zip(header, numeric))
        head = f"<thead><tr>{cells}</tr></thead>"
    body = []
    for i, row in enumerate(rows):
        attrs = row_attrs[i] if row_attrs else ""
        cells = "".join(f'<td{" class=n" if n else ""}>{c}</td>' for c, n in zip(row, numeric))
        body.append(f"<tr{attrs}>{cells}</tr>")
    return f'<div class="scroll"><table{ident}>{head}<tbody>{"".join(body)}</tbody></table></div>'


# --------------------------------------------------------------------------- analyses of the published values


def _category_order(data: Dict[str, Any], vocabulary: Dict[str, Any]) -> List[str]:
    present = list(dict.fromkeys(r["category"] for r in data["needs_zones"] if r.get("category")))
    order = {c: i for i, c in enumerate(vocabulary)}
    return sorted(present, key=lambda c: (order.get(c, len(order)), c))


def _sums_by_category(zones: List[Dict[str, Any]], field: str) -> Dict[str, Dict[str, float]]:
    """Per category: the sum of the published values, how many were published and how many suppressed."""
    out: Dict[str, Dict[str, float]] = defaultdict(lambda: {"sum": 0.0, "published": 0, "suppressed": 0})
    for r in zones:
        entry = out[r["category"]]
        if _published(r.get(field)):
            entry["sum"] += float(r[field])
            entry["published"] += 1
        else:
            entry["suppressed"] += 1
    return out


def _decay(data: Dict[str, Any]) -> Optional[Dict[str, Any]]:
    for row in data["needs_decay"]:
        if _published(row.get("decay_minutes")) and row["decay_minutes"] > 0:
            return row
    return None


def _rate_points(data: Dict[str, Any]) -> List[Dict[str, Any]]:
    return [r for r in data["needs_zones"] if _published(r.get("rate_per_1000")) and _published(r.get("nearest_min"))]


def _curve_scale(points: List[Dict[str, Any]], T: float) -> Optional[float]:
    """Least-squares scale a of y = a exp(-t/T) over the published points."""
    fy = sum(math.exp(-p["nearest_min"] / T) * p["rate_per_1000"] for p in points)
    ff = sum(math.exp(-p["nearest_min"] / T) ** 2 for p in points)
    return fy / ff if ff > 0 else None


def _monthly(data: Dict[str, Any]) -> Dict[str, Dict[str, float]]:
    """Per category, per month: the sum over the desks of the published months ('other' left out)."""
    out: Dict[str, Dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for r in data["needs_monthly"]:
        month = r.get("month") or ""
        if month == "other" or not re.fullmatch(r"\d{4}-\d{2}", month) or r.get("desk_id") == "other" or not _published(r.get("requests")):
            continue
        out[r["category"]][month] += float(r["requests"])
    return out


def _bypass_by_language(data: Dict[str, Any]) -> Dict[str, Dict[str, float]]:
    out: Dict[str, Dict[str, float]] = defaultdict(lambda: {"requests": 0.0, "bypassing": 0.0})
    for r in data["needs_bypass_languages"]:
        if _published(r.get("requests")) and _published(r.get("bypassing")) and r["requests"] > 0 and r.get("language"):
            out[r["language"]]["requests"] += float(r["requests"])
            out[r["language"]]["bypassing"] += float(r["bypassing"])
    return out


# --------------------------------------------------------------------------- charts


def _figure(Figure, height: float = 4.4):
    fig = Figure(figsize=(7.2, height), dpi=110)
    return fig, fig.add_subplot(1, 1, 1)


def _empty(ax, text: str) -> None:
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, fontsize=12, color="#555")
    ax.set_xticks([])
    ax.set_yticks([])


def _png(fig) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", bbox_inches="tight", metadata={"Software": None})
    return buffer.getvalue()


def _colour(page: _Page, category: str, i: int) -> str:
    colour = page.vocabulary.get(category, {}).get("colour")
    return colour if colour and re.fullmatch(r"#[0-9a-fA-F]{6}", colour) else f"C{i % 10}"


def _chart_rate(Figure, page: _Page, categories: List[str]) -> bytes:
    data, t = page.data, page.t
    fig, ax = _figure(Figure, 5.0)
    points = _rate_points(data)
    if not points:
        _empty(ax, t["nothing"])
        return _png(fig)
    for i, category in enumerate(categories):
        mine = [p for p in points if p["category"] == category]
        if mine:
            ax.scatter([p["nearest_min"] for p in mine], [p["rate_per_1000"] for p in mine], s=18, alpha=0.75,
                       color=_colour(page, category, i), label=page.category(category), edgecolors="none")
    decay = _decay(data)
    if decay:
        T = float(decay["decay_minutes"])
        scale = _curve_scale(points, T)
        if scale is not None and scale > 0:
            top = max(p["nearest_min"] for p in points)
            ts = [top * k / 200 for k in range(201)]
            ax.plot(ts, [scale * math.exp(-x / T) for x in ts], color="black", linewidth=2,
                    label=t["fitted_curve"].format(T=page.number(T, 1)))
    ax.set_xlabel(page.field("needs_zones", "nearest_min"))
    ax.set_ylabel(page.field("needs_zones", "rate_per_1000"))
    ax.set_xlim(left=0)
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    return _png(fig)


def _chart_unmet(Figure, page: _Page, categories: List[str]) -> bytes:
    zones = page.data["needs_zones"]
    unmet, referred = _sums_by_category(zones, "unmet"), _sums_by_category(zones, "referred")
    fig, ax = _figure(Figure, max(3.0, 0.45 * len(categories) + 1.2))
    if not any(unmet[c]["published"] or referred[c]["published"] for c in categories):
        _empty(ax, page.t["nothing"])
        return _png(fig)
    ys = list(range(len(categories)))
    ax.barh([y - 0.2 for y in ys], [unmet[c]["sum"] for c in categories], height=0.4, color="#b91c1c",
            label=page.field("needs_zones", "unmet"))
    ax.barh([y + 0.2 for y in ys], [referred[c]["sum"] for c in categories], height=0.4, color="#2563eb",
            label=page.field("needs_zones", "referred"))
    ax.set_yticks(ys)
    ax.set_yticklabels([page.category(c) for c in categories], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel(page.field("needs_zones", "requests"))
    ax.grid(axis="x", alpha=0.3)
    ax.legend(fontsize=8, loc="lower right")
    return _png(fig)


def _chart_monthly(Figure, page: _Page, categories: List[str]) -> bytes:
    import datetime

    series = _monthly(page.data)
    fig, ax = _figure(Figure, 4.6)
    if not series:
        _empty(ax, page.t["nothing"])
        return _png(fig)
    order = [c for c in categories if c in series] + sorted(c for c in series if c not in categories)
    for i, category in enumerate(order):
        months = sorted(series[category])
        ax.plot([datetime.date(int(m[:4]), int(m[5:]), 1) for m in months], [series[category][m] for m in months],
                marker="o", markersize=2.5, linewidth=1.3, color=_colour(page, category, i), label=page.category(category))
    ax.set_ylabel(page.field("needs_monthly", "requests"))
    ax.set_xlabel(page.field("needs_monthly", "month").split("(")[0].strip())
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    for label in ax.get_xticklabels():
        label.set_rotation(30)
        label.set_horizontalalignment("right")
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    return _png(fig)


def _chart_bypass(Figure, page: _Page) -> bytes:
    pooled = _bypass_by_language(page.data)
    languages = sorted(pooled, key=lambda lang: (-pooled[lang]["bypassing"] / pooled[lang]["requests"], lang))
    fig, ax = _figure(Figure, max(3.0, 0.3 * len(languages) + 1.2))
    if not languages:
        _empty(ax, page.t["nothing"])
        return _png(fig)
    shares = [100 * pooled[lang]["bypassing"] / pooled[lang]["requests"] for lang in languages]
    ax.barh(range(len(languages)), shares, color="#7c3aed")
    ax.set_yticks(range(len(languages)))
    ax.set_yticklabels(languages)
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel(f'{page.field("needs_bypass_languages", "bypass_share")} (%)')
    ax.set_ylabel(page.field("needs_bypass_languages", "language"))
    ax.grid(axis="x", alpha=0.3)
    return _png(fig)


# --------------------------------------------------------------------------- pages


def _figure_html(src: str, alt: str, caption: str) -> str:
    return f'<figure><img src="{_e(src)}" alt="{_e(alt)}"><figcaption>{_e(caption)}</figcaption></figure>'


def _page(page: _Page, charts: Dict[str, str], note: Optional[str], gpkg_name: str, result: Optional[dict]) -> str:
    data, t, lang = page.data, page.t, page.lang
    categories = _category_order(data, page.vocabulary)
    zones = data["needs_zones"]
    other = "en" if lang == "it" else "it"
    parts: List[str] = []
    add = parts.append

    add(f'<p><a href="index.{other}.html" hreflang="{other}" lang="{other}">{_e(t["other_language"])}</a></p>')
    add(f"<h1>{_e(t['title'])}</h1>")
    if note:
        add(f'<p class="banner" role="note"><strong>{_e(t["note"])}:</strong> {_e(note)}</p>')

    count_fields = ["requests", "served", "referred", "unmet"]
    cells = len(zones) * len(count_fields)
    suppressed = sum(1 for r in zones for f in count_fields if not _published(r.get(f)))
    summary = t["summary"].format(layer=page.layer_title("needs_zones"), suppressed=page.number(suppressed), cells=page.number(cells))
    add(f'<p>{_e(summary)}<sup><a href="#rule">*</a></sup></p>')
    if cells and suppressed > cells / 2:
        add(f'<p class="warn">{_e(t["mostly_suppressed"])}</p>')

    # zones: rate against time, top zones
    add(f'<h2 id="zones">{_e(page.layer_title("needs_zones"))}</h2>')
    add(f'<p class="abstract">{_e(page.abstract("needs_zones", note))}</p>')
    caption = t["rate_caption"] + ("" if _decay(data) else " " + t["no_curve"])
    add(_figure_html(charts["rate"], t["rate_chart_alt"], caption))
    rate_title = page.field("needs_zones", "rate_per_1000")
    add(f"<h3>{_e(t['top_zones'].format(field=rate_title))}</h3>")
    any_top = False
    for category in categories:
        top = [r for r in zones if r["category"] == category and _published(r.get("rate_per_1000")) and r["rate_per_1000"] > 0]
        top.sort(key=lambda r: (-r["rate_per_1000"], r.get("name") or ""))
        if not top:
            continue
        any_top = True
        rows = [[_e(r.get("name") or r.get("id")), page.number(r.get("requests")), page.number(r["rate_per_1000"], 1),
                 page.number(r.get("nearest_min"), 1)] for r in top[:TOP_ZONES]]
        header = [page.field("needs_zones", f) for f in ("name", "requests", "rate_per_1000", "nearest_min")]
        add(f'<h4>{_e(page.category(category))}</h4>')
        add(_table(header, rows, [False, True, True, True], table_id=f"top-{category}"))
    if not any_top:
        add(f"<p>{_e(t['top_zones_none'])}</p>")

    # unmet and referred by category
    unmet_title, referred_title = page.field("needs_zones", "unmet"), page.field("needs_zones", "referred")
    heading = t["by_category"].format(unmet=unmet_title, referred=referred_title.lower())
    add(f'<h2 id="unmet">{_e(heading)}</h2>')
    add(_figure_html(charts["unmet"], t["bar_alt"], t["bar_caption"].format(layer=page.layer_title("needs_zones"))))
    unmet, referred = _sums_by_category(zones, "unmet"), _sums_by_category(zones, "referred")
    rows, attrs = [], []
    for category in categories:
        rows.append([
            _e(page.category(category)),
            page.number(unmet[category]["sum"]) if unmet[category]["published"] else SUPPRESSED,
            page.number(referred[category]["sum"]) if referred[category]["published"] else SUPPRESSED,
            f'{page.number(unmet[category]["suppressed"])} / {page.number(referred[category]["suppressed"])}',
        ])
        attrs.append(f' data-category="{_e(category)}"')
    header = [page.field("needs_zones", "category"), unmet_title, referred_title,
              t["suppressed_cells"].format(unmet=unmet_title.lower(), referred=referred_title.lower())]
    add(_table(header, rows, [False, True, True, True], attrs, table_id="unmet-referred"))

    # monthly
    add(f'<h2 id="monthly">{_e(page.layer_title("needs_monthly"))}</h2>')
    add(_figure_html(charts["monthly"], t["monthly_alt"], t["monthly_caption"]))

    # bypass by language
    add(f'<h2 id="bypass">{_e(page.layer_title("needs_bypass_languages"))}</h2>')
    add(f'<p class="abstract">{_e(page.abstract("needs_bypass_languages", note))}</p>')
    add(_figure_html(charts["bypass"], t["bypass_alt"], t["bypass_caption"].format(
        bypassing=page.field("needs_bypass_languages", "bypassing"), requests=page.field("needs_bypass_languages", "requests"))))

    # languages not offered
    add(f'<h2 id="languages">{_e(page.layer_title("needs_languages"))}</h2>')
    add(f'<p class="abstract">{_e(page.abstract("needs_languages", note))}</p>')
    by_zone: Dict[str, List[str]] = {}
    names: Dict[str, str] = {}
    order = {c: i for i, c in enumerate(categories)}
    for r in sorted(zones, key=lambda r: (r.get("name") or "", order.get(r["category"], 0))):
        languages = [x.strip() for x in (r.get("languages_not_offered") or "").split(";") if x.strip()]
        if languages:
            names[r["id"]] = r.get("name") or r["id"]
            by_zone.setdefault(r["id"], []).append(f"{_e(page.category(r['category']))}: {_e(', '.join(languages))}")
    if by_zone:
        add(f"<p>{_e(t['languages_intro'])}</p>")
        header = [page.field("needs_zones", "name"), page.field("needs_zones", "languages_not_offered")]
        add(_table(header, [[_e(names[z]), "<br>".join(items)] for z, items in by_zone.items()], [False, False], table_id="languages"))
    else:
        add(f"<p>{_e(t['languages_none'])}</p>")

    # referral network
    add(f'<h2 id="referrals">{_e(page.layer_title("needs_referrals"))}</h2>')
    add(f'<p class="abstract">{_e(page.abstract("needs_referrals", note))}</p>')
    referrals = sorted(data["needs_referrals"], key=lambda r: (-(r["requests"] if _published(r.get("requests")) else -1),
                                                               r.get("from_desk") or "", r.get("to_desk") or ""))
    if referrals:
        flagged = sum(1 for r in referrals if r.get("receiver_serves_category") == "no")
        add(f"<p>{_e(t['referrals_intro'].format(flagged=page.number(flagged), lines=page.number(len(referrals))))}</p>")
        rows, attrs = [], []
        for r in referrals:
            serves = r.get("receiver_serves_category")
            shown = t["flag_no"] if serves == "no" else t["yes"] if serves == "yes" else t["not_applicable"]
            rows.append([_e(r.get("from_desk") or ""), _e(r.get("to_desk") or ""), _e(page.category(r.get("category") or "")),
                         page.number(r.get("requests")), _e(shown)])
            attrs.append(' class="flag"' if serves == "no" else "")
        header = [page.field("needs_referrals", f) for f in ("from_desk", "to_desk", "category", "requests", "receiver_serves_category")]
        add(_table(header, rows, [False, False, False, True, False], attrs, table_id="referrals"))
    else:
        add(f"<p>{_e(t['referrals_none'])}</p>")

    # decay
    add(f'<h2 id="decay">{_e(page.layer_title("needs_decay"))}</h2>')
    add(f'<p class="abstract">{_e(page.abstract("needs_decay", note))}</p>')
    decay = _decay(data)
    if decay:
        fields = [("decay_minutes", 1), ("standard_error_minutes", 2), ("beta_per_min", 4)]
        rows = [[_e(page.field("needs_decay", f)), page.number(decay.get(f), d)] for f, d in fields]
        add(_table(None, rows, [False, True], table_id="decay-fit"))
        setting = f"decay exponential, decay_minutes {float(decay['decay_minutes']):.1f}"
        add(f"<p>{_e(t['decay_use']).format(setting=f'<code>{_e(setting)}</code>')}</p>")
    else:
        add(f"<p>{_e(t['decay_none'])}</p>")

    # footer
    k = _min_count(data["layers"])
    rule = t["footnote_rule"].format(k=k, dash=SUPPRESSED) if k else t["footnote_rule_unknown"].format(dash=SUPPRESSED)
    footer = [f'<p id="rule">* {_e(rule)}</p>', f"<p>{_e(t['source'].format(name=gpkg_name))}</p>"]
    timings = (result or {}).get("timings_s") or {}
    if timings:
        items = ", ".join(f"{_e(k)} {page.number(v, 3)}" for k, v in timings.items() if isinstance(v, (int, float)))
        footer.append(f"<p>{_e(t['timings'])}: {items}</p>")
    add(f"<footer>{''.join(footer)}</footer>")

    return (
        f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">\n<title>{_e(t["title"])}</title>\n'
        f"<style>{CSS}</style>\n</head>\n<body>\n" + "\n".join(parts) + "\n</body>\n</html>\n"
    )


def _write_atomic(path: Path, content: bytes) -> None:
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(content)
        os.chmod(temporary, 0o644)  # mkstemp makes it private; the report is for reading
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise


def write_report(gpkg, out_dir, result=None) -> dict:
    """Writes ``out_dir/index.it.html``, ``out_dir/index.en.html`` and their
    PNG charts from the GeoPackage of a needs job; ``result`` (the job's
    returned dict) adds the computing times and the note. Returns
    ``{"it": path, "en": path, "charts": [paths]}``."""
    try:
        from matplotlib.figure import Figure  # Agg through savefig: no pyplot, no global backend
    except ImportError as e:
        raise InputError("needs report: the charts need matplotlib, which is not installed (pip install matplotlib)") from e
    data = _read(gpkg)
    note = (result or {}).get("note") or _note_in_abstracts(data["layers"])
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written: Dict[str, Any] = {"charts": []}
    for lang in LANGUAGES:
        page = _Page(data, lang)
        categories = _category_order(data, page.vocabulary)
        drawings = {
            "rate": _chart_rate(Figure, page, categories),
            "unmet": _chart_unmet(Figure, page, categories),
            "monthly": _chart_monthly(Figure, page, categories),
            "bypass": _chart_bypass(Figure, page),
        }
        names = {
            "rate": f"needs_rate_vs_minutes.{lang}.png",
            "unmet": f"needs_unmet_referred.{lang}.png",
            "monthly": f"needs_monthly.{lang}.png",
            "bypass": f"needs_bypass_languages.{lang}.png",
        }
        for key, png in drawings.items():
            _write_atomic(out / names[key], png)
            written["charts"].append(str(out / names[key]))
        path = out / f"index.{lang}.html"
        _write_atomic(path, _page(page, names, note, Path(gpkg).name, result).encode("utf-8"))
        written[lang] = str(path)
    return written
