"""PNG maps of results with PyQGIS, using the styles stored in the GeoPackage.

QGIS's Python is Debian's /usr/bin/python3, not necessarily the one running
this package, so the rendering runs there in a subprocess. Each map has a
title (Italian and English), a legend, a scale bar and the attribution.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from pathlib import Path

QGIS_PYTHON = "/usr/bin/python3"
#: land polygons of the metropolitan area (built by python/tools/build_land_mask.py); the rest is water
LAND = Path(__file__).resolve().parent / "data" / "land.geojson"
WATER_COLOUR = "#c6dff0"

#: (file name, title, layers from top to bottom as (layer, field its style draws, or None))
DEMO_MAPS = [
    ("services.png", "Servizi per categoria / Services by category", [("services", None), ("municipalities", "outline")]),
    ("coverage_30min.png", "Tempo al servizio legale più vicino / Time to the nearest legal help",
     [("services", None), ("municipalities", "legal_nearest_min")]),
    ("accessibility.png", "Accessibilità E2SFCA, aiuto legale / E2SFCA accessibility, legal help",
     [("accessibility", "legal_access")]),
    ("gaps.png", "Carenze di servizio, aiuto legale / Service gaps, legal help", [("accessibility", "legal_gap_score")]),
]

#: PyQGIS that every script gets: a style stored in the GeoPackage's
#: ``layer_styles``, found by its name or description, put on its layer.
STORED_STYLE = r'''
def apply_stored_style(layer, key, by="name"):
    from qgis.PyQt.QtXml import QDomDocument
    count, ids, names, descriptions, error = layer.listStylesInDatabase()
    keys = names if by == "name" else descriptions
    if key not in keys:
        raise SystemExit(f"{layer.name()}: no stored style with {by} {key}")
    qml, error = layer.getStyleFromDatabase(ids[keys.index(key)])
    document = QDomDocument()
    document.setContent(qml)
    ok, message = layer.importNamedStyle(document)
    if not ok:
        raise SystemExit(f"{layer.name()}: {message}")
    return names[keys.index(key)]
'''

SCRIPT = r'''
import json, sys
from qgis.core import (QgsApplication, QgsProject, QgsVectorLayer, QgsPrintLayout, QgsLayoutItemMap,
    QgsLayoutItemLegend, QgsLayoutItemScaleBar, QgsLayoutItemLabel, QgsLayoutPoint, QgsLayoutSize,
    QgsUnitTypes, QgsLayoutExporter, QgsFillSymbol, QgsSingleSymbolRenderer, QgsLegendStyle, QgsWkbTypes,
    QgsGeometry, QgsFeature, QgsRectangle, QgsCoordinateTransform, QgsCoordinateReferenceSystem)
from qgis.PyQt.QtGui import QFont

job = json.load(sys.stdin)
app = QgsApplication([], False)
app.initQgis()
with open(job["land"], encoding="utf-8") as f:
    land_collection = json.load(f)


def water_layer(project, crs, extent):
    """The lagoon and the sea: the map's extent, where the land mask covers it, less the land."""
    to_map = QgsCoordinateTransform(QgsCoordinateReferenceSystem("OGC:CRS84"), crs, project)
    covered = QgsGeometry.fromRect(QgsRectangle(*land_collection["metadata"]["extent"]))
    land = QgsGeometry.unaryUnion([f.geometry() for f in QgsVectorLayer(job["land"], "land", "ogr").getFeatures()])
    for geometry in (covered, land):
        geometry.transform(to_map)
    water = QgsGeometry.fromRect(extent).intersection(covered).difference(land)
    if water.isEmpty():
        return None
    layer = QgsVectorLayer(f"Polygon?crs={crs.authid()}", "Laguna e mare / Lagoon and sea", "memory")
    feature = QgsFeature()
    feature.setGeometry(water)
    layer.dataProvider().addFeatures([feature])
    layer.setRenderer(QgsSingleSymbolRenderer(QgsFillSymbol.createSimple(
        {"color": job["water_colour"], "outline_style": "no"})))
    return layer


