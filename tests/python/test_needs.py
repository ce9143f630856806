"""The needs analysis against independent oracles: the disclosure rule checked
by linear algebra (a hidden count is safe exactly when the published numbers
do not determine it), the published tree (zone cells, flows, parts of flows,
sums of published parts) recomputed here from the request CSV, travel times
from UTM 33N distances (pyproj) and the documented straight-line defaults,
the catalogue's categories and languages read here."""

from __future__ import annotations

import csv
import functools
import heapq
import math
import re
import sqlite3
from collections import Counter, defaultdict

import numpy as np
import pyproj
import pytest
from capacitymetro import DEMO_DATA, InputError, default_speed_m_s
from capacitymetro import _core as core
from capacitymetro.synthetic import synthetic_requests

SERVICES = DEMO_DATA / "services.csv"
CENTRES = DEMO_DATA / "town_centres.csv"
COLUMNS = ["date", "desk_id", "category", "residence", "language", "nationality_group", "outcome", "referred_to"]
HEADER = ",".join(COLUMNS)
DETOUR = 1.3
SERVED_WITHIN_MIN = 30.0  # the job's default served_within_minutes
CATEGORIES = [c["id"] for c in core.vocabulary()]
#: Count fields of every layer: each published value must be 0 or >= min_count
#: (the derived ones are sums of published parts, each >= min_count).
COUNT_FIELDS = {
    "needs_zones": ["requests", "served", "referred", "unmet", "bypassing"],
    "needs_flows": ["requests"],
    "needs_referrals": ["requests"],
    "needs_desks": ["requests", "referrals_received"],
    "needs_languages": ["requests"],
    "needs_bypass_languages": ["requests", "bypassing"],
    "needs_monthly": ["requests"],
}


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


ZONE_ROWS = read_csv(CENTRES)
DESK_ROWS = read_csv(SERVICES)
ZONES = [z["istat_code"] for z in ZONE_ROWS]
DESKS = [d["id"] for d in DESK_ROWS]
POPULATION = {z["istat_code"]: float(z["population"]) for z in ZONE_ROWS}
DESK_CATEGORIES = {d["id"]: set(d["categories"].split(";")) for d in DESK_ROWS}
DESK_LANGUAGES = {d["id"]: set(d["languages"].split(";")) for d in DESK_ROWS}
UTM = pyproj.Transformer.from_crs("EPSG:4326", "EPSG:32633", always_xy=True)
CENTRE_XY = {z["istat_code"]: UTM.transform(float(z["lon"]), float(z["lat"])) for z in ZONE_ROWS}
DESK_XY = {d["id"]: UTM.transform(float(d["lon"]), float(d["lat"])) for d in DESK_ROWS}


@functools.lru_cache(maxsize=None)
def minutes(zone, desk, mode="car"):
    """Straight-line travel time: planar UTM 33N distance x 1.3 at the mode's speed."""
    (x0, y0), (x1, y1) = CENTRE_XY[zone], DESK_XY[desk]
    return math.hypot(x1 - x0, y1 - y0) * DETOUR / default_speed_m_s(mode) / 60.0


@functools.lru_cache(maxsize=None)
def nearest_minutes(zone, category):
    return min(minutes(zone, d) for d in DESKS if category in DESK_CATEGORIES[d])


def bypasses(zone, category, desk):
    """A request bypasses when its desk is farther than the category's nearest."""
    return minutes(zone, desk) > nearest_minutes(zone, category) + 1e-6


def offered(zone, category, language):
    """A desk of the category within the served time speaks the language."""
    return any(category in DESK_CATEGORIES[d] and language in DESK_LANGUAGES[d] and minutes(zone, d) <= SERVED_WITHIN_MIN for d in DESKS)


def run_needs(requests, output=None, **options):
    settings = {"population_field": "population", "id_field": "istat_code", "mode": "car", "min_count": 10}
    settings.update(options)
    if output is not None:
        settings["output"] = str(output)
    return core.needs(str(requests), str(SERVICES), str(CENTRES), **settings)


def layer(gpkg, name):
    con = sqlite3.connect(gpkg)
    con.row_factory = sqlite3.Row
    try:
        rows = [dict(r) for r in con.execute(f'SELECT * FROM "{name}"')]
    finally:
        con.close()
    for row in rows:
        row.pop("geom", None)
        row.pop("fid", None)
    return rows


def write_records(path, records):
    """records: tuples in COLUMNS order (missing trailing fields empty)."""
    lines = [HEADER] + [",".join(list(r) + [""] * (len(COLUMNS) - len(r))) for r in records]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _records(rows):
    return [dict(zip(COLUMNS, list(r) + [""] * (len(COLUMNS) - len(r)))) for r in rows]


def zone_table(records):
    """The true zone x category table, ZONES x CATEGORIES."""
    cells = Counter((r["residence"], r["category"]) for r in records)
    return [[cells[(z, c)] for c in CATEGORIES] for z in ZONES]


# --------------------------------------------------------------------------
# the design written again: the tree of published counts


def merge(parts, k):
    """The breakdown rule (privacy::merged_breakdown), written again: parts of
    at least k are kept, the smaller ones go to "other", which takes the
    smallest kept parts until it is 0 or at least k; None when the whole is
    above 0 and below k. Returns (kept parts, tie): tie when a kept part equals
    a merged one, so that the rule does not say which of them is kept."""
    kept = {key: n for key, n in parts.items() if n >= k}
    other = sum(n for n in parts.values() if n < k)
    popped = []
    while 0 < other < k:
        if not kept:
            return None
        key = min(kept, key=kept.get)
        popped.append(kept.pop(key))
        other += popped[-1]
    return kept, any(n in popped for n in kept.values())


DIMENSIONS = ("fate", "month", "language")


def part_key(record, dimension):
    if dimension == "fate":
        return "referred:" + record["referred_to"] if record["outcome"] == "referred" else record["outcome"]
    return record["date"][:7] if dimension == "month" else record["language"]


def period_of(month, period):
    return month[:4] if period == "year" else month


