"""Running the plugin in Debian's QGIS 3.22, headless: qgis_process.bin with a
scratch profile, the plugin on QGIS_PLUGINPATH and the core (unpacked from the
project's wheel by the Makefile) on PYTHONPATH."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import capacitymetro as cm
import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "python"))
from data_fixtures import helsinki_pbf  # noqa: E402,F401  (shared fixture)

QGIS_PROCESS = shutil.which("qgis_process.bin")
CORE_SITE = ROOT / ".build" / "qgis-site.d"
#: The plugin zip `make plugin` builds; CAPACITYMETRO_PLUGIN_ZIP names one built elsewhere.
PLUGIN_ZIP = Path(os.environ.get("CAPACITYMETRO_PLUGIN_ZIP")
                  or ROOT / "dist" / f"capacitymetro-qgis-{cm.__version__}.zip")
DATA = ROOT / "python" / "capacitymetro" / "data"

if QGIS_PROCESS is None:
    pytest.skip("QGIS (qgis_process.bin) is not installed; `make test` installs it", allow_module_level=True)


def qgis_env(profile: Path, plugins: Path | None = ROOT / "qgis_plugin", core: bool = True, locale: str = "en"):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", QGIS_CUSTOM_CONFIG_PATH=str(profile), LC_ALL="C.UTF-8")
    env.pop("PYTHONPATH", None)
    if plugins is not None:
        env["QGIS_PLUGINPATH"] = str(plugins)
    if core:
        env["PYTHONPATH"] = str(CORE_SITE)
    settings = profile / "profiles" / "default" / "QGIS" / "QGIS3.ini"
    settings.parent.mkdir(parents=True, exist_ok=True)
    settings.write_text(f"[locale]\noverrideFlag=true\nuserLocale={locale}\n")
    return env


def qgis_process(env, *args, check=True, timeout=300):
    result = subprocess.run([QGIS_PROCESS, *map(str, args)], env=env, capture_output=True, text=True, timeout=timeout)
    if check and result.returncode != 0:
        raise AssertionError(f"qgis_process {' '.join(map(str, args[:2]))} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return result


@pytest.fixture(scope="session")
def qgis(tmp_path_factory):
    """Runs `capacitymetro:<algorithm>` with parameters; returns the completed process."""
    env = qgis_env(tmp_path_factory.mktemp("profile"))
    qgis_process(env, "plugins", "enable", "capacitymetro")

    def run(algorithm, **parameters):
        return qgis_process(env, "run", f"capacitymetro:{algorithm}", "--",
                            *[f"{k}={v}" for k, v in parameters.items()])
    run.env = env
    return run


def to_gpkg(source: Path, target: Path, epsg: int = 4326) -> Path:
    subprocess.run(["ogr2ogr", "-f", "GPKG", "-s_srs", "EPSG:4326", "-t_srs", f"EPSG:{epsg}", "-oo",
                    "X_POSSIBLE_NAMES=lon", "-oo", "Y_POSSIBLE_NAMES=lat", "-nln", source.stem, str(target),
                    str(source)], check=True)
    return target


@pytest.fixture(scope="session")
def demo_gpkg(tmp_path_factory):
    """The demo services and town centres as GeoPackages, in EPSG:4326 and EPSG:3003."""
    folder = tmp_path_factory.mktemp("demo")
    return {epsg: (to_gpkg(DATA / "services.csv", folder / f"services_{epsg}.gpkg", epsg),
                   to_gpkg(DATA / "town_centres.csv", folder / f"centres_{epsg}.gpkg", epsg))
            for epsg in (4326, 3003)}


def rows(path: Path, sql: str):
    with sqlite3.connect(path) as db:
        return db.execute(sql).fetchall()


def population(value: float) -> str:
    """Residents as the plugin's log (and the CLI) writes them."""
    return f"{value:,.0f}".replace(",", " ")
