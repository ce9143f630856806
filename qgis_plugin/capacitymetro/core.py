"""Finding the CapaCityMetro core library for QGIS's Python.

The plugin folder is itself named ``capacitymetro``, so the core package
(of the same name) is loaded under the alias ``capacitymetro_core``: from the
copy bundled in the plugin zip (``_vendor/``) or from a wheel installed for
QGIS's Python. A missing core or one of another version gives one message.
"""

from __future__ import annotations

import configparser
import importlib.util
import sys
from pathlib import Path
from typing import Optional, Tuple

HERE = Path(__file__).resolve().parent
ALIAS = "capacitymetro_core"


def metadata() -> configparser.SectionProxy:
    parser = configparser.ConfigParser()
    parser.read(HERE / "metadata.txt", encoding="utf-8")
    return parser["general"]


def plugin_version() -> str:
    return metadata()["version"]


#: Where the Help buttons lead: the README's QGIS plugin section, as the HTML
#: page the plugin zip carries (offline, of the installed version); from a
#: source checkout, the project's address in metadata.txt.
HELP_URL = ((HERE / "help" / "index.html").as_uri() if (HERE / "help" / "index.html").exists()
            else metadata()["repository"]) + "#qgis-plugin"


def _candidates():
    yield HERE / "_vendor" / "capacitymetro"
    for entry in sys.path:
        folder = Path(entry or ".") / "capacitymetro"
        if folder.resolve() != HERE and (folder / "__init__.py").exists():
            yield folder


def load_core() -> Tuple[Optional[object], Optional[str]]:
    """The core module, or None and the message to show."""
    if ALIAS in sys.modules:
        return sys.modules[ALIAS], None
    for folder in _candidates():
        if not any(folder.glob("_core*.so")):
            continue
        spec = importlib.util.spec_from_file_location(ALIAS, folder / "__init__.py",
                                                      submodule_search_locations=[str(folder)])
        module = importlib.util.module_from_spec(spec)
        sys.modules[ALIAS] = module
        try:
            spec.loader.exec_module(module)
        except ImportError as error:
            del sys.modules[ALIAS]
            return None, (f"CapaCityMetro: the core library at {folder} cannot be loaded ({error}). "
                          "Install the plugin zip that bundles it, or the capacitymetro wheel for QGIS's Python.")
        if module.__version__ != plugin_version():
            del sys.modules[ALIAS]
            return None, (f"CapaCityMetro: the core library is version {module.__version__}, the plugin needs "
                          f"{plugin_version()}. Install the matching capacitymetro wheel or the plugin zip.")
        return module, None
    return None, ("CapaCityMetro: the core library is missing. Install the plugin zip that bundles it "
                  "(Plugins > Install from ZIP), or the capacitymetro wheel for QGIS's Python "
                  "(/usr/bin/python3 -m pip install capacitymetro-*.whl).")
