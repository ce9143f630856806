"""Writes SITE/data/open_check.json: which desks the Rust validator (the
opening-hours crate behind ``capacitymetro.is_open``) says are open at the
times the browser tests fix, so that the page is checked against the core.

Usage: python open_check.py SITE_DIR
"""

import json
import sys
from pathlib import Path

import capacitymetro as cm

#: The Europe/Rome wall times the tests use: Saturday 10:00 and Monday 15:30.
TIMES = ["2026-11-28T10:00", "2026-11-30T15:30"]


def main() -> None:
    site = Path(sys.argv[1])
    services = json.loads((site / "data" / "services.geojson").read_text(encoding="utf-8"))["features"]
    answers = {at: sorted(f["properties"]["id"] for f in services
                          if f["properties"]["opening_hours"] and cm.is_open(f["properties"]["opening_hours"], at))
               for at in TIMES}
    (site / "data" / "open_check.json").write_text(json.dumps({"answers": answers}, indent=1), encoding="utf-8")
    print({at: len(ids) for at, ids in answers.items()})


if __name__ == "__main__":
    main()
