"""The synthetic request records against an independent computation: UTM 33N
distances (pyproj), the documented straight-line defaults and the demo data
read here, not the generator's own distances or tables."""

import csv
import datetime
from collections import Counter, defaultdict

import numpy as np
import pyproj
import pytest
from capacitymetro import DEMO_DATA, InputError
from capacitymetro.synthetic import synthetic_requests
from scipy.optimize import minimize_scalar
from scipy.stats import chisquare

COLUMNS = ["date", "desk_id", "category", "residence", "language", "nationality_group", "outcome", "referred_to"]
CAR_SPEED_M_S = 30 / 3.6  # documented straight-line defaults
DETOUR = 1.3
DECAY = 15.0
N = 200_000
REFERRAL, UNMET = 0.12, 0.05
VENEZIA = "027042"


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


ZONES = read_csv(DEMO_DATA / "town_centres.csv")
DESKS = read_csv(DEMO_DATA / "services.csv")
DESK_CATEGORIES = {d["id"]: set(d["categories"].split(";")) for d in DESKS}
DESK_LANGUAGES = {d["id"]: set(d["languages"].split(";")) for d in DESKS}
CATEGORIES = sorted(set().union(*DESK_CATEGORIES.values()))
UTM = pyproj.Transformer.from_crs("EPSG:4326", "EPSG:32633", always_xy=True)


def utm_xy(rows):
    x, y = UTM.transform([float(r["lon"]) for r in rows], [float(r["lat"]) for r in rows])
    return np.column_stack([x, y])


ZONE_XY = dict(zip((z["istat_code"] for z in ZONES), utm_xy(ZONES)))
DESK_XY = dict(zip((d["id"] for d in DESKS), utm_xy(DESKS)))


def car_minutes(a, b):
    """The core's straight-line model in the working CRS: planar metres x 1.3 at 30 km/h."""
    return float(np.hypot(*(a - b))) * DETOUR / CAR_SPEED_M_S / 60


def desks_of(category):
    return [d["id"] for d in DESKS if category in DESK_CATEGORIES[d["id"]]]