class Tree:
    """What the design publishes, from the records and the hidden zone cells:
    (1) the zone x category cells, (2) each published cell by desk, flows
    below k merged, (3) each published flow by fate, month and language, small
    parts merged; every other number a sum of published parts of (2) or (3)."""

    def __init__(self, records, k, hidden, period="all"):
        self.k, self.hidden, self.period = k, set(hidden), period
        self.cells = Counter((r["residence"], r["category"]) for r in records)
        self.flows = Counter((r["residence"], r["category"], r["desk_id"]) for r in records)
        self.parts = {dim: defaultdict(Counter) for dim in DIMENSIONS}
        for r in records:
            for dim in DIMENSIONS:
                self.parts[dim][(r["residence"], r["category"], r["desk_id"])][part_key(r, dim)] += 1
        self.ties = []  # breakdowns where the rule leaves the choice open
        by_cell = defaultdict(dict)
        for (z, c, d), n in self.flows.items():
            by_cell[(z, c)][d] = n
        self.published = {}  # level 2: flow -> requests
        for (z, c), desks in sorted(by_cell.items()):
            if (z, c) in self.hidden:
                continue
            kept, tie = merge(desks, k)  # a published cell is 0 or >= k: never None
            if tie:
                self.ties.append(("flows", z, c))
            self.published.update({(z, c, d): n for d, n in kept.items()})
        self.shown = {dim: {} for dim in DIMENSIONS}  # level 3: dim -> flow -> published parts
        for flow in self.published:
            for dim in DIMENSIONS:
                kept, tie = merge(self.parts[dim][flow], k)
                if tie:
                    self.ties.append((dim,) + flow)
                self.shown[dim][flow] = kept

    def published_in(self, z, c):
        if not hasattr(self, "_by_cell"):
            self._by_cell = defaultdict(dict)
            for flow, n in self.published.items():
                self._by_cell[flow[:2]][flow] = n
        return self._by_cell.get((z, c), {})

    # ---- what each layer must hold

    def zones(self):
        """(zone, category) -> the expected count fields and shares."""
        rows = {}
        for z in ZONES:
            for c in CATEGORIES:
                hidden = (z, c) in self.hidden
                row = dict.fromkeys(("served", "referred", "unmet", "bypassing", "bypass_share", "bypass_extra_min",
                                     "in_published_flows"))
                row["requests"] = None if hidden else self.cells[(z, c)]
                flows = self.published_in(z, c)
                if flows:
                    fates = Counter()
                    for flow in flows:
                        for key, n in self.shown["fate"][flow].items():
                            fates["referred" if key.startswith("referred:") else key] += n
                    row.update({outcome: fates[outcome] for outcome in ("served", "referred", "unmet")})
                    every = sum(flows.values())
                    bypassing = {flow: n for flow, n in flows.items() if bypasses(*flow)}
                    row["in_published_flows"] = every / self.cells[(z, c)]
                    row["bypassing"] = sum(bypassing.values())
                    row["bypass_share"] = row["bypassing"] / every
                    if bypassing:
                        extra = sum(n * (minutes(z, d) - nearest_minutes(z, c)) for (z, c, d), n in bypassing.items())
                        row["bypass_extra_min"] = extra / row["bypassing"]
                rows[(z, c)] = row
        return rows

    def flow_rows(self):
        """(zone, desk or 'other', category, period label) -> requests."""
        rows = Counter()
        for flow, n in self.published.items():
            z, c, d = flow
            if self.period == "all":
                rows[(z, d, c, "all")] += n
            else:
                for month, m in self.shown["month"][flow].items():
                    rows[(z, d, c, period_of(month, self.period))] += m
        shown = Counter()
        for (z, _, c, _), n in rows.items():
            shown[(z, c)] += n
        for (z, c), n in self.cells.items():
            if (z, c) not in self.hidden and n > shown[(z, c)]:
                rows[(z, "other", c, "all")] = n - shown[(z, c)]
        return dict(rows)

    def language_rows(self):
        """(zone, category, language or 'other') -> requests."""
        rows = Counter()
        for flow, parts in self.shown["language"].items():
            for language, n in parts.items():
                rows[(flow[0], flow[1], language)] += n
        shown = Counter()
        for (z, c, _), n in rows.items():
            shown[(z, c)] += n
        for (z, c), n in self.cells.items():
            if (z, c) not in self.hidden and n > shown[(z, c)]:
                rows[(z, c, "other")] = n - shown[(z, c)]
        return dict(rows)

    def bypass_language_rows(self):
        """(category, language) -> (requests, bypassing)."""
        rows = defaultdict(lambda: [0, 0])
        for flow, parts in self.shown["language"].items():
            for language, n in parts.items():
                rows[(flow[1], language)][0] += n
                rows[(flow[1], language)][1] += n if bypasses(*flow) else 0
        return {key: tuple(v) for key, v in rows.items()}

    def referral_rows(self):
        """(from desk, to desk, category) -> requests."""
        rows = Counter()
        for (_, c, d), parts in self.shown["fate"].items():
            for key, n in parts.items():
                if key.startswith("referred:"):
                    rows[(d, key.split(":", 1)[1], c)] += n
        return dict(rows)

    def desk_rows(self):
        """(desk, category) -> (requests, referrals received), for every desk and
        category it serves, has published flows in or receives referrals in."""
        rows = {(d, c): [0, 0] for d in DESKS for c in DESK_CATEGORIES[d]}
        for (_, c, d), n in self.published.items():
            rows.setdefault((d, c), [0, 0])[0] += n
        for (_, to, c), n in self.referral_rows().items():
            rows.setdefault((to, c), [0, 0])[1] += n
        return {key: tuple(v) for key, v in rows.items()}

    def monthly_rows(self):
        """(desk, category, YYYY-MM) -> requests."""
        rows = Counter()
        for (_, c, d), parts in self.shown["month"].items():
            for month, n in parts.items():
                rows[(d, c, month)] += n
        return dict(rows)


def assert_layers_are_the_tree(tree, out, report):
    """Every layer of the run at `out` holds exactly what `tree` says."""
    zones = tree.zones()
    rows = layer(out, "needs_zones")
    assert len(rows) == len(ZONES) * len(CATEGORIES)
    language_rows = tree.language_rows()
    for row in rows:
        expected = zones[(row["id"], row["category"])]
        for field in ("requests", "served", "referred", "unmet", "bypassing"):
            assert row[field] == expected[field], (field, row, expected)
        for field in ("in_published_flows", "bypass_share"):
            assert row[field] == (None if expected[field] is None else pytest.approx(expected[field], rel=1e-12)), (field, row)
        if expected["bypass_extra_min"] is None:
            assert row["bypass_extra_min"] is None, row
        else:
            assert row["bypass_extra_min"] == pytest.approx(expected["bypass_extra_min"], rel=1e-2, abs=0.05), row
        if row["requests"]:
            assert row["rate_per_1000"] == pytest.approx(row["requests"] / POPULATION[row["id"]] * 1000, rel=1e-9), row
        else:
            assert row["rate_per_1000"] in (None, 0), row
        key = (row["id"], row["category"])
        languages = {lang for (z, c, lang) in language_rows if (z, c) == key and lang != "other"}
        assert set(filter(None, (row["languages_not_offered"] or "").split(";"))) == {
            lang for lang in languages if not offered(*key, lang)}, row

    flows = {}
    for f in layer(out, "needs_flows"):
        key = (f["zone_id"], f["desk_id"], f["category"], f["period"])
        assert key not in flows, f
        flows[key] = f["requests"]
        if f["desk_id"] == "other":
            assert f["travel_min"] is None, f
        else:
            assert f["travel_min"] == pytest.approx(minutes(f["zone_id"], f["desk_id"]), rel=5e-3), f
    assert flows == tree.flow_rows()

    languages = {}
    for g in layer(out, "needs_languages"):
        languages[(g["zone_id"], g["category"], g["language"])] = g["requests"]
        if g["language"] == "other":
            assert g["offered"] is None, g
        else:
            assert g["offered"] == ("yes" if offered(g["zone_id"], g["category"], g["language"]) else "no"), g
    assert languages == tree.language_rows()

    got = {}
    for b in layer(out, "needs_bypass_languages"):
        got[(b["category"], b["language"])] = (b["requests"], b["bypassing"])
        assert b["bypass_share"] == pytest.approx(b["bypassing"] / b["requests"], rel=1e-12), b
    assert got == tree.bypass_language_rows()

    got = {}
    for r in layer(out, "needs_referrals"):
        got[(r["from_desk"], r["to_desk"], r["category"])] = r["requests"]
        assert r["receiver_serves_category"] == ("yes" if r["category"] in DESK_CATEGORIES[r["to_desk"]] else "no"), r
    assert got == tree.referral_rows()

    got = {}
    for d in layer(out, "needs_desks"):
        got[(d["desk_id"], d["category"])] = (d["requests"], d["referrals_received"])
        assert d["serves_category"] == ("yes" if d["category"] in DESK_CATEGORIES[d["desk_id"]] else "no"), d
    assert got == tree.desk_rows()

    monthly = tree.monthly_rows()
    got = {}
    for m in layer(out, "needs_monthly"):
        key = (m["desk_id"], m["category"], m["month"])
        got[key] = m["requests"]
        before = monthly.get((key[0], key[1], f"{int(key[2][:4]) - 1:04d}{key[2][4:]}"))
        if before is None:
            assert m["change_vs_year_before"] is None and m["change_pct"] is None, m
        else:
            assert m["change_vs_year_before"] == m["requests"] - before, m
            assert m["change_pct"] == pytest.approx((m["requests"] - before) / before * 100), m
    assert got == monthly

    assert report["suppressed"] == sum(map(sum, core.protect_table(zone_table_of(tree), tree.k)[1]))


def zone_table_of(tree):
    return [[tree.cells[(z, c)] for c in CATEGORIES] for z in ZONES]


def assert_counts_follow_the_rule(out, k):
    """No published count above 0 and below k, in any layer."""
    for name, fields in COUNT_FIELDS.items():
        for row in layer(out, name):
            for field in fields:
                value = row[field]
                assert value is None or value == 0 or value >= k, (name, field, row)


# --------------------------------------------------------------------------
# the linear-algebra oracle


def table_constraints(rows, columns):
    """Equations of a rows x columns table with its totals, over the
    (rows + 1) x (columns + 1) counts (last column the row totals, last row the
    column totals, the corner the grand total), one per line: sum - total = 0."""
    width = columns + 1
    equations = []
    for i in range(rows + 1):
        a = np.zeros((rows + 1) * width)
        a[[i * width + j for j in range(columns)]] = 1.0
        a[i * width + columns] = -1.0
        equations.append(a)
    for j in range(columns + 1):
        a = np.zeros((rows + 1) * width)
        a[[i * width + j for i in range(rows)]] = 1.0
        a[rows * width + j] = -1.0
        equations.append(a)
    return np.array(equations)


def recoverable_in_table(rows, columns, suppressed):
    """Suppressed (row, column) counts the published ones determine: with the
    published values moved to the right side, e_i is in the row space of the
    equations restricted to the suppressed unknowns."""
    width = columns + 1
    unknown = [i * width + j for i in range(rows + 1) for j in range(width) if suppressed[i][j]]
    if not unknown:
        return []
    a = table_constraints(rows, columns)[:, unknown]
    rank = np.linalg.matrix_rank(a)
    found = []
    for p, u in enumerate(unknown):
        e = np.zeros(len(unknown))
        e[p] = 1.0
        if np.linalg.matrix_rank(np.vstack([a, e])) == rank:
            found.append(divmod(u, width))
    return found


