"""Write the plugin's offline help: README.md as one HTML page, with its images.

The Help button of every algorithm opens this page at the QGIS plugin section,
so the help matches the installed version and needs no network.

Usage: ``python plugin_help.py README.md OUT_DIR`` (needs the ``markdown`` package).
"""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

import markdown

PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>CapaCityMetro</title>
<style>body{{font-family:sans-serif;max-width:52em;margin:1em auto;padding:0 1em;line-height:1.45}}
pre{{background:#f4f4f4;padding:.6em;overflow-x:auto}}table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:.2em .5em}}img{{max-width:100%}}</style></head>
<body>{body}</body></html>
"""


def main(readme: Path, out_dir: Path) -> None:
    text = readme.read_text(encoding="utf-8")
    body = markdown.markdown(text, extensions=["toc", "tables", "fenced_code"])
    out_dir.mkdir(parents=True, exist_ok=True)
    for image in sorted(set(re.findall(r'<img[^>]* src="([^":]+)"', body))):
        target = out_dir / image
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(readme.parent / image, target)
    (out_dir / "index.html").write_text(PAGE.format(body=body), encoding="utf-8")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
