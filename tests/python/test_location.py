"""Exact location models against spopt (PuLP + CBC) as a peer, and spopt's
own San Francisco test case through the siting job's matrix input.

Brute force over every set of sites is the oracle in tests/location.rs;
here a second solver must reach the same optimum on the same instances.
spopt 0.8.0 needs Python 3.12, so the peer is 0.7.0, whose models and San
Francisco tests are the same.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

import capacitymetro
import numpy as np
import pytest

spopt_locate = pytest.importorskip("spopt.locate", reason="spopt (the test peer) is not installed")
pulp = pytest.importorskip("pulp")

ROOT = Path(__file__).resolve().parents[2]
SF_DATA = Path(os.environ.get("SPOPT_DATA", ROOT / ".build" / "spopt-data"))


def _cbc():
    return pulp.PULP_CBC_CMD(msg=False)


def _instance(seed: int):
    rng = np.random.default_rng(seed)
    units, candidates = int(rng.integers(15, 40)), int(rng.integers(5, 12))
    cost = rng.uniform(0.0, 3600.0, size=(units, candidates)).round()
    weights = rng.integers(1, 1000, size=units).astype(float)
    p = int(rng.integers(1, 4))
    capacity = rng.integers(200, 4000, size=candidates).astype(float)
    return cost, weights, p, capacity


def _ours(cost, weights, **options):
    i, j = np.nonzero(np.isfinite(cost))
    return capacitymetro.location_arrays(i.astype(np.int64), j.astype(np.int64), cost[i, j], weights,
                                         cost.shape[1], **options)


@pytest.mark.parametrize("seed", range(25))
def test_the_same_optimum_as_spopt_on_random_instances(seed):
    cost, weights, p, capacity = _instance(seed)
    cutoff = 1500.0
    mclp = spopt_locate.MCLP.from_cost_matrix(cost, weights, cutoff, p).solve(_cbc())
    ours = _ours(cost, weights, model="mclp", new_sites=p, cutoff_s=cutoff)
    assert ours["proven_optimal"]
    covered = weights[(cost[:, ours["sites"]] <= cutoff).any(axis=1)].sum()
    assert ours["objective"] == pytest.approx(covered)
    assert ours["objective"] == pytest.approx(pulp.value(mclp.problem.objective))

    coverable = (cost <= cutoff).any(axis=1)
    lscp = spopt_locate.LSCP.from_cost_matrix(cost[coverable], cutoff).solve(_cbc())
    ours = _ours(cost, weights, model="lscp", cutoff_s=cutoff)
    assert ours["objective"] == pytest.approx(pulp.value(lscp.problem.objective))
    assert ((cost[coverable][:, ours["sites"]] <= cutoff).any(axis=1)).all()

    pmedian = spopt_locate.PMedian.from_cost_matrix(cost, weights, p).solve(_cbc())
    ours = _ours(cost, weights, model="pmedian", new_sites=p, unreached_cost_s=1e9)
    assert ours["objective"] == pytest.approx((weights * cost[:, ours["sites"]].min(axis=1)).sum())
    assert ours["objective"] == pytest.approx(pulp.value(pmedian.problem.objective), rel=1e-6)

    # capacities large enough for every unit to be served (spopt has no "unserved")
    capacity = capacity * weights.sum() / capacity.min() / p
    capacitated = spopt_locate.PMedian.from_cost_matrix(cost, weights, p, facility_capacities=capacity).solve(_cbc())
    ours = _ours(cost, weights, capacity=capacity, model="capacitated_pmedian", new_sites=p, unreached_cost_s=1e9)
    assert ours["proven_optimal"]
    assert ours["objective"] == pytest.approx(pulp.value(capacitated.problem.objective), rel=1e-6)


def test_a_tight_capacity_changes_the_answer_and_is_kept():
    cost, weights, p, _ = _instance(3)
    free = _ours(cost, weights, model="pmedian", new_sites=p, unreached_cost_s=1e9)
    tight = np.full(cost.shape[1], weights.sum() / p * 1.05)
    bound = _ours(cost, weights, capacity=tight, model="capacitated_pmedian", new_sites=p, unreached_cost_s=1e9)
    assert bound["objective"] >= free["objective"] - 1e-6
    assert all(served <= tight[0] + 1e-6 for served in bound["served"])
    assert sum(bound["served"]) == pytest.approx(weights.sum())


def test_a_time_limit_keeps_an_answer_and_says_so():
    rng = np.random.default_rng(11)
    cost = rng.uniform(0.0, 3600.0, size=(400, 60))
    weights = rng.integers(1, 1000, size=400).astype(float)
    ours = _ours(cost, weights, model="pmedian", new_sites=8, unreached_cost_s=1e9, time_limit_s=0.01)
    assert len(ours["sites"]) == 8
    assert ours["objective"] <= ours["heuristic_objective"] + 1e-6
    assert ours["objective"] == pytest.approx((weights * cost[:, ours["sites"]].min(axis=1)).sum())
    # the answer says how it was reached, and a stopped search says how far from proven it is
    assert ours["proven_optimal"] == (ours["method"] == "exact")
    if ours["method"] == "time_limit":
        assert ours["mip_gap"] > 0
    elif ours["method"] == "heuristic":
        assert ours["sites"] == ours["heuristic_sites"]


def test_bad_options_are_input_errors():
    cost, weights, p, _ = _instance(1)
    with pytest.raises(capacitymetro.InputError, match="model"):
        _ours(cost, weights, model="pcenter")
    with pytest.raises(capacitymetro.InputError, match="new_sites"):
        _ours(cost, weights, model="pmedian", new_sites=cost.shape[1] + 1)
    with pytest.raises(capacitymetro.InputError, match="capacity"):
        _ours(cost, weights, model="capacitated_pmedian", new_sites=1)


# --- spopt's San Francisco case (205 tracts, 16 candidate stores, network distances in metres) ---

@pytest.fixture(scope="module")
def san_francisco(tmp_path_factory):
    files = ["SF_network_distance_candidateStore_16_censusTract_205_new.csv",
             "SF_demand_205_centroid_uniform_weight.csv", "SF_store_site_16_longlat.csv"]
    if not all((SF_DATA / f).exists() for f in files):
        pytest.skip(f"spopt's San Francisco data is not in {SF_DATA} (make test extracts it from spopt's sdist)")
    folder = tmp_path_factory.mktemp("sf")
    with (SF_DATA / files[1]).open() as f:
        tracts = list(csv.DictReader(f))
    with (SF_DATA / files[2]).open() as f:
        stores = list(csv.DictReader(f))
    demand = folder / "tracts.csv"
    with demand.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["id", "population", "lon", "lat"])
        writer.writerows([t["NAME"], t["POP2000"], t["long"], t["lat"]] for t in tracts)
    candidates = folder / "stores.csv"
    with candidates.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["id", "lon", "lat"])
        writer.writerows([s["NAME"], s["long"], s["lat"]] for s in stores)
    # the desks of another category, so the suggested sites start from nothing
    services = folder / "services.csv"
    with services.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["id", "name", "categories", "languages", "opening_hours", "municipality_istat", "lon", "lat"])
        writer.writerow(["SF-1", "Elsewhere", "health", "en", "Mo-Fr 09:00-17:00", "027042", "-122.45", "37.75"])
    # the network distances (metres) as the matrix's cost, read as "seconds": every cut-off below is in metres too
    matrix = folder / "matrix.csv"
    with (SF_DATA / files[0]).open() as f, matrix.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["origin_id", "destination_id", "cost"])
        writer.writerows([row["DestinationName"], row["name"], row["distance"]] for row in csv.DictReader(f))
    population = {t["NAME"]: float(t["POP2000"]) for t in tracts}
    return {"demand": demand, "candidates": candidates, "services": services, "matrix": matrix,
            "population": population, "tracts": len(tracts)}


def _sf_sites(sf, model, **options):
    return capacitymetro.suggest_sites(
        sf["services"], sf["demand"], "population", "legal", candidates=sf["candidates"], candidates_id_field="id",
        id_field="id", matrix=sf["matrix"], model=model, **options)


def test_san_francisco_mclp_covers_what_spopts_test_asserts(san_francisco):
    # spopt's test_mclp: service radius 5,000 m, 4 facilities: 21 tracts uncovered, 89.756 % covered
    result = _sf_sites(san_francisco, "mclp", new_sites=4, covered_within_minutes=5000 / 60)
    assert result["solution"]["proven_optimal"]
    assert len(result["sites"]) == 4
    matrix, tracts, stores = _sf_matrix(san_francisco)
    covered = (matrix[:, [stores[s] for s in result["sites"]]] <= 5000).any(axis=1)
    assert san_francisco["tracts"] - covered.sum() == 21
    assert 100 * covered.sum() / san_francisco["tracts"] == pytest.approx(89.75609756097561)
    population = np.array([san_francisco["population"][t] for t in tracts])
    assert result["covered_after"] == pytest.approx(population[covered].sum())


def test_san_francisco_pmedian_mean_distance_is_spopts(san_francisco):
    # spopt's test_p_median: 4 facilities, mean distance 2,982.1268579890657 m
    # every tract within 86,400 m of every store: nothing counts as unreached
    result = _sf_sites(san_francisco, "pmedian", new_sites=4, unreached_minutes=1440)
    assert result["solution"]["unreachable_population"] == 0
    assert result["solution"]["proven_optimal"]
    assert result["solution"]["mean_minutes"] * 60 == pytest.approx(2982.1268579890657, rel=1e-9)


def test_san_francisco_lscp_needs_as_many_sites_as_spopt_finds(san_francisco):
    # spopt's test_lscp only asserts optimality at 5,000 m: its objective is computed here, in the same run
    matrix, _, stores = _sf_matrix(san_francisco)
    lscp = spopt_locate.LSCP.from_cost_matrix(matrix, 5000.0).solve(_cbc())
    result = _sf_sites(san_francisco, "lscp", covered_within_minutes=5000 / 60)
    assert result["solution"]["proven_optimal"]
    assert len(result["sites"]) == pulp.value(lscp.problem.objective)
    assert (matrix[:, [stores[s] for s in result["sites"]]] <= 5000).any(axis=1).all()


def _sf_matrix(sf) -> tuple[np.ndarray, list[str], dict[str, int]]:
    """spopt's pivot: tracts and stores sorted by name (as text), distances in metres; the tracts' order and
    each store's column."""
    with sf["matrix"].open() as f:
        rows = list(csv.DictReader(f))
    tracts = sorted({r["origin_id"] for r in rows})
    stores = {name: j for j, name in enumerate(sorted({r["destination_id"] for r in rows}))}
    matrix = np.full((len(tracts), len(stores)), np.inf)
    row_of = {t: i for i, t in enumerate(tracts)}
    for r in rows:
        matrix[row_of[r["origin_id"]], stores[r["destination_id"]]] = float(r["cost"])
    return matrix, tracts, stores
