"""Accessibility, gaps and new sites against PySAL access and independent computations."""

import csv

import capacitymetro as cm
import numpy as np
import pandas as pd
import pyproj
import pytest

access_package = pytest.importorskip("access", reason="PySAL access is installed by the Makefile")
from access import Access, weights  # noqa: E402


def random_case(seed, n=120, m=30):
    rng = np.random.default_rng(seed)
    i, j = np.meshgrid(np.arange(n), np.arange(m), indexing="ij")
    cost_min = rng.uniform(0.5, 60, (n, m))
    keep = rng.uniform(size=(n, m)) < 0.7  # a sparse table
    return (i[keep], j[keep], cost_min[keep], rng.uniform(1, 50, m), rng.uniform(0, 1000, n))


def with_access(i, j, cost_min, supply, demand, method, weight_fn, max_cost):
    demand_df = pd.DataFrame({"geoid": np.arange(len(demand)), "pop": demand})
    supply_df = pd.DataFrame({"sid": np.arange(len(supply)), "cap": supply})
    cost_df = pd.DataFrame({"origin": i, "dest": j, "cost": cost_min})
    a = Access(demand_df=demand_df, demand_index="geoid", demand_value="pop", supply_df=supply_df,
               supply_index="sid", supply_value="cap", cost_df=cost_df, cost_origin="origin", cost_dest="dest",
               cost_name="cost")
    run = {"2sfca": a.two_stage_fca, "e2sfca": a.enhanced_two_stage_fca, "3sfca": a.three_stage_fca}[method]
    kwargs = {"max_cost": max_cost} if max_cost is not None else {}
    if weight_fn is not None:
        kwargs["weight_fn"] = weight_fn
    result = run(name="x", **kwargs)
    return result["x_cap"].reindex(np.arange(len(demand))).fillna(0).to_numpy()


def decay_options(decay):
    """The old ``power:-1`` spec as options: weight t^-1 (in minutes, as PySAL's gravity weights)."""
    return {} if decay is None else {"decay": "power", "decay_exponent": -1.0, "decay_minutes": 0.0}


@pytest.mark.parametrize(
    "method, decay, weight_fn, max_cost",
    [
        ("2sfca", None, None, 30),
        ("2sfca", "power:-1", weights.gravity(1, -1), 45),
        ("e2sfca", None, None, None),
        ("3sfca", "power:-1", weights.gravity(1, -1), 45),
    ],
)
def test_indices_equal_pysal_access(method, decay, weight_fn, max_cost):
    for seed in range(3):
        i, j, cost_min, supply, demand = random_case(seed)
        expected = with_access(i, j, cost_min, supply, demand, method, weight_fn, max_cost)
        ours = cm.accessibility_arrays(i, j, cost_min * 60, supply, demand, method=method,
                                       catchment_minutes=max_cost or 30, **decay_options(decay))["access"]
        np.testing.assert_allclose(ours, expected, rtol=1e-9, atol=1e-12)


def test_gaussian_and_exponential_decays_conserve_supply():
    i, j, cost_min, supply, demand = random_case(4)
    for decay, minutes in (("gaussian", 15), ("exponential", 10), ("linear", 60)):
        result = cm.accessibility_arrays(i, j, cost_min * 60, supply, demand, method="gravity", catchment_minutes=60,
                                         decay=decay, decay_minutes=minutes)
        reached = supply[result["ratio"] > 0].sum()
        assert (result["access"] * demand).sum() == pytest.approx(reached, rel=1e-12)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"supply": np.array([0.0, 1.0])}, "service 0 has capacity 0"),
        ({"demand": np.zeros(3)}, "every population is zero"),
        ({"catchment_minutes": 0.0}, "must be greater than 0"),
        ({"decay": "cubic"}, "'cubic' is not one of default, uniform"),
        ({"method": "4sfca"}, "'4sfca' is not one of 2sfca, e2sfca, 3sfca, gravity"),
        ({"method": "e2sfca", "catchment_minutes": 45.0}, "E2SFCA's catchment is its last step"),
        ({"method": "e2sfca", "decay": "gaussian"}, "E2SFCA weighs by its steps"),
    ],
)
def test_bad_arrays(kwargs, message):
    args = dict(demand_index=np.array([0, 1, 2]), service_index=np.array([0, 1, 1]), cost_s=np.array([60.0, 60, 60]),
                supply=np.array([1.0, 2.0]), demand=np.array([1.0, 2.0, 3.0]))
    args.update(kwargs)
    with pytest.raises(cm.InputError, match=message):
        cm.accessibility_arrays(**args)


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def demo_arrays(demo_data, category):
    to_utm = pyproj.Transformer.from_crs(4326, 32633, always_xy=True)
    services = [s for s in read_csv(demo_data / "services.csv") if category in s["categories"].split(";")]
    centres = read_csv(demo_data / "town_centres.csv")
    sxy = np.array(to_utm.transform([float(s["lon"]) for s in services], [float(s["lat"]) for s in services])).T
    dxy = np.array(to_utm.transform([float(c["lon"]) for c in centres], [float(c["lat"]) for c in centres])).T
    seconds = np.hypot(dxy[:, None, 0] - sxy[None, :, 0], dxy[:, None, 1] - sxy[None, :, 1]) * 1.3 / (30 / 3.6)
    return seconds, np.array([float(s["capacity"]) for s in services]), np.array([float(c["population"]) for c in centres])


