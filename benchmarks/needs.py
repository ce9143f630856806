"""The needs analysis on one million request records against a pandas
groupby of the same aggregations (the peer).

Records: ``capacitymetro.synthetic.synthetic_requests`` (seed 1, 1,000,000
records over the demo's 44 municipalities and 45 desks, 2024-2025); writing
them is not timed. Timed, best of three:

- capacitymetro: the whole ``capacitymetro.needs`` call (read and validate the
  CSV, travel times, every aggregation, the disclosure rule, the decay fit;
  no output file), with the core's own split of the time;
- pandas: ``read_csv`` then the same counts as group-bys (zone x category,
  desk x category, zone x category x desk, zone x category x outcome,
  zone x category x language, desk x category x referred_to, desk x category
  x month); no validation, no suppression, no fit.

Target: the core under 2 s. Writes benchmarks/results-needs.md and prints it.
"""

from __future__ import annotations

import platform
import tempfile
import time
from pathlib import Path

import capacitymetro as cm
import pandas as pd
from capacitymetro.demo import MUNICIPALITIES, SERVICES, TOWN_CENTRES
from capacitymetro.synthetic import synthetic_requests

HERE = Path(__file__).resolve().parent
RECORDS = 1_000_000


def best(run, times: int = 3) -> tuple[float, object]:
    results = []
    for _ in range(times):
        started = time.perf_counter()
        value = run()
        results.append((time.perf_counter() - started, value))
    return min(results, key=lambda r: r[0])


def with_pandas(path: Path) -> dict:
    frame = pd.read_csv(path, dtype={"residence": str})
    frame["month"] = frame["date"].str.slice(0, 7)
    keys = [["residence", "category"], ["desk_id", "category"], ["residence", "category", "desk_id"],
            ["residence", "category", "outcome"], ["residence", "category", "language"],
            ["desk_id", "category", "referred_to"], ["desk_id", "category", "month"]]
    return {tuple(k): frame.groupby(k, dropna=False).size() for k in keys}


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "requests.csv"
        synthetic_requests(path, n=RECORDS, seed=1)
        core_s, result = best(lambda: cm.needs(path, SERVICES, TOWN_CENTRES, population_field="population",
                                               id_field="istat_code", display_polygons=MUNICIPALITIES,
                                               display_polygons_key="istat_code", mode="car"))
        pandas_s, groups = best(lambda: with_pandas(path))
    zone_category = groups[("residence", "category")]
    checked = sum(1 for z in result["zones"] if z["requests"] is not None
                  and zone_category[(z["zone"], z["category"])] == z["requests"])
    split = ", ".join(f"{k} {v:.3f} s" for k, v in result["timings_s"].items())
    lines = [
        "# Needs analysis: 1,000,000 request records",
        "",
        f"{platform.processor() or platform.machine()}, capacitymetro {cm.__version__}, pandas {pd.__version__}; "
        "best of three.",
        "",
        "| tool | what | time (s) |",
        "|---|---|---|",
        f"| capacitymetro | read, validate, travel times, every analysis, disclosure rule, decay fit | {core_s:.2f} |",
        f"| pandas | read_csv and seven group-bys (no validation, suppression or fit) | {pandas_s:.2f} |",
        "",
        f"Ratio pandas / capacitymetro: {pandas_s / core_s:.2f}. Core split: {split}.",
        f"Published zone x category counts equal to pandas': {checked} of "
        f"{sum(1 for z in result['zones'] if z['requests'] is not None)}. "
        f"Decay fitted: {result['decay']['decay_minutes']:.2f} min (generator: 15).",
    ]
    text = "\n".join(lines) + "\n"
    (HERE / "results-needs.md").write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