written = []
for file_name, title, layers in job["maps"]:
    project = QgsProject()
    loaded = []
    for name, style in layers:
        layer = QgsVectorLayer(f"{job['gpkg']}|layername={name}", name, "ogr")
        if not layer.isValid():
            raise SystemExit(f"{job['gpkg']}: no layer {name}")
        titles = QgsVectorLayer(f"{job['gpkg']}|layername=capacitymetro_layers", "titles", "ogr")
        for row in titles.getFeatures() if titles.isValid() else ():
            if row["layer_name"] == name:
                layer.setName(f"{row['title_it']} / {row['title_en']}")
        if style == "outline":
            layer.setName("Confini comunali / Municipal boundaries")  # drawn as a base, not as its measure
            symbol = QgsFillSymbol.createSimple({"color": "245,245,240,255", "outline_color": "120,120,120,255",
                                                "outline_width": "0.2"})
            layer.setRenderer(QgsSingleSymbolRenderer(symbol))
        elif style:
            # the stored style drawing this field (its description); the legend says what the
            # layer shows, category and measure on lines of their own
            layer.setName(apply_stored_style(layer, style, by="description").replace(": ", ":/"))
        project.addMapLayer(layer)
        loaded.append(layer)
    layout = QgsPrintLayout(project)
    layout.initializeDefaults()
    page = layout.pageCollection().page(0)
    page.setPageSize(QgsLayoutSize(297, 210, QgsUnitTypes.LayoutMillimeters))
    map_item = QgsLayoutItemMap(layout)
    map_item.attemptMove(QgsLayoutPoint(8, 18, QgsUnitTypes.LayoutMillimeters))
    map_item.attemptResize(QgsLayoutSize(205, 182, QgsUnitTypes.LayoutMillimeters))
    map_item.setLayers(loaded)
    project.setCrs(loaded[-1].crs())  # metres, for the scale bar
    map_item.setCrs(loaded[-1].crs())
    extent = loaded[-1].extent()
    extent.scale(1.05)
    map_item.setExtent(extent)
    layout.addLayoutItem(map_item)
    credit_text = job["attribution"]
    water = water_layer(project, loaded[-1].crs(), map_item.extent())  # as drawn, widened to the item's shape
    if water is not None:
        # above the areas (Venezia's polygon holds the lagoon), below the points
        polygons = [i for i, layer in enumerate(loaded) if layer.geometryType() == QgsWkbTypes.PolygonGeometry]
        project.addMapLayer(water)
        loaded.insert(polygons[0] if polygons else len(loaded), water)
        map_item.setLayers(loaded)
        credit_text = f"{credit_text} Shoreline: {land_collection['metadata']['source']}.".strip()
    label = QgsLayoutItemLabel(layout)
    label.setText(title)
    label.setFont(QFont("Sans Serif", 16))
    label.attemptMove(QgsLayoutPoint(8, 5, QgsUnitTypes.LayoutMillimeters))
    label.attemptResize(QgsLayoutSize(280, 10, QgsUnitTypes.LayoutMillimeters))
    layout.addLayoutItem(label)
    legend = QgsLayoutItemLegend(layout)
    legend.setLinkedMap(map_item)
    legend.setTitle("Legenda / Legend")
    for style, size in ((QgsLegendStyle.Title, 11), (QgsLegendStyle.Subgroup, 9), (QgsLegendStyle.SymbolLabel, 7)):
        legend.setStyleFont(style, QFont("Sans Serif", size))
    legend.setWrapString("/")
    legend.attemptMove(QgsLayoutPoint(217, 18, QgsUnitTypes.LayoutMillimeters))
    layout.addLayoutItem(legend)
    scale = QgsLayoutItemScaleBar(layout)
    scale.setStyle("Single Box")
    scale.setLinkedMap(map_item)
    scale.setUnits(QgsUnitTypes.DistanceKilometers)
    scale.setUnitLabel("km")
    scale.setNumberOfSegmentsLeft(0)
    scale.setNumberOfSegments(2)
    scale.setUnitsPerSegment(10)
    scale.setHeight(2)
    scale.setBackgroundEnabled(True)  # readable over land and water alike
    scale.attemptMove(QgsLayoutPoint(160, 186, QgsUnitTypes.LayoutMillimeters))
    layout.addLayoutItem(scale)
    credit = QgsLayoutItemLabel(layout)
    credit.setText(credit_text)
    credit.setFont(QFont("Sans Serif", 7))
    credit.attemptMove(QgsLayoutPoint(8, 201, QgsUnitTypes.LayoutMillimeters))
    credit.attemptResize(QgsLayoutSize(280, 6, QgsUnitTypes.LayoutMillimeters))
    layout.addLayoutItem(credit)
    settings = QgsLayoutExporter.ImageExportSettings()
    settings.dpi = job["dpi"]
    settings.generateWorldFile = False
    settings.exportMetadata = False
    target = f"{job['out_dir']}/{file_name}"
    result = QgsLayoutExporter(layout).exportToImage(target, settings)
    if result != QgsLayoutExporter.Success:
        raise SystemExit(f"{target}: export failed ({result})")
    written.append(target)
print(json.dumps(written), flush=True)
import os
os._exit(0)  # QGIS's exit can crash while layers are alive; everything is written
'''


def qgis_available() -> bool:
    """Whether QGIS's Python (PyQGIS) is installed."""
    if not Path(QGIS_PYTHON).exists():
        return False
    return subprocess.run([QGIS_PYTHON, "-c", "import qgis.core"], capture_output=True).returncode == 0


def run_pyqgis(script: str, job: dict, timeout: int = 600) -> subprocess.CompletedProcess:
    """Runs ``script`` in QGIS's Python, headless, with a scratch profile and
    ``job`` as JSON on its standard input (a job may be longer than a
    command-line argument can be); ``apply_stored_style`` is defined for it."""
    with tempfile.TemporaryDirectory() as profile:
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen", QGIS_CUSTOM_CONFIG_PATH=profile)
        env.pop("PYTHONPATH", None)  # this package's Python, not QGIS's
        return subprocess.run([QGIS_PYTHON, "-c", STORED_STYLE + script], input=json.dumps(job), capture_output=True,
                              text=True, env=env, timeout=timeout)


def render_maps(gpkg: str | Path, out_dir: str | Path, maps=None, attribution: str = "",
                dpi: int = 96) -> list[str]:
    """Renders PNG maps of layers of ``gpkg`` (default: the demo's four) into ``out_dir``."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    job = {"gpkg": str(Path(gpkg).resolve()), "out_dir": str(out_dir.resolve()), "maps": maps or DEMO_MAPS,
           "attribution": attribution, "dpi": dpi, "land": str(LAND), "water_colour": WATER_COLOUR}
    done = run_pyqgis(SCRIPT, job)
    if done.returncode != 0:
        raise RuntimeError(f"map rendering failed: {done.stderr.strip()[-1500:] or done.returncode}")
    return json.loads(done.stdout.strip().splitlines()[-1])