def determined(equations, targets):
    """The targets (unknowns) that a system of linear equations fixes, whatever
    its right side ({unknown: coefficient} each): e_t must be in the row space.

    Exact eliminations first: an equation with one unknown left fixes it (and
    is substituted out); an equation holding an unknown that no other equation
    holds (a private one) is set aside, in order, since it can only tell that
    unknown. What is left is split into connected components, each with the
    null space of its matrix (SVD). A target is then fixed when e_t, reduced by
    the set-aside equations in the order they were set aside (each takes its
    private unknown out), is in the row space of what is left."""
    equations = [{u: float(a) for u, a in e.items() if a} for e in equations]
    live = [set(e) for e in equations]
    where = defaultdict(set)
    for n, e in enumerate(live):
        for u in e:
            where[u].add(n)
    fixed = set()
    queue = [n for n, e in enumerate(live) if len(e) == 1]
    while queue:
        n = queue.pop()
        if len(live[n]) != 1:
            continue
        (u,) = live[n]
        fixed.add(u)
        for m in where.pop(u):
            live[m].discard(u)
            if len(live[m]) == 1:
                queue.append(m)
    active = {n for n, e in enumerate(live) if e}
    set_aside = []  # (equation, its private unknown), in order
    queue = [u for u, ns in where.items() if len(ns) == 1]
    while queue:
        u = queue.pop()
        if len(where[u]) != 1:
            continue
        (n,) = where[u]
        active.discard(n)
        set_aside.append((n, u))
        for v in live[n]:
            where[v].discard(n)
            if len(where[v]) == 1:
                queue.append(v)
    # what is left, by connected components
    parent = {}

    def root(u):
        parent.setdefault(u, u)
        while parent[u] != u:
            parent[u] = parent[parent[u]]
            u = parent[u]
        return u

    for n in active:
        first, *rest = live[n]
        for u in rest:
            parent[root(u)] = root(first)
    components = defaultdict(list)
    for n in sorted(active):
        components[root(next(iter(live[n])))].append(n)
    spaces = {}
    for rows in components.values():
        columns = sorted({u for n in rows for u in live[n]}, key=repr)
        index = {u: i for i, u in enumerate(columns)}
        a = np.zeros((len(rows), len(columns)))
        for i, n in enumerate(rows):
            for u in live[n]:
                a[i, index[u]] = equations[n][u]
        _, s, vt = np.linalg.svd(a, full_matrices=False)
        space = (index, vt[s > 1e-9 * s.max()])
        for u in columns:
            spaces[u] = space
    order = {p: j for j, (_, p) in enumerate(set_aside)}  # private unknown -> its set-aside equation
    found = set()
    for t in targets:
        if t in fixed:
            found.add(t)
            continue
        f = {t: 1.0}
        pending = [order[t]] if t in order else []
        while pending:
            j = heapq.heappop(pending)
            n, p = set_aside[j]
            c = f.get(p, 0.0)
            if not c:
                continue
            ratio = c / equations[n][p]
            for u in live[n]:
                if u not in f and u in order:
                    heapq.heappush(pending, order[u])
                f[u] = f.get(u, 0.0) - ratio * equations[n][u]
        f = {u: c for u, c in f.items() if abs(c) > 1e-12}
        if any(u not in spaces for u in f):
            continue  # an unknown no equation left holds: free
        by_space = defaultdict(dict)
        for u, c in f.items():
            by_space[id(spaces[u])][u] = c
        ok = True
        for part in by_space.values():
            index, basis = spaces[next(iter(part))]
            v = np.zeros(len(index))
            for u, c in part.items():
                v[index[u]] = c
            if np.linalg.norm(v - basis.T @ (basis @ v)) > 1e-7 * max(1.0, np.linalg.norm(v)):
                ok = False
                break
        if ok:
            found.add(t)
    return found


def recoverable_counts(tree, table, extra=()):
    """Hidden counts that the published numbers give back.

    Unknowns: every hidden zone cell; every true zone -> desk flow above 0;
    every true part above 0 of every flow by fate, month and language (the
    support of the records is granted to the attacker: stronger than real).
    Equations: each cell is the sum of its flows, each flow the sum of its
    parts in each breakdown; the published totals of the protected zone x
    category table (`table`, the totals other layers may publish); and every
    number the layers publish, as the sum of the published parts it holds:
    flows (or their per-period sums) with the derived "other", the zones'
    outcomes, bypass (count, share's denominator, extra minutes x requests),
    languages with "other", languages overall and bypassing, referrals, desks
    and months; and `extra` sums of unknowns, if any. Returned: each hidden
    zone cell, and each flow or part above 0 and below k, that these
    determine, with its true value."""
    k = tree.k
    equations = []

    def equation(*groups):
        e = Counter()
        for coefficient, unknowns in groups:
            for u in unknowns:
                e[u] += coefficient
        if any(e.values()):
            equations.append(dict(e))

    flows_of = defaultdict(list)
    for flow in tree.flows:
        flows_of[flow[:2]].append(("flow",) + flow)
    for z in ZONES:
        for c in CATEGORIES:
            equation((1, flows_of[(z, c)]), (-1, [("cell", z, c)] if (z, c) in tree.hidden else []))
    for flow in tree.flows:
        for dim in DIMENSIONS:
            equation((1, [("flow",) + flow]), (-1, [(dim,) + flow + (key,) for key in tree.parts[dim][flow]]))
    counts, suppressed = table
    rows, columns = len(ZONES), len(CATEGORIES)
    for i, z in enumerate(ZONES):
        if not suppressed[i][columns]:
            equation((1, [("cell", z, c) for c in CATEGORIES if (z, c) in tree.hidden]))
    for j, c in enumerate(CATEGORIES):
        if not suppressed[rows][j]:
            equation((1, [("cell", z, c) for z in ZONES if (z, c) in tree.hidden]))
    if not suppressed[rows][columns]:
        equation((1, [("cell",) + cell for cell in tree.hidden]))

    def shown(dim, flows, accept=lambda key: True):
        return [(dim,) + flow + (key,) for flow in flows for key in tree.shown[dim][flow] if accept(key)]

    # needs_flows, with the derived "other" (cell - rows shown)
    cells = {(z, c) for z in ZONES for c in CATEGORIES if (z, c) not in tree.hidden and tree.cells[(z, c)]}
    for z, c in cells:
        flows = tree.published_in(z, c)
        if tree.period == "all":
            for flow in flows:
                equation((1, [("flow",) + flow]))
            equation((1, flows_of[(z, c)]), (-1, [("flow",) + flow for flow in flows]))
        else:
            periods = defaultdict(list)
            for flow in flows:
                for month in tree.shown["month"][flow]:
                    periods[(flow, period_of(month, tree.period))].append(("month",) + flow + (month,))
            for parts in periods.values():
                equation((1, parts))
            equation((1, flows_of[(z, c)]), (-1, [u for parts in periods.values() for u in parts]))
        # needs_zones
        if flows:
            equation((1, shown("fate", flows, lambda key: key == "served")))
            equation((1, shown("fate", flows, lambda key: key == "unmet")))
            equation((1, shown("fate", flows, lambda key: key.startswith("referred:"))))
            equation((1, [("flow",) + flow for flow in flows]))
            bypassing = [flow for flow in flows if bypasses(*flow)]
            equation((1, [("flow",) + flow for flow in bypassing]))
            # the extra minutes times the bypassing requests
            extra_minutes = {("flow",) + flow: minutes(z, flow[2]) - nearest_minutes(z, c) for flow in bypassing}
            if extra_minutes:
                equations.append(extra_minutes)
        # needs_languages, with the derived "other"
        languages = defaultdict(list)
        for u in shown("language", flows):
            languages[u[4]].append(u)
        for parts in languages.values():
            equation((1, parts))
        equation((1, flows_of[(z, c)]), (-1, [u for parts in languages.values() for u in parts]))
    # needs_bypass_languages, needs_referrals, needs_desks, needs_monthly
    overall, farther, referrals, desks, months = (defaultdict(list) for _ in range(5))
    for flow in tree.published:
        z, c, d = flow
        desks[(d, c)].append(("flow",) + flow)
        for u in shown("language", [flow]):
            overall[(c, u[4])].append(u)
            if bypasses(*flow):
                farther[(c, u[4])].append(u)
        for u in shown("fate", [flow], lambda key: key.startswith("referred:")):
            referrals[(d, u[4], c)].append(u)
        for u in shown("month", [flow]):
            months[(d, c, u[4])].append(u)
    received = defaultdict(list)
    for (_, to, c), parts in referrals.items():
        received[(to.split(":", 1)[1], c)] += parts
    for group in (overall, farther, referrals, desks, months, received):
        for parts in group.values():
            equation((1, parts))
    for unknowns in extra:
        equation((1, unknowns))

    truth = {("cell", z, c): tree.cells[(z, c)] for z, c in tree.hidden}
    truth.update({("flow",) + flow: n for flow, n in tree.flows.items()})
    for dim in DIMENSIONS:
        for flow, parts in tree.parts[dim].items():
            truth.update({(dim,) + flow + (key,): n for key, n in parts.items()})
    targets = [u for u, n in truth.items() if u[0] == "cell" or 0 < n < k]
    return sorted((u, truth[u]) for u in determined(equations, targets))


