"""SYNTHETIC, anonymised request records at the migrant-service desks of the
embedded demo (Metropolitan City of Venice), for the demo and the tests. They
are NOT real data: no record describes a real person or a real request.

Each record is drawn independently from a seeded generator (numpy PCG64):

- ``category`` from a fixed mix (``CATEGORY_WEIGHTS``) over the categories
  at least one desk of ``data/services.csv`` serves;
- ``residence``, one of the 44 municipalities of ``data/town_centres.csv``,
  with probability proportional to its population;
- ``desk_id`` among the desks of the category by an origin-constrained
  gravity (destination-choice) model: from municipality i,
  ``P(j | i, c) = exp(-t_ij / decay_minutes) / sum_k exp(-t_ik / decay_minutes)``
  over the desks k of category c, where ``t_ij`` is the straight-line travel
  time in minutes from the town centre to the desk as the core measures it
  (distance x detour factor 1.3 at the mode's speed). Fitting this model to
  the records recovers ``decay_minutes``;
- ``nationality_group`` from ``NATIONALITY_WEIGHTS``, then ``language``
  given the group (``LANGUAGE_MIX``). Several of these languages (wo, ti,
  ur, ps, ro, sq, ru, es, pt) no desk speaks: the unmet language needs;
- ``outcome``: ``unmet`` with probability ``unmet_share``, else ``referred``
  with probability ``referral_share`` (``LANGUAGE_REFERRAL_FACTOR`` times that
  when the desk does not speak the requester's language), else ``served``.
  A referral goes to another desk of the category: the one nearest the first
  desk with probability ``NEAREST_REFERRAL``, else one drawn uniformly among
  the others (the nearest included). With a single desk the request is served;
- ``date`` over [start, end], uniform within a month, months weighted by a
  mild seasonal pattern (``MONTH_WEIGHTS``: more in September and October,
  fewer in August and December).

Distances are ellipsoidal equirectangular (WGS 84 radii of curvature at the
pair's mean latitude), in metres; over the Metropolitan City they differ by
less than 0.1 % from the planar distances in the core's working CRS (UTM 33N).
"""

from __future__ import annotations

import csv
import datetime
import math
import os
from pathlib import Path
from typing import Any, Mapping, Optional, Union

import numpy as np

from ._core import InputError, default_speed_m_s

DATA = Path(__file__).resolve().parent / "data"
ZONES = DATA / "town_centres.csv"
DESKS = DATA / "services.csv"

#: The columns of a request file, in order; the core refuses any other.
COLUMNS = ("date", "desk_id", "category", "residence", "language", "nationality_group", "outcome", "referred_to")
OUTCOMES = ("served", "referred", "unmet")
MODES = ("walk", "bike", "car")
#: The core's straight-line detour factor (network / crow-fly distance).
DETOUR_FACTOR = 1.3

#: Share of requests per category (normalised over the categories with a desk).
CATEGORY_WEIGHTS = {
    "legal": 0.22, "information": 0.16, "italian_courses": 0.14, "work": 0.10, "asylum": 0.08, "housing": 0.07,
    "health": 0.07, "school": 0.04, "family": 0.04, "mediation": 0.05, "anti_discrimination": 0.03,
}
#: Weight of a category some desk serves but CATEGORY_WEIGHTS does not name.
OTHER_CATEGORY_WEIGHT = 0.02
NATIONALITY_WEIGHTS = {"africa": 0.30, "americas": 0.07, "asia": 0.26, "europe": 0.31, "oceania": 0.005, "unknown": 0.055}
#: Language (ISO 639-1) weights given the nationality group.
LANGUAGE_MIX = {
    "africa": {"fr": 0.30, "en": 0.25, "ar": 0.25, "wo": 0.12, "ti": 0.08},
    "americas": {"es": 0.55, "pt": 0.30, "en": 0.15},
    "asia": {"bn": 0.35, "zh": 0.20, "ur": 0.20, "ps": 0.10, "en": 0.15},
    "europe": {"uk": 0.30, "ro": 0.30, "sq": 0.25, "ru": 0.15},
    "oceania": {"en": 1.0},
    "unknown": {"en": 0.40, "fr": 0.20, "ar": 0.20, "it": 0.20},
}
#: Referral probability multiplier when the desk does not speak the language.
LANGUAGE_REFERRAL_FACTOR = 2.0
#: Probability that a referral goes to the other desk nearest the first one.
NEAREST_REFERRAL = 0.7
#: Relative request rate per month, January to December.
MONTH_WEIGHTS = (1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.9, 0.7, 1.3, 1.3, 1.0, 0.8)

