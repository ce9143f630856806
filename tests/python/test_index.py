"""FacilityIndex and coverage over arrays against numpy brute force."""

import capacitymetro as cm
import numpy as np
import pytest

CATEGORIES = ["legal", "health", "work"]


@pytest.fixture
def random_data():
    rng = np.random.default_rng(42)
    services = rng.uniform(0, 10_000, (300, 2))
    cats = [";".join(rng.choice(CATEGORIES, size=rng.integers(1, 3), replace=False)) for _ in range(300)]
    queries = rng.uniform(-1_000, 11_000, (2_000, 2))
    return services, cats, queries


def brute(services, queries):
    return np.hypot(queries[:, None, 0] - services[None, :, 0], queries[:, None, 1] - services[None, :, 1])


@pytest.mark.parametrize("k", [1, 5])
def test_k_nearest_equals_brute_force(random_data, k):
    services, cats, queries = random_data
    index = cm.FacilityIndex(services, cats)
    ids, dist = index.nearest(queries, k=k)
    expected = np.sort(brute(services, queries), axis=1)[:, :k]
    np.testing.assert_allclose(dist, expected, rtol=0, atol=1e-9)
    # the ids point at services at those distances
    np.testing.assert_allclose(np.hypot(*(services[ids] - queries[:, None, :]).transpose(2, 0, 1)), dist, atol=1e-9)


def test_category_filter_equals_brute_force(random_data):
    services, cats, queries = random_data
    index = cm.FacilityIndex(services, cats)
    mask = np.array(["health" in c.split(";") for c in cats])
    ids, dist = index.nearest(queries, k=1, category="health")
    np.testing.assert_allclose(dist[:, 0], brute(services[mask], queries).min(axis=1), atol=1e-9)
    assert all("health" in cats[i] for i in ids[:, 0])


def test_within_equals_brute_force(random_data):
    services, cats, queries = random_data
    index = cm.FacilityIndex(services, cats)
    found = index.within(queries[:200], 1_500.0)
    d = brute(services, queries[:200])
    for row, (ids, dist) in enumerate(found):
        assert sorted(ids.tolist()) == sorted(np.flatnonzero(d[row] <= 1_500.0).tolist())
        assert np.all(np.diff(dist) >= 0)


def test_fewer_services_than_k_pads_with_minus_one():
    index = cm.FacilityIndex(np.array([[0.0, 0.0], [10.0, 0.0]]))
    ids, dist = index.nearest(np.array([[1.0, 0.0]]), k=3)
    assert ids.tolist() == [[0, 1, -1]]
    assert dist[0, 2] == np.inf


def test_coverage_arrays_equals_brute_force(random_data):
    services, cats, queries = random_data
    result = cm.coverage_arrays(queries, services, cats, mode="bike", count_within_minutes=10)
    speed = 15 / 3.6  # documented bike default, 15 km/h
    times = brute(services, queries) * 1.3 / speed
    for category in CATEGORIES:
        mask = np.array([category in c.split(";") for c in cats])
        t = times[:, mask]
        np.testing.assert_allclose(result[category]["nearest_time_s"], t.min(axis=1), rtol=1e-12)
        np.testing.assert_array_equal(result[category]["count_within"], (t <= 600).sum(axis=1))
    assert set(result) == set(cm.vocabulary()[i]["id"] for i in range(11))
    assert np.all(np.isinf(result["housing"]["nearest_time_s"]))


def test_progress_callback_can_cancel():
    services = np.array([[0.0, 0.0]])
    queries = np.zeros((300_000, 2))
    seen = []

    def stop_after_first(done, total):
        seen.append((done, total))
        return False

    with pytest.raises(cm.CancelledError):
        cm.FacilityIndex(services).nearest(queries, progress=stop_after_first)
    # stopped at the first report, long before the end
    assert len(seen) == 1 and 0 < seen[0][0] < 300_000 and seen[0][1] == 300_000


def test_progress_callback_error_propagates():
    def broken(done, total):
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        cm.FacilityIndex(np.array([[0.0, 0.0]])).nearest(np.zeros((10, 2)), progress=broken)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: cm.FacilityIndex(np.zeros((3, 3))), "expected an (n, 2) array"),
        (lambda: cm.FacilityIndex(np.zeros((2, 2)), ["legal"]), "1 category lists for 2 points"),
        (lambda: cm.FacilityIndex(np.zeros((1, 2)), ["spa"]), "unknown category 'spa'"),
        (lambda: cm.FacilityIndex(np.array([[np.nan, 0.0]])), "point 0 has a non-finite coordinate"),
        (lambda: cm.FacilityIndex(np.zeros((1, 2))).nearest(np.zeros((1, 2)), k=0), "'k': must be at least 1"),
        (lambda: cm.FacilityIndex(np.zeros((1, 2))).nearest(np.zeros((1, 2)), k=-3), "'k': must be at least 1"),
        (lambda: cm.FacilityIndex(np.zeros((2, 2))).nearest(np.zeros((1, 2)), k=10**12), "neighbours for 1 points need"),
        (lambda: cm.coverage_arrays(np.zeros((1, 2)), np.zeros((1, 2)), ["legal"], mode="boat"), "'boat' is not one of"),
        (lambda: cm.coverage_arrays(np.zeros((1, 2)), np.zeros((1, 2)), ["legal"], count_within_minutes=0), "'count_within_minutes'"),
    ],
)
def test_bad_arrays_raise_input_error(call, message):
    with pytest.raises(cm.InputError) as info:
        call()
    assert message in str(info.value)