# --------------------------------------------------------------------------
# 1. the rule on a table with totals, and the oracles themselves


def test_oracle_sees_a_primary_count_the_totals_give_back():
    # the oracle itself: only the 3 hidden, its row and column totals give it back
    suppressed = [[True, False, False], [False, False, False], [False, False, False]]
    assert recoverable_in_table(2, 2, suppressed) == [(0, 0)]


def test_determined_by_hand():
    # x + y = 5, y + z = 7, z = 3: all three fixed (peeled); a + b = 4: neither
    equations = [{"x": 1, "y": 1}, {"y": 1, "z": 1}, {"z": 1}, {"a": 1, "b": 1}]
    assert determined(equations, ["x", "y", "z", "a", "b"]) == {"x", "y", "z"}
    # a cycle p + q, q + r, r + s, s + p (the rule's rectangle): none of them
    cycle = [{"p": 1, "q": 1}, {"q": 1, "r": 1}, {"r": 1, "s": 1}, {"s": 1, "p": 1}]
    assert determined(cycle, ["p", "q", "r", "s"]) == set()
    # p + r as well: p - r = (p + q) - (q + r), so all four (no singleton to peel)
    assert determined(cycle + [{"p": 1, "r": 1}], ["p", "q", "r", "s"]) == {"p", "q", "r", "s"}


def test_merge_by_hand():
    # as privacy::merged_breakdown: 4 + 3 = 7 < 10 takes the smallest kept part, 12
    assert merge({"a": 50, "b": 12, "c": 4, "d": 3}, 10) == ({"a": 50}, False)
    assert merge({"a": 5, "b": 3}, 10) is None
    assert merge({"a": 12, "b": 12, "c": 3}, 10) == ({"b": 12}, True)  # which 12 stays is open
    assert merge({"a": 12, "b": 0}, 10) == ({"a": 12}, False)


def test_protect_table_by_hand():
    counts, suppressed = core.protect_table([[3, 20], [30, 40]], 10)
    assert counts == [[3, 20, 23], [30, 40, 70], [33, 60, 93]]
    assert suppressed == [[True, True, False], [True, True, False], [False, False, False]]


def test_protect_table_property():
    rng = np.random.default_rng(20240611)
    checked = 0
    for _ in range(300):
        rows, columns = int(rng.integers(1, 9)), int(rng.integers(1, 7))
        k = float(rng.choice([2, 5, 10]))
        kind = rng.choice(3, size=(rows, columns), p=[0.3, 0.35, 0.35])
        cells = np.where(kind == 0, 0, np.where(kind == 1, rng.integers(1, 10, (rows, columns)), rng.integers(10, 300, (rows, columns))))
        counts, suppressed = core.protect_table(cells.tolist(), k)
        full = np.zeros((rows + 1, columns + 1))
        full[:rows, :columns] = cells
        full[:rows, columns] = cells.sum(axis=1)
        full[rows, :columns] = cells.sum(axis=0)
        full[rows, columns] = cells.sum()
        assert np.array_equal(np.array(counts), full), cells
        hidden = np.array(suppressed)
        assert hidden.shape == full.shape
        published = full[~hidden]
        assert not np.any((published > 0) & (published < k)), (cells.tolist(), k, suppressed)
        assert recoverable_in_table(rows, columns, suppressed) == [], (cells.tolist(), k, suppressed)
        checked += int(hidden.any())
    assert checked > 100  # most tables had something to protect


# --------------------------------------------------------------------------
# 2. the rule over the job's outputs


def assert_totals_of_the_tree(tree, out):
    """What does not hang on which of two equal parts the rule keeps (a tie):
    per cell, the total of the published flows; and when no tie is between
    flows (whose parts differ), the total of the outcomes and of the languages
    shown, and per category, of referrals, desks, months and languages."""
    zones = tree.zones()
    flow_ties = any(tie[0] == "flows" for tie in tree.ties)
    for row in layer(out, "needs_zones"):
        expected = zones[(row["id"], row["category"])]
        outcomes = [row[f] for f in ("served", "referred", "unmet")]
        if flow_ties:
            share = expected["in_published_flows"]
            assert row["in_published_flows"] == (None if share is None else pytest.approx(share, rel=1e-12)), row
        elif expected["served"] is None:
            assert outcomes == [None] * 3 and row["in_published_flows"] is None, row
        else:
            assert sum(outcomes) == sum(expected[f] for f in ("served", "referred", "unmet")), row
            assert row["in_published_flows"] == pytest.approx(expected["in_published_flows"], rel=1e-12), row

    def totals(rows, key):
        sums = Counter()
        for row in rows:
            sums[key(row)] += row["requests"]
        return sums

    def expected(rows, key):
        sums = Counter()
        for k, n in rows.items():
            sums[key(k)] += n[0] if isinstance(n, tuple) else n
        return sums

    if flow_ties and tree.period != "all":
        return  # the periods' sums hang on which flow is kept: its months differ
    assert totals(layer(out, "needs_flows"), lambda f: (f["zone_id"], f["category"], f["desk_id"] == "other")) == expected(
        tree.flow_rows(), lambda k: (k[0], k[2], k[1] == "other"))
    if flow_ties:
        return
    assert totals(layer(out, "needs_languages"), lambda g: (g["zone_id"], g["category"], g["language"] == "other")) == expected(
        tree.language_rows(), lambda k: (k[0], k[1], k[2] == "other"))
    assert totals(layer(out, "needs_bypass_languages"), lambda b: b["category"]) == expected(tree.bypass_language_rows(), lambda k: k[0])
    assert totals(layer(out, "needs_referrals"), lambda r: r["category"]) == expected(tree.referral_rows(), lambda k: k[2])
    assert totals(layer(out, "needs_desks"), lambda d: d["category"]) == expected(tree.desk_rows(), lambda k: k[1])
    assert totals(layer(out, "needs_monthly"), lambda m: m["category"]) == expected(tree.monthly_rows(), lambda k: k[1])


def check_run(records, out, report, k, period="all", ties=False):
    """The run's layers against the tree recomputed here; returns the tree.
    The hidden zone cells are those of protect_table on the true table. Where
    the rule leaves a tie open (`ties`), only what does not hang on it."""
    assert_counts_follow_the_rule(out, k)
    true = zone_table(records)
    counts, suppressed = core.protect_table(true, k)
    hidden = {(z, c) for i, z in enumerate(ZONES) for j, c in enumerate(CATEGORIES) if suppressed[i][j]}
    assert {(r["id"], r["category"]) for r in layer(out, "needs_zones") if r["requests"] is None} == hidden
    tree = Tree(records, k, hidden, period)
    assert_totals_of_the_tree(tree, out)
    if tree.ties:
        assert ties, ("the rule leaves a choice open here (see test_a_tie_is_broken_the_same_way_every_run)", tree.ties)
    else:
        assert_layers_are_the_tree(tree, out, report)
    return tree


# (seed, records, k, period, ties): the runs without ties are checked number by
# number against the tree; those with ties (the last two) on what does not
# hang on the tie, and the oracle on the tree's own choice (a possible output)
PRIVACY_RUNS = [(1, 200, 3, "all", False), (3, 500, 3, "all", False), (2, 350, 5, "all", False), (4, 800, 5, "all", False),
                (6, 1300, 10, "all", False), (8, 2100, 10, "all", False), (9, 2600, 10, "all", False), (4, 800, 3, "month", False),
                (6, 1300, 5, "month", False), (10, 3000, 10, "month", False), (3, 500, 3, "year", False), (5, 1000, 5, "year", False),
                (10, 3000, 3, "all", True), (9, 2600, 5, "month", True)]