def test_demo_2sfca_and_gaps_equal_numpy(tmp_path, demo_data):
    result = cm.accessibility(demo_data / "services.csv", demo_data / "town_centres.csv", "population",
                              id_field="istat_code", name_field="name", mode="car", method="2sfca", catchment_minutes=30, categories=["legal"],
                              output=tmp_path / "access.gpkg")
    seconds, capacity, population = demo_arrays(demo_data, "legal")
    inside = seconds <= 1800
    in_reach = (population[:, None] * inside).sum(axis=0)
    ratio = np.divide(capacity, in_reach, out=np.zeros_like(capacity), where=in_reach > 0)
    expected = (inside * ratio[None, :]).sum(axis=1)
    got = result["categories"]["legal"]
    np.testing.assert_allclose(got["access"], expected, rtol=1e-12)
    unserved = np.where(inside.any(axis=1), 0, population)
    np.testing.assert_allclose(got["unserved"], unserved)
    # lowest fifth of the population by accessibility
    order = np.argsort(expected, kind="stable")
    threshold = expected[order][np.searchsorted(np.cumsum(population[order]), 0.2 * population.sum())]
    np.testing.assert_allclose(got["low_access"], np.where(expected <= threshold, population, 0))
    score = unserved + 0.5 * np.where(inside.any(axis=1) & (expected <= threshold), population, 0)
    np.testing.assert_allclose(got["gap_score"], score)
    zones = got["by_zone"]
    assert [z[3] for z in zones] == sorted((z[3] for z in zones), reverse=True)
    assert (tmp_path / "access.gpkg").exists()


def test_demo_suggested_sites_cover_what_they_say(demo_data):
    result = cm.suggest_sites(demo_data / "services.csv", demo_data / "town_centres.csv", "population", "asylum",
                              id_field="istat_code", name_field="name", mode="car", covered_within_minutes=30, new_sites=3)
    to_utm = pyproj.Transformer.from_crs(4326, 32633, always_xy=True)
    seconds, _, population = demo_arrays(demo_data, "asylum")
    centres = read_csv(demo_data / "town_centres.csv")
    dxy = np.array(to_utm.transform([float(c["lon"]) for c in centres], [float(c["lat"]) for c in centres])).T
    covered = (seconds <= 1800).any(axis=1)
    assert result["covered_before"] == pytest.approx(population[covered].sum())
    site_xy = np.array(result["xy"])
    to_sites = np.hypot(dxy[:, None, 0] - site_xy[None, :, 0], dxy[:, None, 1] - site_xy[None, :, 1]) * 1.3 / (30 / 3.6)
    after = covered | (to_sites <= 1800).any(axis=1)
    assert result["covered_after"] == pytest.approx(population[after].sum())
    assert sum(result["gains"]) == pytest.approx(result["covered_after"] - result["covered_before"])
    assert len(result["sites"]) == 3 and result["covered_after"] > result["covered_before"]


def test_siting_bad_requests(demo_data):
    with pytest.raises(cm.InputError, match="45 sites asked for, but only 44 candidates"):
        cm.suggest_sites(demo_data / "services.csv", demo_data / "town_centres.csv", "population", "legal", new_sites=45)
    with pytest.raises(cm.InputError, match="'covered_within_minutes'"):
        cm.suggest_sites(demo_data / "services.csv", demo_data / "town_centres.csv", "population", "legal", covered_within_minutes=0)