def choice_probabilities(zone, category, decay):
    ids = desks_of(category)
    t = np.array([car_minutes(ZONE_XY[zone], DESK_XY[j]) for j in ids])
    w = np.exp(-(t - t.min()) / decay)
    return ids, w / w.sum()


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    path = tmp_path_factory.mktemp("synthetic") / "requests.csv"
    info = synthetic_requests(path, n=N, seed=3, decay_minutes=DECAY, mode="car", referral_share=REFERRAL, unmet_share=UNMET)
    return info, read_csv(path)


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path):
    files = {}
    for name, seed in [("a", 7), ("b", 7), ("c", 8)]:
        synthetic_requests(tmp_path / f"{name}.csv", n=5000, seed=seed)
        files[name] = (tmp_path / f"{name}.csv").read_bytes()
    assert files["a"] == files["b"]
    assert files["a"] != files["c"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.csv", "b.csv", "c.csv"]  # no temporary file left


def test_result_says_synthetic_and_the_parameters(big):
    info, rows = big
    assert info["synthetic"] is True
    assert "SYNTHETIC" in info["label"] and "SINTETICI" in info["label"] and "seed 3" in info["label"]
    assert (info["n"], info["seed"], info["decay_minutes"], info["mode"]) == (N, 3, DECAY, "car")
    assert info["counts"] == dict(Counter(r["outcome"] for r in rows))
    assert sum(info["counts"].values()) == len(rows) == N


def test_schema(big):
    info, rows = big
    with open(info["path"], newline="", encoding="utf-8") as f:
        assert next(csv.reader(f)) == COLUMNS
    codes = {z["istat_code"] for z in ZONES}
    assert len(codes) == 44
    first, last = datetime.date(2024, 1, 1), datetime.date(2025, 12, 31)
    for r in rows:
        assert r["category"] in DESK_CATEGORIES[r["desk_id"]]
        assert r["residence"] in codes
        assert r["outcome"] in ("served", "referred", "unmet")
        assert (r["referred_to"] != "") == (r["outcome"] == "referred")
        if r["referred_to"]:
            assert r["referred_to"] != r["desk_id"] and r["category"] in DESK_CATEGORIES[r["referred_to"]]
        assert r["nationality_group"] in ("africa", "americas", "asia", "europe", "oceania", "unknown")
        assert first <= datetime.date.fromisoformat(r["date"]) <= last
    assert {r["residence"] for r in rows} == codes
    assert {r["category"] for r in rows} == set(CATEGORIES)
    assert "027001" in codes  # leading zero kept


def test_some_languages_no_desk_speaks(big):
    spoken = set().union(*DESK_LANGUAGES.values())
    requested = Counter(r["language"] for r in big[1])
    unmet = {lang for lang in requested if lang not in spoken}
    assert len(unmet) >= 5 and sum(requested[lang] for lang in unmet) > 0.2 * N


def test_desk_shares_follow_the_gravity_model(big):
    rows = [r for r in big[1] if r["residence"] == VENEZIA and r["category"] == "legal"]
    assert len(rows) > 10_000
    ids, p = choice_probabilities(VENEZIA, "legal", DECAY)
    counts = Counter(r["desk_id"] for r in rows)
    observed = np.array([counts[j] for j in ids])
    assert observed.sum() == len(rows)
    assert np.abs(observed / len(rows) - p).max() < 0.01
    expected = p * len(rows)
    big_cells = expected >= 5  # pool the small cells
    obs = np.append(observed[big_cells], observed[~big_cells].sum())
    exp = np.append(expected[big_cells], expected[~big_cells].sum())
    assert chisquare(obs, exp).pvalue > 1e-3


def test_decay_is_recovered_by_maximum_likelihood(big):
    """The origin-constrained model refitted on every record recovers the decay."""
    counts = defaultdict(Counter)
    for r in big[1]:
        counts[(r["residence"], r["category"])][r["desk_id"]] += 1
    cells = []
    for (zone, category), by_desk in counts.items():
        ids = desks_of(category)
        t = np.array([car_minutes(ZONE_XY[zone], DESK_XY[j]) for j in ids])
        cells.append((t, np.array([by_desk[j] for j in ids], dtype=float)))

    def negative_log_likelihood(decay):
        total = 0.0
        for t, n in cells:
            v = -(t - t.min()) / decay
            total += n @ v - n.sum() * np.log(np.exp(v).sum())
        return -total

    fit = minimize_scalar(negative_log_likelihood, bounds=(1.0, 100.0), method="bounded", options={"xatol": 1e-4})
    assert fit.x == pytest.approx(DECAY, rel=0.03)


def test_zone_shares_follow_population(big):
    counts = Counter(r["residence"] for r in big[1])
    population = np.array([float(z["population"]) for z in ZONES])
    observed = np.array([counts[z["istat_code"]] for z in ZONES])
    expected = population / population.sum() * N
    assert chisquare(observed, expected).pvalue > 1e-3
    sd = np.sqrt(expected * (1 - population / population.sum()))
    assert np.all(np.abs(observed - expected) < 5 * sd)


def test_referral_more_frequent_when_the_desk_does_not_speak_the_language(big):
    rate = {}
    for speaks in (True, False):
        rows = [r for r in big[1] if (r["language"] in DESK_LANGUAGES[r["desk_id"]]) == speaks]
        assert len(rows) > 20_000
        rate[speaks] = sum(r["outcome"] == "referred" for r in rows) / len(rows)
    assert rate[True] == pytest.approx(REFERRAL, abs=0.01)
    assert rate[False] == pytest.approx(2 * REFERRAL, abs=0.01)
    assert rate[False] > 1.5 * rate[True]
    assert sum(r["outcome"] == "unmet" for r in big[1]) / N == pytest.approx(UNMET, abs=0.005)


def test_referrals_mostly_go_to_the_nearest_other_desk(big):
    category, first = "legal", "VE-01"
    others = [j for j in desks_of(category) if j != first]
    nearest = min(others, key=lambda j: np.hypot(*(DESK_XY[j] - DESK_XY[first])))
    rows = [r for r in big[1] if r["desk_id"] == first and r["category"] == category and r["outcome"] == "referred"]
    assert len(rows) > 500
    share = sum(r["referred_to"] == nearest for r in rows) / len(rows)
    expected = 0.7 + 0.3 / len(others)
    assert share == pytest.approx(expected, abs=4 * np.sqrt(expected * (1 - expected) / len(rows)))


def test_more_requests_per_day_in_autumn_than_in_august(big):
    months = Counter(r["date"][5:7] for r in big[1])
    assert months["09"] / 30 > 1.5 * months["08"] / 31


def test_language_mix_replaces_a_group(tmp_path):
    path = tmp_path / "r.csv"
    info = synthetic_requests(path, n=20000, language_mix={"europe": {"ro": 2.0, "ka": 0.0}})
    rows = read_csv(path)
    assert {r["language"] for r in rows if r["nationality_group"] == "europe"} == {"ro"}
    assert {r["language"] for r in rows if r["nationality_group"] == "africa"} == {"fr", "en", "ar", "wo", "ti"}
    assert info["language_mix"]["europe"] == {"ro": 2.0, "ka": 0.0}


def test_no_referral_no_unmet_and_a_single_day(tmp_path):
    path = tmp_path / "r.csv"
    info = synthetic_requests(path, n=5000, referral_share=0.0, unmet_share=0.0, start="2024-02-29", end="2024-02-29")
    rows = read_csv(path)
    assert info["counts"] == {"served": 5000, "referred": 0, "unmet": 0}
    assert {r["outcome"] for r in rows} == {"served"} and {r["referred_to"] for r in rows} == {""}
    assert {r["date"] for r in rows} == {"2024-02-29"}


def test_no_records_writes_the_header(tmp_path):
    path = tmp_path / "r.csv"
    synthetic_requests(path, n=0)
    assert path.read_text() == ",".join(COLUMNS) + "\n"


@pytest.mark.parametrize("bad", [
    dict(decay_minutes=0.0), dict(decay_minutes=float("nan")), dict(n=-1), dict(mode="transit"),
    dict(referral_share=1.5), dict(referral_share=0.6, unmet_share=0.5), dict(start="2025-01-01", end="2024-01-01"),
    dict(start="2024-13-01"), dict(language_mix={"mars": {"en": 1.0}}), dict(language_mix={"asia": {"english": 1.0}}),
    dict(language_mix={"asia": {"en": 0.0}}), dict(language_mix={"asia": {"en": -1.0}}),
])
def test_bad_parameters_are_refused(tmp_path, bad):
    with pytest.raises(InputError):
        synthetic_requests(tmp_path / "r.csv", **{"n": 10, **bad})
    assert not any(tmp_path.iterdir())