@pytest.mark.parametrize("seed,n,k,period,ties", PRIVACY_RUNS)
def test_published_counts_follow_the_rule(tmp_path, seed, n, k, period, ties):
    requests = tmp_path / "requests.csv"
    if period == "all":
        synthetic_requests(requests, n=n, seed=seed, start="2025-01-01", end="2025-04-30")
    else:  # over a year and more: periods, and months against the year before
        synthetic_requests(requests, n=n, seed=seed, start="2024-03-01", end="2025-06-30")
    out = tmp_path / "needs.gpkg"
    report = run_needs(requests, out, min_count=k, flow_period=period)
    records = read_csv(requests)
    assert report["records"] == n
    tree = check_run(records, out, report, k, period, ties)
    assert bool(tree.ties) == ties

    # published zone cells are the true counts; every count above 0 and below k is hidden
    true = Counter((r["residence"], r["category"]) for r in records)
    for row in layer(out, "needs_zones"):
        count = true[(row["id"], row["category"])]
        assert row["requests"] == (None if (row["id"], row["category"]) in tree.hidden else count), row
        assert not 0 < count < k or row["requests"] is None, row
        if row["requests"] is None:  # nothing of a hidden cell
            assert all(row[f] is None for f in ("served", "referred", "unmet", "bypassing", "rate_per_1000", "in_published_flows")), row
    for name in ("needs_flows", "needs_languages"):
        assert not any((f["zone_id"], f["category"]) in tree.hidden for f in layer(out, name))
    # each published cell: its flows and "other" add up to it exactly, and so do its languages
    for name in ("needs_flows", "needs_languages"):
        sums = Counter()
        for f in layer(out, name):
            sums[(f["zone_id"], f["category"])] += f["requests"]
            assert f["requests"] >= k, f
        assert sums == Counter({key: n for key, n in true.items() if key not in tree.hidden}), name
    # a flow to a named desk over all the records is the true flow
    by_desk = Counter((r["residence"], r["desk_id"], r["category"]) for r in records)
    for f in layer(out, "needs_flows"):
        if f["desk_id"] != "other" and f["period"] == "all":
            assert f["requests"] == by_desk[(f["zone_id"], f["desk_id"], f["category"])], f
    # the sums never exceed the truth they sum parts of
    outcomes = Counter((r["residence"], r["category"], r["outcome"]) for r in records)
    for row in layer(out, "needs_zones"):
        for outcome in ("served", "referred", "unmet"):
            assert (row[outcome] or 0) <= outcomes[(row["id"], row["category"], outcome)], row
    desk_true = Counter((r["desk_id"], r["category"]) for r in records)
    for row in layer(out, "needs_desks"):
        assert row["requests"] <= desk_true[(row["desk_id"], row["category"])], row

    # nothing hidden can be worked out from all that is published
    assert recoverable_counts(tree, core.protect_table(zone_table(records), k)) == []
    assert tree.published and any(any(parts.values()) for parts in tree.shown.values()), "the run publishes parts to check"


def test_a_tiny_record_set_publishes_no_small_count(tmp_path):
    # 3 legal requests from Mira (2 at MI-01, 1 at VE-01), k = 10: every count
    # is below k, so every published count is NULL or 0, and no decay is fitted
    # on 3 requests
    rows = [("2025-01-15", "MI-01", "legal", MIRA, "it", "europe", "served")] * 2
    rows += [("2025-01-15", "VE-01", "legal", MIRA, "it", "europe", "served")]
    requests = write_records(tmp_path / "requests.csv", rows)
    out = tmp_path / "needs.gpkg"
    report = run_needs(requests, out, min_count=10)
    published = [(name, field, row[field]) for name, fields in COUNT_FIELDS.items() for row in layer(out, name) for field in fields]
    assert [p for p in published if p[2] not in (None, 0)] == []
    assert layer(out, "needs_decay") == []
    assert report["decay"] is None


def test_flows_do_not_give_back_a_suppressed_desk_count(tmp_path):
    # (an earlier leak) k = 10: desk VE-01 has 3 legal requests; 027002's
    # information cell (40) goes all to VE-01. needs_desks now sums published
    # flows only: VE-01 x legal is 0 there (the 3 are in Mira's "other").
    rows = []
    for n, desk, category, zone in [(3, "VE-01", "legal", "027023"), (20, "MI-01", "legal", "027023"), (30, "MI-01", "legal", "027024"),
                                    (15, "VE-11", "legal", "027001"), (40, "VE-01", "information", "027002"),
                                    (15, "VE-11", "information", "027003")]:
        rows += [("2025-01-15", desk, category, zone, "it", "europe", "served")] * n
    requests = write_records(tmp_path / "requests.csv", rows)
    out = tmp_path / "needs.gpkg"
    report = run_needs(requests, out, min_count=10)
    tree = check_run(_records(rows), out, report, 10)
    desks = {(d["desk_id"], d["category"]): d["requests"] for d in layer(out, "needs_desks")}
    assert (desks[("VE-01", "legal")], desks[("VE-01", "information")]) == (0, 40)
    assert recoverable_counts(tree, core.protect_table(zone_table(_records(rows)), 10)) == []


def test_the_oracle_finds_the_old_leaks(tmp_path):
    # the oracle has teeth: with the old design's raw totals (needs_desks and
    # needs_bypass_languages counting every request) added to what is published,
    # it gives back the small flow and the small language part
    rows = [("2025-01-15", "MI-01", "legal", "027023", "it", "europe", "served")] * 20
    rows += [("2025-01-15", "VE-01", "legal", "027023", "it", "europe", "served")] * 3
    rows += [("2025-01-15", "MN-01", "legal", "027024", "ti", "africa", "served")] * 3
    rows += [("2025-01-15", "MN-01", "legal", "027024", "it", "europe", "served")] * 20
    records = _records(rows)
    requests = write_records(tmp_path / "requests.csv", rows)
    out = tmp_path / "needs.gpkg"
    report = run_needs(requests, out, min_count=10)
    tree = check_run(records, out, report, 10)
    table = core.protect_table(zone_table(records), 10)
    assert recoverable_counts(tree, table) == []
    raw_desks = defaultdict(list)
    raw_languages = defaultdict(list)
    for flow in tree.flows:
        raw_desks[(flow[2], flow[1])].append(("flow",) + flow)
        for language in tree.parts["language"][flow]:
            raw_languages[(flow[1], language)].append(("language",) + flow + (language,))
    assert (("flow", "027023", "legal", "VE-01"), 3) in recoverable_counts(tree, table, raw_desks.values())
    assert (("language", "027024", "legal", "MN-01", "ti"), 3) in recoverable_counts(tree, table, raw_languages.values())


def test_language_breakdowns_do_not_give_back_a_small_count(tmp_path):
    # (an earlier leak) k = 10: 24 'ti' legal requests from Mira (12 at its
    # nearest desk, 12 bypassing it), 3 'ti' and 20 'it' from Mirano. The 3 'ti'
    # from Mirano are a small part of Mirano's MN-01 flow: left out of every sum,
    # so needs_bypass_languages says 24 'ti', not 27.
    rows = [("2025-01-15", "MI-01", "legal", "027023", "ti", "africa", "served")] * 12
    rows += [("2025-01-15", "VE-01", "legal", "027023", "ti", "africa", "served")] * 12
    rows += [("2025-01-15", "MN-01", "legal", "027024", "ti", "africa", "served")] * 3
    rows += [("2025-01-15", "MN-01", "legal", "027024", "it", "europe", "served")] * 20
    requests = write_records(tmp_path / "requests.csv", rows)
    out = tmp_path / "needs.gpkg"
    report = run_needs(requests, out, min_count=10)
    tree = check_run(_records(rows), out, report, 10)
    ti = next(b for b in layer(out, "needs_bypass_languages") if (b["category"], b["language"]) == ("legal", "ti"))
    assert (ti["requests"], ti["bypassing"], ti["bypass_share"]) == (24, 12, 0.5)
    mirano = {g["language"]: g["requests"] for g in layer(out, "needs_languages") if (g["zone_id"], g["category"]) == ("027024", "legal")}
    assert mirano == {"other": 23}  # it 20 + ti 3: the 3 merged, taking the 20 with it
    assert recoverable_counts(tree, core.protect_table(zone_table(_records(rows)), 10)) == []


# --------------------------------------------------------------------------
# 3. hand-computed small cases

MIRA, VENEZIA = "027023", "027042"
HAND = [
    # Mira, legal: MI-01 is the nearest legal desk (checked below)
    ("2024-03-05", "MI-01", "legal", MIRA, "it", "europe", "served"),
    ("2024-03-20", "MI-01", "legal", MIRA, "wo", "africa", "served"),
    ("2025-03-02", "MI-01", "legal", MIRA, "it", "", "served"),
    ("2025-03-03", "MI-01", "legal", MIRA, "uk", "europe", "served"),
    ("2025-03-04", "MI-01", "legal", MIRA, "ar", "africa", "unmet"),
    ("2025-03-05", "MI-01", "legal", MIRA, "ru", "europe", "referred", "MI-03"),  # MI-03 offers housing only
    ("2025-03-06", "MI-01", "legal", MIRA, "it", "europe", "referred", "DO-01"),
    ("2025-04-07", "MI-01", "legal", MIRA, "it", "europe", "served"),
    ("2025-04-08", "MN-01", "legal", MIRA, "fr", "africa", "served"),  # bypassing
    ("2025-04-09", "VE-02", "legal", MIRA, "uk", "europe", "served"),  # bypassing
    ("2025-05-10", "MI-01", "information", MIRA, "en", "asia", "served"),
    ("2025-02-01", "VE-01", "legal", VENEZIA, "bn", "asia", "served"),
    ("2025-02-02", "VE-13", "information", VENEZIA, "zh", "asia", "unmet"),
    ("2025-02-03", "VE-13", "information", VENEZIA, "zh", "asia", "referred", "VE-01"),
]


