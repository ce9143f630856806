"""The public page (the "bussola"): a static folder any web server can host.

``publish_web`` makes the public copy of a results GeoPackage (the same
privacy step as the WMS publishing), has the core write the page's data from
it (desks, places, travel-time grids from the cost model in use), copies the
page itself (built from ``web/`` and shipped in this package, so no Node is
needed), opens the page's Content-Security-Policy to the configured basemap
and WMS hosts only, and writes an ``<iframe>`` snippet for a CMS page.

It writes only files it owns: ``data/`` (replaced as a whole), the page's
own files (overwritten), ``embed.html``; anything else in the folder stays.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path
from typing import Any, Callable, Optional
from urllib.parse import urlsplit

from .. import _core
from .privacy import PublishError, public_copy

#: The built page, shipped inside the package (see the Makefile's web-build).
ASSETS = Path(__file__).resolve().parent.parent / "site"
DEMO_PLACES = Path(__file__).resolve().parent.parent / "data" / "places.csv"
EMBED = """<!-- CapaCityMetro: the public page, embedded -->
<iframe src="{url}" title="{title}" style="width:100%;height:80vh;border:0" loading="lazy"
        allow="geolocation" referrerpolicy="no-referrer"></iframe>
"""


def _origin(url: str) -> str:
    parts = urlsplit(url.replace("{", "").replace("}", ""))
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise PublishError(f"'{url}' is not an http(s) URL")
    return f"{parts.scheme}://{parts.netloc}"


def _allow_hosts(index_html: Path, origins: list[str]) -> None:
    """Adds the basemap and WMS origins to the CSP's img-src (tiles are images)."""
    if not origins:
        return
    text = index_html.read_text(encoding="utf-8")
    text, found = re.subn(r"(img-src [^;\"]*)", lambda m: m.group(1) + " " + " ".join(origins), text, count=1)
    if not found:
        raise PublishError(f"{index_html}: no img-src in the Content-Security-Policy")
    index_html.write_text(text, encoding="utf-8")


def publish_web(results: str | Path, output_dir: str | Path, *, threshold: float = 10,
                site_url: str = "https://example.org/bussola/", progress: Optional[Callable[[int, int], Any]] = None,
                **options: Any) -> dict:
    """Writes the public page for ``results`` into ``output_dir``. Options
    are the core's (``job_specs()`` "web_data": mode, network, max_minutes,
    cell_m, places, boundaries, title, basemap_url, wms_url, ...); places
    default to the embedded municipalities and localities. Returns the
    core's report with ``output_dir`` and ``embed``."""
    if not (ASSETS / "index.html").exists():
        raise PublishError(f"the page is not built ({ASSETS} is empty): run `make web-build`")
    output_dir = Path(output_dir)
    options.setdefault("places", DEMO_PLACES)
    with tempfile.TemporaryDirectory(prefix=".capacitymetro-", dir=output_dir.parent if output_dir.parent.exists()
                                     else None) as scratch:
        public = Path(scratch) / "public.gpkg"
        privacy = public_copy(results, public, threshold)
        report = _core.web_data(public, output_dir, progress=progress, **options)
    for item in ASSETS.iterdir():
        target = output_dir / item.name
        if item.is_dir():
            shutil.copytree(item, target, dirs_exist_ok=True)
        else:
            shutil.copyfile(item, target)
    _allow_hosts(output_dir / "index.html", sorted({_origin(u) for u in report["image_hosts"]}))
    title = options.get("title") or "CapaCityMetro"
    (output_dir / "embed.html").write_text(EMBED.format(url=site_url, title=title), encoding="utf-8")
    return {**report, "output_dir": str(output_dir), "embed": str(output_dir / "embed.html"),
            "left_out": privacy["left_out"]}