_WGS84_A = 6_378_137.0
_WGS84_E2 = (1 / 298.257223563) * (2 - 1 / 298.257223563)


def distance_m(lon1, lat1, lon2, lat2) -> np.ndarray:
    """Distance between points in degrees (broadcast), in metres: equirectangular
    with the WGS 84 radii of curvature at the mean latitude (< 0.01 % from the
    geodesic below 100 km)."""
    lat_m = np.radians((np.asarray(lat1, float) + np.asarray(lat2, float)) / 2)
    w = 1 - _WGS84_E2 * np.sin(lat_m) ** 2
    prime_vertical = _WGS84_A / np.sqrt(w)
    meridional = _WGS84_A * (1 - _WGS84_E2) / w**1.5
    dx = prime_vertical * np.cos(lat_m) * np.radians(np.asarray(lon2, float) - np.asarray(lon1, float))
    dy = meridional * np.radians(np.asarray(lat2, float) - np.asarray(lat1, float))
    return np.hypot(dx, dy)


def travel_minutes(lon1, lat1, lon2, lat2, mode: str = "car") -> np.ndarray:
    """Straight-line travel time (distance x 1.3 at the mode's speed), in minutes."""
    return distance_m(lon1, lat1, lon2, lat2) * DETOUR_FACTOR / default_speed_m_s(mode) / 60.0


def _read(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split(";") if part.strip()]


def _draw(rng: np.random.Generator, weights: np.ndarray, n: int) -> np.ndarray:
    """n indices drawn with probability ∝ weights."""
    cdf = np.cumsum(weights, dtype=float)
    index = np.searchsorted(cdf / cdf[-1], rng.random(n), side="right")
    return np.minimum(index, len(weights) - 1)


def _share(name: str, value: float) -> float:
    value = float(value)
    if not 0.0 <= value <= 1.0:
        raise InputError(f"{name}: {value} is not a share between 0 and 1")
    return value


def _language_mix(override: Optional[Mapping[str, Mapping[str, float]]]) -> dict[str, dict[str, float]]:
    mix = {group: dict(weights) for group, weights in LANGUAGE_MIX.items()}
    for group, weights in (override or {}).items():
        if group not in NATIONALITY_WEIGHTS:
            raise InputError(f"language_mix: '{group}' is not a nationality group ({', '.join(NATIONALITY_WEIGHTS)})")
        clean = {}
        for language, weight in weights.items():
            if not (isinstance(language, str) and len(language) == 2 and language.isascii() and language.islower()):
                raise InputError(f"language_mix[{group!r}]: '{language}' is not an ISO 639-1 code")
            if not (math.isfinite(float(weight)) and float(weight) >= 0.0):
                raise InputError(f"language_mix[{group!r}][{language!r}]: {weight} is not a non-negative weight")
            clean[language] = float(weight)
        if sum(clean.values()) <= 0.0:
            raise InputError(f"language_mix[{group!r}]: the weights sum to zero")
        mix[group] = clean
    return mix