@pytest.fixture(scope="module")
def hand(tmp_path_factory):
    # k = 1: every count is at least 1, nothing is merged, every sum is the true count
    folder = tmp_path_factory.mktemp("needs_hand")
    requests = write_records(folder / "requests.csv", HAND)
    out = folder / "needs.gpkg"
    report = run_needs(requests, out, min_count=1)
    return {"report": report, "records": _records(HAND), "out": out, "requests": requests}


def test_hand_zone_category_counts(hand):
    true = Counter((r["residence"], r["category"]) for r in hand["records"])
    rows = layer(hand["out"], "needs_zones")
    assert len(rows) == len(ZONES) * len(CATEGORIES)
    for row in rows:
        count = true[(row["id"], row["category"])]
        assert row["requests"] == count, row
        if count:
            assert row["rate_per_1000"] == pytest.approx(count / POPULATION[row["id"]] * 1000, rel=1e-9)
            assert row["in_published_flows"] == 1.0, row
        else:
            assert row["in_published_flows"] is None, row
        assert row["nearest_min"] == pytest.approx(nearest_minutes(row["id"], row["category"]), rel=5e-3), row
    assert true[(MIRA, "legal")] == 10 and hand["report"]["records"] == len(HAND)
    assert hand["report"]["suppressed"] == 0


def test_hand_is_the_tree(hand):
    check_run(hand["records"], hand["out"], hand["report"], 1)


def test_hand_flows_and_travel_times(hand):
    expected = Counter((r["residence"], r["desk_id"], r["category"]) for r in hand["records"])
    got = {}
    for f in layer(hand["out"], "needs_flows"):
        assert (f["desk_id"], f["period"]) != ("other", "all")  # k = 1: nothing to merge
        assert f["period"] == "all"
        got[(f["zone_id"], f["desk_id"], f["category"])] = f["requests"]
        assert f["travel_min"] == pytest.approx(minutes(f["zone_id"], f["desk_id"]), rel=5e-3), f
    assert got == expected


def test_hand_bypass(hand):
    t_near = minutes(MIRA, "MI-01")
    assert t_near == pytest.approx(nearest_minutes(MIRA, "legal"), rel=1e-12)  # the premise
    extra = [minutes(MIRA, "MN-01") - t_near, minutes(MIRA, "VE-02") - t_near]
    assert min(extra) > 1.0
    zones = {(r["id"], r["category"]): r for r in layer(hand["out"], "needs_zones")}
    mira = zones[(MIRA, "legal")]
    assert mira["bypassing"] == 2
    assert mira["bypass_share"] == pytest.approx(2 / 10)
    assert mira["bypass_extra_min"] == pytest.approx(sum(extra) / 2, rel=5e-3)
    # every zone and category: bypassing = requests at a desk farther than the category's nearest
    for (zone, category), row in zones.items():
        chosen = [minutes(zone, r["desk_id"]) for r in hand["records"] if (r["residence"], r["category"]) == (zone, category)]
        if not chosen:
            assert row["bypassing"] is None and row["bypass_share"] is None, row
            continue
        best = nearest_minutes(zone, category)
        assert all(abs(t - best) > 0.01 or t == best for t in chosen), "ambiguous tie in the hand case"
        assert row["bypassing"] == sum(t > best + 0.01 for t in chosen), row


def test_hand_outcomes(hand):
    expected = Counter((r["residence"], r["category"], r["outcome"]) for r in hand["records"])
    for row in layer(hand["out"], "needs_zones"):
        for outcome in ("served", "referred", "unmet"):
            assert row[outcome] == (expected[(row["id"], row["category"], outcome)] if row["requests"] else None), (row, outcome)
    mira = next(r for r in layer(hand["out"], "needs_zones") if (r["id"], r["category"]) == (MIRA, "legal"))
    assert (mira["served"], mira["referred"], mira["unmet"]) == (7, 2, 1)


def test_hand_referrals(hand):
    rows = layer(hand["out"], "needs_referrals")
    got = {(r["from_desk"], r["to_desk"], r["category"]): (r["requests"], r["receiver_serves_category"]) for r in rows}
    expected = Counter((r["desk_id"], r["referred_to"], r["category"]) for r in hand["records"] if r["outcome"] == "referred")
    assert got == {key: (n, "yes" if key[2] in DESK_CATEGORIES[key[1]] else "no") for key, n in expected.items()}
    assert got[("MI-01", "MI-03", "legal")] == (1, "no")
    assert got[("MI-01", "DO-01", "legal")] == (1, "yes")
    desks = {(r["desk_id"], r["category"]): r for r in layer(hand["out"], "needs_desks")}
    assert desks[("DO-01", "legal")]["referrals_received"] == 1
    assert desks[("VE-01", "information")]["referrals_received"] == 1
    assert desks[("MI-01", "legal")]["requests"] == 8
    assert desks[("MI-01", "legal")]["serves_category"] == "yes"
    assert desks[("MI-03", "legal")]["serves_category"] == "no"  # a row: it receives a referral


def test_hand_desks_count_every_referral_received(hand):
    # needs_desks.referrals_received sums the published referral lines into the
    # desk and category: every (to_desk, category) of needs_referrals has its row
    received = Counter()
    for r in layer(hand["out"], "needs_referrals"):
        received[(r["to_desk"], r["category"])] += r["requests"]
    desks = {(r["desk_id"], r["category"]): r for r in layer(hand["out"], "needs_desks")}
    missing = sorted(key for key in received if key not in desks)
    assert missing == [], "referrals received but no needs_desks row"
    for key, row in desks.items():
        assert row["referrals_received"] == received.get(key, 0), row
        assert row["serves_category"] == ("yes" if key[1] in DESK_CATEGORIES[key[0]] else "no"), row
    flows = Counter((r["desk_id"], r["category"]) for r in hand["records"])
    assert {key: row["requests"] for key, row in desks.items() if row["requests"]} == dict(flows)


def test_hand_monthly_change_against_the_year_before(hand):
    counts = Counter((r["desk_id"], r["category"], r["date"][:7]) for r in hand["records"])
    rows = layer(hand["out"], "needs_monthly")
    assert {(r["desk_id"], r["category"], r["month"]): r["requests"] for r in rows} == dict(counts)
    for r in rows:
        year, month = int(r["month"][:4]), r["month"][5:]
        before = counts.get((r["desk_id"], r["category"], f"{year - 1:04d}-{month}"))
        if before is None:
            assert r["change_vs_year_before"] is None and r["change_pct"] is None, r
        else:
            assert r["change_vs_year_before"] == r["requests"] - before, r
            assert r["change_pct"] == pytest.approx((r["requests"] - before) / before * 100), r
    march = next(r for r in rows if (r["desk_id"], r["category"], r["month"]) == ("MI-01", "legal", "2025-03"))
    assert (march["requests"], march["change_vs_year_before"], march["change_pct"]) == (5, 3, pytest.approx(150.0))


def test_hand_languages_not_offered(hand):
    used = defaultdict(Counter)
    for r in hand["records"]:
        used[(r["residence"], r["category"])][r["language"]] += 1
    assert {lang for lang in used[(MIRA, "legal")] if not offered(MIRA, "legal", lang)} == {"wo", "ru"}  # the premise
    for row in layer(hand["out"], "needs_zones"):
        key = (row["id"], row["category"])
        expected = {lang for lang in used.get(key, ()) if not offered(*key, lang)}
        got = set(filter(None, (row["languages_not_offered"] or "").split(";")))
        assert got == expected, row
    got = {}
    for row in layer(hand["out"], "needs_languages"):
        got[(row["zone_id"], row["category"], row["language"])] = row["requests"]
        assert row["offered"] == ("yes" if offered(row["zone_id"], row["category"], row["language"]) else "no"), row
    assert got == {(z, c, lang): n for (z, c), counts in used.items() for lang, n in counts.items()}  # k = 1: no "other"


