"""Supply that knows the opening hours (``open_during``): each desk's capacity
is scaled by the share of the window it is open, desks closed for the whole
window are left out. The oracle counts the minutes of the week by hand here,
and the jobs are compared with the same jobs on a catalogue edited by hand."""

from __future__ import annotations

import csv
import sqlite3
import warnings
from pathlib import Path

import capacitymetro as cm
import numpy as np
import pytest

DATA = Path(cm.__file__).parent / "data"
WINDOW = "Mo-Fr 17:00-20:00; Sa 09:00-13:00"
WEEK_OF = "2026-11-25"  # a Wednesday: the week of Monday 23 November
DAYS = ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"]
#: desk -> opening hours; all legal help, near Mestre
HOURS = {
    "A": "Mo-Fr 09:00-18:30",  # 1.5 h of each weekday evening
    "B": "Tu,Th 16:00-21:00; Sa 10:00-12:00",  # 3 + 3 + 2
    "C": "Mo-Fr 09:00-13:00",  # never in the window
    "D": "Mo-Sa 08:00-22:00",  # the whole window
}


def open_minutes(rule_text: str) -> set:
    """Minutes of the week (0 = Monday 00:00) that ``Dd[-Dd][,Dd] HH:MM-HH:MM[,...]; ...`` says open,
    for the simple rules of this file."""
    minutes = set()
    for rule in rule_text.split(";"):
        days_text, times_text = rule.strip().split(" ")
        days = []
        for part in days_text.split(","):
            first, _, last = part.partition("-")
            days += list(range(DAYS.index(first), DAYS.index(last or first) + 1))
        for span in times_text.split(","):
            start, end = (int(t[:2]) * 60 + int(t[3:]) for t in span.split("-"))
            for day in days:
                minutes |= set(range(day * 1440 + start, day * 1440 + end))
    return minutes


def share(hours: str) -> float:
    window = open_minutes(WINDOW)
    return len(window & open_minutes(hours)) / len(window)


def catalogue(path: Path, capacity: dict, hours: dict) -> Path:
    with open(DATA / "services.csv", newline="", encoding="utf-8") as f:
        template = next(csv.DictReader(f))
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(template))
        writer.writeheader()
        for desk in capacity:
            n = "ABCD".index(desk)  # each desk at its own place, whatever the others
            writer.writerow({**template, "id": desk, "name": f"Desk {desk}", "categories": "legal",
                             "opening_hours": hours[desk], "capacity": capacity[desk],
                             "lon": 12.20 + 0.03 * n, "lat": 45.49 + 0.01 * (n % 2)})
    return path


def test_the_share_of_the_window_is_counted_by_hand():
    assert [round(share(HOURS[d]) * 19, 6) for d in "ABCD"] == [7.5, 8.0, 0.0, 19.0]  # hours of a 19-hour window


def test_accessibility_weighs_each_desk_by_its_share_and_leaves_out_the_closed(tmp_path):
    capacity = {"A": 100, "B": 60, "C": 80, "D": 40}
    given = catalogue(tmp_path / "given.csv", capacity, HOURS)
    # the same catalogue edited by hand: capacities times the shares, desk C (never open) removed
    scaled = {d: capacity[d] * share(HOURS[d]) for d in capacity if share(HOURS[d]) > 0}
    edited = catalogue(tmp_path / "edited.csv", scaled, HOURS)
    common = dict(method="2sfca", catchment_minutes=30.0, mode="car", categories=["legal"])
    with pytest.warns(cm.CapacityMetroWarning, match=r"1 desk\(s\) closed for the whole window left out \(C\)"):
        windowed = cm.accessibility(given, DATA / "town_centres.csv", "population", open_during=WINDOW,
                                    week_of=WEEK_OF, output=tmp_path / "w.gpkg", **common)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cm.CapacityMetroWarning)
        by_hand = cm.accessibility(edited, DATA / "town_centres.csv", "population", **common)
    np.testing.assert_allclose(windowed["categories"]["legal"]["access"], by_hand["categories"]["legal"]["access"],
                               rtol=1e-12)
    assert windowed["categories"]["legal"]["access"].sum() > 0
    with sqlite3.connect(tmp_path / "w.gpkg") as db:
        abstracts = [r[0] for r in db.execute("select abstract_en from capacitymetro_layers")]
    assert abstracts and all(f"'{WINDOW}' (week of 2026-11-23)" in a for a in abstracts)


def test_nearest_service_skips_the_desks_closed_in_the_window(tmp_path):
    capacity = {"A": 10, "B": 10, "C": 10, "D": 10}
    given = catalogue(tmp_path / "given.csv", capacity, HOURS)
    open_only = catalogue(tmp_path / "open.csv", {d: 10 for d in "ABD"}, HOURS)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", cm.CapacityMetroWarning)
        windowed = cm.coverage(given, DATA / "town_centres.csv", "population", mode="car", open_during=WINDOW,
                               week_of=WEEK_OF)
        by_hand = cm.coverage(open_only, DATA / "town_centres.csv", "population", mode="car")
    np.testing.assert_array_equal(windowed["coverage"]["legal"]["nearest_time_s"],
                                  by_hand["coverage"]["legal"]["nearest_time_s"])


@pytest.mark.parametrize("options, message", [
    ({"open_during": "Mo-Fr 25:00-26:00"}, "open_during"),
    ({"open_during": WINDOW, "week_of": "25/11/2026"}, "week_of"),
    ({"open_during": "Su 03:00-04:00"}, "every desk is closed"),
])
def test_a_bad_window_is_refused_with_its_parameter(tmp_path, options, message):
    given = catalogue(tmp_path / "given.csv", {"A": 10, "C": 10}, HOURS)
    with pytest.raises(cm.InputError, match=message):
        cm.accessibility(given, DATA / "town_centres.csv", "population", mode="car", **options)