def _date(name: str, text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(str(text))
    except ValueError:
        raise InputError(f"{name}: '{text}' is not a date YYYY-MM-DD") from None


def synthetic_requests(
    path: Union[str, os.PathLike],
    n: int = 20000,
    seed: int = 1,
    decay_minutes: float = 15.0,
    start: str = "2024-01-01",
    end: str = "2025-12-31",
    mode: str = "car",
    referral_share: float = 0.12,
    unmet_share: float = 0.05,
    language_mix: Optional[Mapping[str, Mapping[str, float]]] = None,
) -> dict[str, Any]:
    """Write ``n`` SYNTHETIC request records (not real data) to the CSV ``path``
    (columns ``COLUMNS``), drawn as the module describes with seed ``seed``.

    ``decay_minutes`` is the gravity model's decay in minutes of straight-line
    travel by ``mode`` (walk, bike or car); ``start`` and ``end`` are ISO dates,
    both included; ``referral_share`` and ``unmet_share`` are probabilities.
    ``language_mix`` maps a nationality group to ``{language: weight}`` (ISO
    639-1 codes, weights normalised) and replaces that group's languages.

    Returns the parameters used, ``counts`` per outcome, ``synthetic: True``
    and a ``label`` (English / Italian) to print beside any result."""
    n = int(n)
    if n < 0:
        raise InputError(f"n: {n} is negative")
    seed = int(seed)
    decay_minutes = float(decay_minutes)
    if not (math.isfinite(decay_minutes) and decay_minutes > 0.0):
        raise InputError(f"decay_minutes: {decay_minutes} is not a positive number of minutes")
    if mode not in MODES:
        raise InputError(f"mode: '{mode}' is not one of {', '.join(MODES)}")
    referral_share, unmet_share = _share("referral_share", referral_share), _share("unmet_share", unmet_share)
    if referral_share + unmet_share > 1.0:
        raise InputError(f"referral_share + unmet_share: {referral_share + unmet_share} is above 1")
    first, last = _date("start", start), _date("end", end)
    if last < first:
        raise InputError(f"end: {last} is before start {first}")
    mix = _language_mix(language_mix)

    zones = _read(ZONES)
    zone_codes = [z["istat_code"] for z in zones]
    zone_lon = np.array([float(z["lon"]) for z in zones])
    zone_lat = np.array([float(z["lat"]) for z in zones])
    population = np.array([float(z["population"]) for z in zones])
    desks = _read(DESKS)
    desk_ids = [d["id"] for d in desks]
    desk_lon = np.array([float(d["lon"]) for d in desks])
    desk_lat = np.array([float(d["lat"]) for d in desks])
    desk_categories = [set(_split(d["categories"])) for d in desks]
    served = set().union(*desk_categories)
    categories = [c for c in CATEGORY_WEIGHTS if c in served] + sorted(served - set(CATEGORY_WEIGHTS))
    category_weights = np.array([CATEGORY_WEIGHTS.get(c, OTHER_CATEGORY_WEIGHT) for c in categories])
    members = [np.array([j for j, cats in enumerate(desk_categories) if c in cats]) for c in categories]

    groups = list(NATIONALITY_WEIGHTS)
    languages = sorted({lang for weights in mix.values() for lang in weights})
    speaks = np.array([[lang in _split(d["languages"]) for lang in languages] for d in desks])

    minutes = travel_minutes(zone_lon[:, None], zone_lat[:, None], desk_lon[None, :], desk_lat[None, :], mode)
    desk_m = distance_m(desk_lon[:, None], desk_lat[:, None], desk_lon[None, :], desk_lat[None, :])

    rng = np.random.default_rng(seed)
    category = _draw(rng, category_weights, n)
    zone = _draw(rng, population, n)

    # destination choice: per category, a CDF over its desks for every zone
    desk = np.empty(n, dtype=np.int64)
    position = np.empty(n, dtype=np.int64)  # of the desk among its category's desks
    u = rng.random(n)
    for c, m in enumerate(members):
        t = minutes[:, m]
        weight = np.exp(-(t - t.min(axis=1, keepdims=True)) / decay_minutes)
        cdf = np.cumsum(weight, axis=1)
        cdf /= cdf[:, -1:]
        rows = np.flatnonzero(category == c)
        k = np.minimum((cdf[zone[rows]] < u[rows, None]).sum(axis=1), len(m) - 1)
        position[rows], desk[rows] = k, m[k]

    group = _draw(rng, np.array([NATIONALITY_WEIGHTS[g] for g in groups]), n)
    language = np.empty(n, dtype=np.int64)
    u = rng.random(n)
    for g, name in enumerate(groups):
        weights = mix[name]
        cdf = np.cumsum([weights.get(lang, 0.0) for lang in languages])
        rows = np.flatnonzero(group == g)
        language[rows] = np.minimum(np.searchsorted(cdf / cdf[-1], u[rows], side="right"), len(languages) - 1)

    # outcome, then where referrals go
    mismatch = ~speaks[desk, language]
    p_refer = np.where(mismatch, min(referral_share * LANGUAGE_REFERRAL_FACTOR, 1.0 - unmet_share), referral_share)
    u = rng.random(n)
    outcome = np.where(u < unmet_share, 2, np.where(u < unmet_share + p_refer, 1, 0))
    single = np.array([len(m) == 1 for m in members])
    outcome[(outcome == 1) & single[category]] = 0
    nearest_u, other_u = rng.random(n), rng.random(n)
    referred_to = np.full(n, len(desk_ids), dtype=np.int64)  # index of the empty id
    for c, m in enumerate(members):
        if len(m) < 2:
            continue
        d = desk_m[np.ix_(m, m)]
        np.fill_diagonal(d, np.inf)
        nearest = np.argmin(d, axis=1)  # ties: the first in catalogue order
        rows = np.flatnonzero((category == c) & (outcome == 1))
        pos = position[rows]
        other = np.minimum((other_u[rows] * (len(m) - 1)).astype(np.int64), len(m) - 2)
        other += other >= pos  # skip the first desk itself
        referred_to[rows] = m[np.where(nearest_u[rows] < NEAREST_REFERRAL, nearest[pos], other)]

    # dates: a month by MONTH_WEIGHTS x its days in range, then a day within it
    days = np.arange(np.datetime64(first, "D"), np.datetime64(last, "D") + 1)
    month = days.astype("datetime64[M]").astype(np.int64) % 12
    day = _draw(rng, np.asarray(MONTH_WEIGHTS)[month], n)

    def column(table, index):
        return np.asarray(table, dtype=object)[index].tolist()

    columns = [
        column(days.astype(str), day), column(desk_ids, desk), column(categories, category),
        column(zone_codes, zone), column(languages, language), column(groups, group),
        column(OUTCOMES, outcome), column(desk_ids + [""], referred_to),
    ]
    text = "\n".join([",".join(COLUMNS), *map(",".join, zip(*columns))]) + "\n"
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(temporary, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise

    counts = np.bincount(outcome, minlength=len(OUTCOMES))
    label = (f"SYNTHETIC records generated for the demo (capacitymetro.synthetic, seed {seed}): not real data. / "
             f"Dati SINTETICI generati per la demo (capacitymetro.synthetic, seme {seed}): non sono dati reali.")
    return {
        "path": str(path), "n": n, "seed": seed, "decay_minutes": decay_minutes, "mode": mode,
        "speed_m_s": default_speed_m_s(mode), "detour_factor": DETOUR_FACTOR,
        "start": first.isoformat(), "end": last.isoformat(),
        "referral_share": referral_share, "unmet_share": unmet_share,
        "language_referral_factor": LANGUAGE_REFERRAL_FACTOR, "nearest_referral": NEAREST_REFERRAL,
        "category_weights": dict(zip(categories, (category_weights / category_weights.sum()).tolist())),
        "nationality_weights": dict(NATIONALITY_WEIGHTS), "language_mix": mix,
        "counts": {name: int(count) for name, count in zip(OUTCOMES, counts)},
        "synthetic": True, "label": label,
    }