# k = 3: Mira's legal cell (16) by desk: MI-01 10 and VE-02 3 published, MN-01 1
# and VE-01 2 merged ("other" 3). MI-01's 10 by fate: served 4, referred to DO-01
# 3 published, unmet 2 and referred to MI-03 1 merged; by month: 2025-03 4,
# 2025-04 3 published, 2024-03 2 and 2024-04 1 merged; by language: it 4, fr 3
# published, wo 2 and ar 1 merged. Venezia's legal cell (4): VE-01 4, all bn,
# served, 2025-02. Every other cell is 0: nothing is suppressed.
SMALL = [
    ("2025-03-02", "MI-01", "legal", MIRA, "it", "europe", "served"),
    ("2025-03-03", "MI-01", "legal", MIRA, "it", "europe", "served"),
    ("2025-03-04", "MI-01", "legal", MIRA, "it", "europe", "served"),
    ("2025-03-05", "MI-01", "legal", MIRA, "it", "europe", "served"),
    ("2025-04-01", "MI-01", "legal", MIRA, "fr", "africa", "referred", "DO-01"),
    ("2025-04-02", "MI-01", "legal", MIRA, "fr", "africa", "referred", "DO-01"),
    ("2025-04-03", "MI-01", "legal", MIRA, "fr", "africa", "referred", "DO-01"),
    ("2024-03-04", "MI-01", "legal", MIRA, "wo", "africa", "unmet"),
    ("2024-03-05", "MI-01", "legal", MIRA, "wo", "africa", "unmet"),
    ("2024-04-06", "MI-01", "legal", MIRA, "ar", "africa", "referred", "MI-03"),
    ("2025-04-07", "VE-02", "legal", MIRA, "uk", "europe", "served"),
    ("2025-04-08", "VE-02", "legal", MIRA, "uk", "europe", "served"),
    ("2025-04-09", "VE-02", "legal", MIRA, "uk", "europe", "served"),
    ("2025-04-10", "MN-01", "legal", MIRA, "fr", "africa", "served"),
    ("2025-05-11", "VE-01", "legal", MIRA, "bn", "asia", "served"),
    ("2025-05-12", "VE-01", "legal", MIRA, "bn", "asia", "unmet"),
    ("2025-02-01", "VE-01", "legal", VENEZIA, "bn", "asia", "served"),
    ("2025-02-02", "VE-01", "legal", VENEZIA, "bn", "asia", "served"),
    ("2025-02-03", "VE-01", "legal", VENEZIA, "bn", "asia", "served"),
    ("2025-02-04", "VE-01", "legal", VENEZIA, "bn", "asia", "served"),
]


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    folder = tmp_path_factory.mktemp("needs_small")
    requests = write_records(folder / "requests.csv", SMALL)
    runs = {}
    for period in ("all", "month", "year"):
        out = folder / f"needs_{period}.gpkg"
        runs[period] = (out, run_needs(requests, out, min_count=3, flow_period=period))
    return runs


def test_small_premises():
    assert nearest_minutes(MIRA, "legal") == minutes(MIRA, "MI-01")
    assert nearest_minutes(VENEZIA, "legal") == minutes(VENEZIA, "VE-01")
    assert all(bypasses(MIRA, "legal", d) for d in ("VE-02", "MN-01", "VE-01"))
    assert [lang for lang in ("it", "fr", "uk", "wo", "ar") if not offered(MIRA, "legal", lang)] == ["wo"]
    assert offered(VENEZIA, "legal", "bn")


def test_small_zones(small):
    out, report = small["all"]
    assert report["suppressed"] == 0
    zones = {(r["id"], r["category"]): r for r in layer(out, "needs_zones")}
    mira, venezia = zones[(MIRA, "legal")], zones[(VENEZIA, "legal")]
    # served: MI-01 4 + VE-02 3; referred: MI-01 -> DO-01 3; unmet: MI-01's 2 merged, VE-01's 1 in a merged flow
    assert (mira["requests"], mira["served"], mira["referred"], mira["unmet"]) == (16, 7, 3, 0)
    assert mira["in_published_flows"] == pytest.approx(13 / 16)
    # bypassing: VE-02 3 (MN-01 and VE-01 bypass too, but are merged: left out)
    assert (mira["bypassing"], mira["bypass_share"]) == (3, pytest.approx(3 / 13))
    assert mira["bypass_extra_min"] == pytest.approx(minutes(MIRA, "VE-02") - minutes(MIRA, "MI-01"), rel=5e-3)
    assert mira["languages_not_offered"] in (None, "")  # wo: 2 requests, merged
    assert (venezia["requests"], venezia["served"], venezia["referred"], venezia["unmet"]) == (4, 4, 0, 0)
    assert (venezia["bypassing"], venezia["bypass_share"], venezia["bypass_extra_min"], venezia["in_published_flows"]) == (0, 0, None, 1)
    for key, row in zones.items():
        if key not in ((MIRA, "legal"), (VENEZIA, "legal")):
            assert row["requests"] == 0 and row["served"] is None and row["bypassing"] is None, row


def test_small_flows(small):
    expected = {
        "all": {(MIRA, "MI-01", "all"): 10, (MIRA, "VE-02", "all"): 3, (MIRA, "other", "all"): 3, (VENEZIA, "VE-01", "all"): 4},
        # sums of the published month parts: MI-01's 2024 months (3) are merged, so "other" = 16 - 10 = 6
        "month": {(MIRA, "MI-01", "2025-03"): 4, (MIRA, "MI-01", "2025-04"): 3, (MIRA, "VE-02", "2025-04"): 3, (MIRA, "other", "all"): 6,
                  (VENEZIA, "VE-01", "2025-02"): 4},
        "year": {(MIRA, "MI-01", "2025"): 7, (MIRA, "VE-02", "2025"): 3, (MIRA, "other", "all"): 6, (VENEZIA, "VE-01", "2025"): 4},
    }
    for period, (out, _) in small.items():
        rows = layer(out, "needs_flows")
        assert {(f["zone_id"], f["desk_id"], f["period"]): f["requests"] for f in rows} == expected[period], period
        assert all(f["category"] == "legal" for f in rows)
        # desks sum whole published flows, whatever the period: MI-01 10 (its 3 merged months included)
        desks = {(d["desk_id"], d["category"]): (d["requests"], d["referrals_received"]) for d in layer(out, "needs_desks")}
        assert desks[("MI-01", "legal")] == (10, 0)


def test_small_sums_of_published_parts(small):
    out, _ = small["all"]
    assert {(r["from_desk"], r["to_desk"], r["category"]): r["requests"] for r in layer(out, "needs_referrals")} == {
        ("MI-01", "DO-01", "legal"): 3}  # MI-01 -> MI-03 (1) is merged
    desks = {(d["desk_id"], d["category"]): (d["requests"], d["referrals_received"]) for d in layer(out, "needs_desks")}
    # VE-01: Venezia's 4 (Mira's 2 merged); MN-01: Mira's 1 merged; no row for MI-03 x legal
    assert {key: v for key, v in desks.items() if v != (0, 0)} == {
        ("MI-01", "legal"): (10, 0), ("VE-02", "legal"): (3, 0), ("VE-01", "legal"): (4, 0), ("DO-01", "legal"): (0, 3)}
    assert set(desks) == {(d, c) for d in DESKS for c in DESK_CATEGORIES[d]}
    monthly = {(m["desk_id"], m["category"], m["month"]): (m["requests"], m["change_vs_year_before"]) for m in layer(out, "needs_monthly")}
    # MI-01's 2024-03 (2) and 2024-04 (1) merged: no change against the year before
    assert monthly == {("MI-01", "legal", "2025-03"): (4, None), ("MI-01", "legal", "2025-04"): (3, None),
                       ("VE-02", "legal", "2025-04"): (3, None), ("VE-01", "legal", "2025-02"): (4, None)}
    languages = {(g["zone_id"], g["language"]): (g["requests"], g["offered"]) for g in layer(out, "needs_languages")}
    assert languages == {(MIRA, "it"): (4, "yes"), (MIRA, "fr"): (3, "yes"), (MIRA, "uk"): (3, "yes"), (MIRA, "other"): (6, None),
                         (VENEZIA, "bn"): (4, "yes")}
    bypass = {b["language"]: (b["requests"], b["bypassing"], b["bypass_share"]) for b in layer(out, "needs_bypass_languages")}
    assert bypass == {"it": (4, 0, 0), "fr": (3, 0, 0), "uk": (3, 3, 1), "bn": (4, 0, 0)}


def test_small_is_the_tree_and_gives_nothing_back(small):
    records = _records(SMALL)
    for period, (out, report) in small.items():
        tree = check_run(records, out, report, 3, period)
        assert recoverable_counts(tree, core.protect_table(zone_table(records), 3)) == [], period


# --------------------------------------------------------------------------
# 4. leaks and bugs found by these tests and fixed


def test_a_tie_is_broken_the_same_way_every_run(tmp_path):
    rows = [("2025-01-15", "MI-01", "legal", MIRA, "it", "europe", "served")] * 12
    rows += [("2025-01-15", "VE-02", "legal", MIRA, "it", "europe", "served")] * 12
    rows += [("2025-01-15", "MN-01", "legal", MIRA, "it", "europe", "served")] * 3
    requests = write_records(tmp_path / "requests.csv", rows)
    seen = set()
    for run in range(30):  # a fair coin each time: 30 equal runs by chance has odds 2^-29
        out = tmp_path / f"needs_{run}.gpkg"
        run_needs(requests, out, min_count=10)
        seen.add(tuple(sorted((f["desk_id"], f["requests"]) for f in layer(out, "needs_flows"))))
    assert len(seen) == 1, seen


def test_the_decay_does_not_give_back_a_merged_flow(tmp_path):
    rows = [("2025-01-15", "MN-04", "anti_discrimination", MIRA, "it", "europe", "served")] * 12
    rows += [("2025-01-15", "VE-08", "anti_discrimination", MIRA, "it", "europe", "served")] * 3
    assert sorted(d for d in DESKS if "anti_discrimination" in DESK_CATEGORIES[d]) == ["MN-04", "VE-08"]  # the premise
    requests = write_records(tmp_path / "requests.csv", rows)
    out = tmp_path / "needs.gpkg"
    run_needs(requests, out, min_count=10)
    flows = {f["desk_id"]: f["requests"] for f in layer(out, "needs_flows")}
    assert flows == {"other": 15}  # the layers hide both flows
    for fit in layer(out, "needs_decay"):
        # what anyone can compute from the published T and the public desk positions
        share = 1 / (1 + math.exp((minutes(MIRA, "VE-08") - minutes(MIRA, "MN-04")) / fit["decay_minutes"]))
        given_back = 15 * share
        assert not (abs(given_back - round(given_back)) < 0.05 and 0 < round(given_back) < 10), (fit, given_back)


def test_the_report_carries_no_raw_count(tmp_path):
    rows = [("2025-01-15", "MI-01", "legal", MIRA, "it", "europe", "served")] * 8
    rows += [("2025-01-15", "VE-02", "legal", MIRA, "it", "europe", "served")] * 4
    rows += [("2025-01-15", "MI-03", "legal", MIRA, "it", "europe", "served")] * 3
    requests = write_records(tmp_path / "requests.csv", rows)
    out = tmp_path / "needs.gpkg"
    report = run_needs(requests, out, min_count=10)
    assert {f["desk_id"]: f["requests"] for f in layer(out, "needs_flows")} == {"other": 15}
    assert report["decay"] is None or not {"requests_used", "log_likelihood"} & set(report["decay"]), report["decay"]


def test_the_report_lists_no_language_the_layers_hide(tmp_path):
    rows = [("2025-01-15", "MI-01", "legal", MIRA, "it", "europe", "served")] * 30
    rows += [("2025-01-15", "MI-01", "legal", MIRA, "ps", "asia", "served")]
    requests = write_records(tmp_path / "requests.csv", rows)
    out = tmp_path / "needs.gpkg"
    report = run_needs(requests, out, min_count=10)
    assert "ps" not in {g["language"] for g in layer(out, "needs_languages")}
    assert "ps" not in report["languages"], report["languages"]


# --------------------------------------------------------------------------
# 5. the decay recovered from synthetic records


@pytest.mark.parametrize("decay,n", [(15.0, 100_000), (8.0, 100_000)])
def test_decay_recovered(tmp_path, decay, n):
    requests = tmp_path / "requests.csv"
    synthetic_requests(requests, n=n, seed=7, decay_minutes=decay)
    fit = run_needs(requests)["decay"]
    assert fit is not None
    assert fit["decay_minutes"] == pytest.approx(decay, rel=0.05)
    assert fit["beta_per_min"] == pytest.approx(1 / fit["decay_minutes"], rel=1e-9)
    assert 0 < fit["standard_error_minutes"] < 0.05 * decay
    assert abs(fit["decay_minutes"] - decay) < 4 * fit["standard_error_minutes"], fit


# --------------------------------------------------------------------------
# 6. bad input, each with its message

GOOD = ("2025-01-15", "VE-01", "legal", VENEZIA, "fr", "africa", "served", "")


def _bad(**changes):
    row = dict(zip(COLUMNS, GOOD))
    row.update(changes)
    return [GOOD, tuple(row[c] for c in COLUMNS)]  # the bad one is record 2


@pytest.mark.parametrize(
    "rows,field,pattern",
    [
        (_bad(desk_id="XX-99"), "desk_id", r"'XX-99' is not the id of a desk"),
        (_bad(category="cooking"), "category", r"'cooking' is not a category"),
        (_bad(residence="12AB"), "residence", r"'12AB' is not an ISTAT municipality code"),
        (_bad(residence="099999"), "residence", r"ISTAT code 099999 is not among the demand units"),
        (_bad(date="2999-01-01"), "date", r"2999-01-01 is in the future"),
        (_bad(date="2025-02-30"), "date", r"'2025-02-30' is not a date"),
        (_bad(outcome="referred", referred_to=""), "referred_to", r"a referred request needs the desk"),
        (_bad(outcome="referred", referred_to="ZZ-01"), "referred_to", r"'ZZ-01' is not the id of a desk"),
        (_bad(outcome="done"), "outcome", r"'done' is not served, referred or unmet"),
        (_bad(language="French"), "language", r"'French' is not an ISO 639 language code"),
    ],
)
def test_bad_record(tmp_path, rows, field, pattern):
    requests = write_records(tmp_path / "requests.csv", rows)
    with pytest.raises(InputError, match=rf"record 2', field '{field}': {pattern}") as error:
        run_needs(requests)
    problems = error.value.problems
    assert len(problems) == 1
    assert (problems[0]["feature"], problems[0]["field"]) == ("record 2", field)


@pytest.mark.parametrize("column", ["name", "birth_date", "Notes"])
def test_personal_data_column_refused(tmp_path, column):
    requests = tmp_path / "requests.csv"
    requests.write_text(f"{HEADER},{column}\n" + ",".join(GOOD) + ",x\n", encoding="utf-8")
    with pytest.raises(InputError, match=rf"field '{column}': is not a field of the request records .*personal data") as error:
        run_needs(requests)
    assert [p["field"] for p in error.value.problems] == [column]


def test_missing_required_column(tmp_path):
    header = [c for c in COLUMNS if c != "outcome"]
    row = [v for c, v in zip(COLUMNS, GOOD) if c != "outcome"]
    requests = tmp_path / "requests.csv"
    requests.write_text(",".join(header) + "\n" + ",".join(row) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"field 'outcome': the column is missing"):
        run_needs(requests)


def test_optional_columns_may_be_absent(tmp_path):
    header = [c for c in COLUMNS if c not in ("nationality_group", "referred_to")]
    row = [v for c, v in zip(COLUMNS, GOOD) if c in header]
    requests = tmp_path / "requests.csv"
    requests.write_text(",".join(header) + "\n" + ",".join(row) + "\n", encoding="utf-8")
    assert run_needs(requests, min_count=1)["records"] == 1


def test_empty_file(tmp_path):
    requests = tmp_path / "requests.csv"
    requests.write_text("", encoding="utf-8")
    with pytest.raises(InputError, match=r"the file is empty"):
        run_needs(requests)


def test_header_without_records(tmp_path):
    requests = tmp_path / "requests.csv"
    requests.write_text(HEADER + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"no request records"):
        run_needs(requests)


def test_every_problem_listed_at_once(tmp_path):
    rows = [
        GOOD,
        ("2025-01-15", "XX-99", "legal", VENEZIA, "fr", "africa", "served", ""),
        ("2025-01-15", "VE-01", "cooking", "12AB", "fr", "africa", "served", ""),
        ("2999-01-01", "VE-01", "legal", VENEZIA, "fr", "africa", "referred", ""),
    ]
    requests = write_records(tmp_path / "requests.csv", rows)
    with pytest.raises(InputError) as error:
        run_needs(requests)
    problems = error.value.problems
    assert [(p["feature"], p["field"]) for p in problems] == [
        ("record 2", "desk_id"), ("record 3", "category"), ("record 3", "residence"), ("record 4", "date"), ("record 4", "referred_to"),
    ]
    message = str(error.value)
    assert message.startswith("5 problem(s) in the request records")
    assert len([line for line in message.splitlines()[1:] if re.match(r"\s+layer 'requests.csv', feature 'record \d'", line)]) == 5


# --------------------------------------------------------------------------
# 7. parameters


@pytest.mark.parametrize("value", [0, 1001])
def test_min_count_out_of_range(tmp_path, value):
    requests = write_records(tmp_path / "requests.csv", [GOOD])
    with pytest.raises(InputError, match=r"min_count"):
        run_needs(requests, min_count=value)


def test_protect_table_refuses_bad_input():
    with pytest.raises(InputError, match=r"cells"):
        core.protect_table([[1, 2], [3]], 10)
    with pytest.raises(InputError, match=r"cells"):
        core.protect_table([[1, -2]], 10)
    with pytest.raises(InputError, match=r"cells"):
        core.protect_table([[1, 2]], 0.5)
