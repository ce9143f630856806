"""Keeping the catalogue in QGIS: a catalogue made by ``create_catalogue``
opened in PyQGIS (QGIS's own Python, a subprocess) with the plugin's
catalogue support started as the plugin starts it. The form configuration
is read back field by field; QGIS's own constraint check
(QgsVectorLayerUtils.validateAttribute) must refuse bad values and accept
every row of the demo catalogue; the expression functions must answer as
the Python API and as the hand-checked opening-hours cases; edits saved
through QGIS (GDAL) must leave history rows with who, old and new values;
a save with a problem is reported, naming the service and the field, and
the data is left as saved. Under Xvfb, the form is drawn on a demo desk."""

from __future__ import annotations

import csv
import json
import shutil
import sqlite3
import subprocess

import capacitymetro as cm
import pytest
from capacitymetro.catalogue_form import CATEGORIES, LANGUAGES, changes, create_catalogue, list_value

from conftest import DATA, ROOT, qgis_env

CASES = json.loads((ROOT / "tests" / "data" / "opening_hours_cases.json").read_text())["cases"]
#: Values that are not opening_hours, and the empty value (valid: the field is optional).
BAD_HOURS = ["Mo-Fr 25:00-26:00", "sometimes", "Mo-Fr 09:00-", "Mo-Fr 09:00-13:00;;"]
LANGUAGES_OF_TEXT = ["it", "en", "fr", "ar", "bn", "uk", "zh"]

SCRIPT = r"""
import csv, json, os, sys

args = json.loads(sys.argv[1])
sys.path[:0] = [args["plugins"]]
from qgis.core import (QgsApplication, QgsExpression, QgsExpressionContext, QgsExpressionContextUtils, QgsFeature,
                       QgsFieldConstraints, QgsGeometry, QgsPointXY, QgsProject, QgsSettings, QgsVectorLayer,
                       QgsVectorLayerUtils)
from qgis.PyQt.QtCore import QCoreApplication, QSettings
# the settings (locale) of the scratch profile, found as QGIS's own main() finds them
QCoreApplication.setOrganizationName("QGIS")
QCoreApplication.setApplicationName("QGIS3")
QSettings.setDefaultFormat(QSettings.IniFormat)
QSettings.setPath(QSettings.IniFormat, QSettings.UserScope, args["profile"])
app = QgsApplication([], args["gui"])
app.initQgis()
from capacitymetro.editing import OPERATOR_SETTING, CatalogueLayers

catalogues = CatalogueLayers()
catalogues.start()  # as the plugin's initProcessing does
found = {}
layer = QgsVectorLayer(args["gpkg"] + "|layername=services", "services", "ogr")
QgsProject.instance().addMapLayer(layer)
found["attached"] = list(catalogues.layers.values())
fields = layer.fields()
found["fields"] = {}
for index, field in enumerate(fields):
    setup, constraints = layer.editorWidgetSetup(index), field.constraints()
    found["fields"][field.name()] = {
        "widget": setup.type(), "config": {k: v for k, v in setup.config().items() if not isinstance(v, list)},
        "map": [list(item.items())[0] for item in setup.config().get("map", [])],
        "not_null": bool(constraints.constraints() & QgsFieldConstraints.ConstraintNotNull),
        "unique": bool(constraints.constraints() & QgsFieldConstraints.ConstraintUnique),
        "expression": constraints.constraintExpression(), "message": constraints.constraintDescription(),
        "default": layer.defaultValueDefinition(index).expression(), "alias": layer.attributeAlias(index)}
form = layer.editFormConfig()
found["tabs"] = [[tab.name(), [child.name() for child in tab.children()]] for tab in form.tabs()]
found["layout"] = int(form.layout())

# the value lists the multi-select widgets offer, as QGIS reads them
for field in ("categories", "languages"):
    config = layer.editorWidgetSetup(fields.indexOf(field)).config()
    values = QgsProject.instance().mapLayer(config["Layer"])
    found[field + "_offered"] = [[f["id"], f[config["Value"]]] for f in values.getFeatures()]


def feature(values):
    f = QgsFeature(fields)
    for name, value in values.items():
        if name in ("lon", "lat"):
            continue
        f[name] = list_value(value.split(";")) if name in ("categories", "languages") else \
            fields.field(name).convertCompatible(value or None)
    if "lon" in values:
        f.setGeometry(QgsGeometry.fromPointXY(QgsPointXY(float(values["lon"]), float(values["lat"]))))
    return f


def list_value(items):
    return "{" + ",".join(items) + "}"


def refused(f):
    # every field QGIS's constraint check refuses, with its messages
    out = {}
    for index, field in enumerate(fields):
        # the form's (layer) constraints: the provider's own (fid not null) hold only once saved
        ok, errors = QgsVectorLayerUtils.validateAttribute(layer, f, index, QgsFieldConstraints.ConstraintStrengthHard,
                                                           QgsFieldConstraints.ConstraintOriginLayer)
        if not ok:
            out[field.name()] = errors
    return out


with open(args["demo"], newline="", encoding="utf-8") as source:
    demo = list(csv.DictReader(source))
found["demo_refused"] = {row["id"]: refused(feature(row)) for row in demo}
found["bad_refused"] = {}
for name, changes in args["bad"].items():
    found["bad_refused"][name] = refused(feature(dict(demo[0], id="NEW-1", **changes)))

# the expression functions
def evaluate(text):
    expression = QgsExpression(text)
    value = expression.evaluate(QgsExpressionContext())
    return [value if value is None or isinstance(value, (bool, str)) else str(value), expression.evalErrorString()]

quote = lambda s: "'" + s.replace("'", "''") + "'"
found["functions"] = {
    "open": [evaluate(f"cm_is_open({quote(c['hours'])}, to_datetime({quote(c['at'])}))") for c in args["cases"]],
    "valid": [evaluate(f"cm_opening_hours_valid({quote(h)})") for h in args["hours"]],
    "text": [[evaluate(f"cm_opening_hours_text({quote(h)}, {quote(lang)})") for lang in args["languages"]]
             for h in args["hours"]],
    "null": [evaluate("cm_opening_hours_valid(NULL)"), evaluate("cm_opening_hours_text(NULL, 'it')"),
             evaluate("cm_opening_hours_text('Mo 09:00-10:00', 'de')")]}

# the demo desks saved through QGIS, by the operator named in the settings
QgsSettings().setValue(OPERATOR_SETTING, args["operator"])
layer.startEditing()
layer.addFeatures([feature(row) for row in demo])
found["insert_committed"] = layer.commitChanges()
found["reports"] = [list(catalogues.reports[-1])]
# an edit through the form's fields: the name and the hours of the first desk
first = next(f for f in layer.getFeatures() if f["id"] == demo[0]["id"])
layer.startEditing()
layer.changeAttributeValue(first.id(), fields.indexOf("name"), args["new_name"])
layer.changeAttributeValue(first.id(), fields.indexOf("opening_hours"), "Mo-Fr 09:00-13:00")
found["edit_committed"] = layer.commitChanges()
found["reports"].append(list(catalogues.reports[-1]))
# a save with a problem, bypassing the form: reported, and the data kept as saved
QgsSettings().remove(OPERATOR_SETTING)
layer.startEditing()
layer.changeAttributeValue(first.id(), fields.indexOf("municipality_istat"), "27042")
found["bad_committed"] = layer.commitChanges()
found["reports"].append(list(catalogues.reports[-1]))
found["operator_default"] = __import__("getpass").getuser()
found["virtual"] = next(layer.getFeatures())["opening_hours_text"]

if args["gui"]:
    from qgis.gui import QgsAttributeDialog, QgsAttributeEditorContext, QgsGui
    from qgis.PyQt.QtCore import QSize
    from qgis.PyQt.QtGui import QImage, QPainter, QColor
    from qgis.PyQt.QtWidgets import QApplication, QTabWidget
    QgsGui.editorWidgetRegistry().initEditors()  # what the desktop does at start-up
    shown = next(f for f in layer.getFeatures() if f["id"] == args["shown"])
    layer.startEditing()
    dialog = QgsAttributeDialog(layer, shown, False, None, True, QgsAttributeEditorContext())
    dialog.resize(QSize(*args["size"]))
    dialog.show()
    tabs = dialog.findChild(QTabWidget)
    images = []
    for tab in args["tabs"]:
        tabs.setCurrentIndex(tab)
        for _ in range(5):
            QApplication.processEvents()
        images.append(dialog.grab().toImage())
    picture = QImage(sum(i.width() for i in images) + 10 * (len(images) - 1), max(i.height() for i in images),
                     QImage.Format_RGB32)
    picture.fill(QColor("white"))
    painter = QPainter(picture)
    x = 0
    for image in images:
        painter.drawImage(x, 0, image)
        x += image.width() + 10
    painter.end()
    found["png_saved"] = picture.save(args["png"])
    found["tab_names"] = [tabs.tabText(i) for i in range(tabs.count())]
    layer.rollBack()
print(json.dumps(found, default=str))
os._exit(0)
"""


def run_qgis(tmp_path, gpkg, gui=False, **extra):
    env = qgis_env(tmp_path / "profile", plugins=None, locale="it")
    args = {"plugins": str(ROOT / "qgis_plugin"), "profile": str(tmp_path / "profile" / "profiles" / "default"),
            "gpkg": str(gpkg), "demo": str(DATA / "services.csv"), "gui": gui,
            "cases": CASES, "hours": [c["hours"] for c in CASES] + BAD_HOURS, "languages": LANGUAGES_OF_TEXT,
            "operator": "Ufficio GIS CMV", "new_name": "Sportello Immigrazione Mestre (sede nuova)",
            "bad": {"opening_hours": {"opening_hours": "Mo-Fr 25:00-26:00"},
                    "istat": {"municipality_istat": "27042"}, "name": {"name": ""},
                    "email": {"email": "desk at example.org"}, "website": {"website": "example.org"},
                    "categories": {"categories": ""}},
            **extra}
    command = ["/usr/bin/python3", "-c", SCRIPT, json.dumps(args)]
    if gui:
        env.pop("QT_QPA_PLATFORM")
        command = ["xvfb-run", "-a", "-s", "-screen 0 1600x1000x24", *command]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def edited(tmp_path_factory):
    folder = tmp_path_factory.mktemp("catalogue")
    gpkg = create_catalogue(folder / "catalogue.gpkg", "it")
    return gpkg, run_qgis(folder, gpkg)


def test_the_created_layer_opens_with_its_form(edited):
    gpkg, found = edited
    assert found["attached"] == [str(gpkg)]
    fields = found["fields"]
    assert set(fields) == {"fid", *cm.catalogue_schema()["fields"], "opening_hours_text"}
    assert found["layout"] == 1  # QgsEditFormConfig.TabLayout
    assert [name for name, _ in found["tabs"]] == ["Identità", "Categorie e lingue", "Orari", "Contatti",
                                                   "Accessibilità"]
    placed = [field for _, children in found["tabs"] for field in children]
    assert sorted(placed) == sorted(set(fields) - {"fid"})
    # value maps with the core's values, multi-select lists
    for field in ("operator_kind", "wheelchair"):
        assert fields[field]["widget"] == "ValueMap"
        assert [value for _, value in fields[field]["map"]] == cm.catalogue_schema()[field]
    for field in ("categories", "languages"):
        assert fields[field]["widget"] == "ValueRelation" and fields[field]["config"]["AllowMulti"] is True
    # the lists offered are the vocabulary (labels in the QGIS language, Italian here) and the core's codes
    assert found["categories_offered"] == [[c["id"], c["labels"]["it"]] for c in cm.vocabulary()]
    assert sorted(code for code, _ in found["languages_offered"]) == cm.catalogue_schema()["languages"]
    # constraints, with Italian and English messages
    for field in ("id", "name", "categories", "municipality_istat"):
        assert fields[field]["not_null"], field
    assert fields["id"]["unique"]
    for field in ("name", "categories", "municipality_istat", "opening_hours", "email", "website", "capacity"):
        assert fields[field]["expression"] and " / " in fields[field]["message"], field
    assert "cm_opening_hours_valid" in fields["opening_hours"]["expression"]
    assert fields["id"]["default"].startswith("uuid(") and fields["updated_at"]["default"] == "now()"
    assert fields["name"]["alias"] == "Nome"


def test_qgis_refuses_bad_values_and_accepts_the_demo_catalogue(edited):
    _, found = edited
    assert found["demo_refused"] and all(not refused for refused in found["demo_refused"].values()), \
        {k: v for k, v in found["demo_refused"].items() if v}
    bad = found["bad_refused"]
    assert set(bad["opening_hours"]) == {"opening_hours"}
    assert set(bad["istat"]) == {"municipality_istat"} and "6 cifre" in " ".join(bad["istat"]["municipality_istat"])
    assert set(bad["name"]) == {"name"}
    assert set(bad["email"]) == {"email"} and set(bad["website"]) == {"website"}
    assert set(bad["categories"]) == {"categories"}


def test_expression_functions_answer_as_the_python_api(edited):
    _, found = edited
    functions = found["functions"]
    for case, (value, error) in zip(CASES, functions["open"]):
        assert not error and value is case["open"] is cm.is_open(case["hours"], case["at"]), case
    hours = [c["hours"] for c in CASES] + BAD_HOURS
    for text, (valid, error) in zip(hours, functions["valid"]):
        assert not error and valid is (cm.opening_hours_problem(text) is None), text
    assert [v for v, _ in functions["valid"][len(CASES):]] == [False] * len(BAD_HOURS)
    for text, answers in zip(hours, functions["text"]):
        for language, (value, error) in zip(LANGUAGES_OF_TEXT, answers):
            if cm.opening_hours_problem(text) is None:
                assert not error and value == cm.opening_hours_text(text, language), (text, language)
            else:  # the core's message, as the expression's error
                assert value is None and "is not an opening_hours value" in error, (text, error)
    valid_null, text_null, other_language = functions["null"]
    assert valid_null == [True, ""] and text_null == [None, ""]
    assert other_language == [cm.opening_hours_text("Mo 09:00-10:00", "en"), ""]


def test_edits_leave_history_rows_and_saves_are_validated(edited):
    gpkg, found = edited
    assert found["insert_committed"] and found["edit_committed"] and found["bad_committed"]
    with open(DATA / "services.csv", newline="", encoding="utf-8") as f:
        demo = list(csv.DictReader(f))
    history = changes(gpkg)
    inserts = [c for c in history if c["operation"] == "insert"]
    assert [c["service_id"] for c in inserts] == [row["id"] for row in demo]
    assert all(c["by"] == "Ufficio GIS CMV" for c in inserts)
    assert inserts[0]["fields"]["categories"] == [None, list_value(demo[0]["categories"].split(";"))]
    updates = [c for c in history if c["operation"] == "update"]
    # the edit: only the fields that changed (updated_at follows its default on every change)
    edit = updates[0]
    assert edit["service_id"] == demo[0]["id"] and edit["by"] == "Ufficio GIS CMV"
    assert edit["fields"]["name"] == [demo[0]["name"], "Sportello Immigrazione Mestre (sede nuova)"]
    assert edit["fields"]["opening_hours"] == [demo[0]["opening_hours"], "Mo-Fr 09:00-13:00"]
    assert set(edit["fields"]) <= {"name", "opening_hours", "updated_at"}
    # with no operator set, QGIS's plugin records the computer's user name
    assert updates[-1]["by"] == found["operator_default"]
    assert updates[-1]["fields"]["municipality_istat"] == ["027042", "27042"]
    # who saves is cleared once saved: edits with other tools record no name
    with sqlite3.connect(gpkg) as db:
        assert db.execute("select value from catalogue_settings where key = 'operator'").fetchone() == (None,)
        assert db.execute("select municipality_istat from services where id = ?", (demo[0]["id"],)).fetchone() \
            == ("27042",)  # reported, never changed
    # validation after each save: none for the valid saves, the problem named by service and field for the bad one
    assert found["reports"][0] == [] and found["reports"][1] == []
    assert len(found["reports"][2]) == 1
    line = found["reports"][2][0]
    assert demo[0]["id"] in line and "municipality_istat" in line and "27042" in line
    # the virtual field shows the hours in words, in the QGIS language (Italian here)
    assert found["virtual"] == cm.opening_hours_text("Mo-Fr 09:00-13:00", "it")


def test_the_lists_are_the_vocabulary_in_the_geopackage(tmp_path):
    gpkg = create_catalogue(tmp_path / "c.gpkg", "en")
    with sqlite3.connect(gpkg) as db:
        assert [r[0] for r in db.execute(f"select id from {CATEGORIES} order by fid")] == \
            [c["id"] for c in cm.vocabulary()]
        assert sorted(r[0] for r in db.execute(f"select id from {LANGUAGES}")) == cm.catalogue_schema()["languages"]


def test_the_form_drawn_under_xvfb(tmp_path):
    if shutil.which("xvfb-run") is None:
        pytest.skip("xvfb-run is not installed")
    gpkg = create_catalogue(tmp_path / "catalogue.gpkg", "it")
    png = tmp_path / "qgis-catalogue-form.png"
    found = run_qgis(tmp_path, gpkg, gui=True, png=str(png), shown="VE-02", tabs=[0, 1, 2], size=[640, 660])
    assert found["png_saved"] and png.stat().st_size > 20_000
    assert found["tab_names"] == ["Identità", "Categorie e lingue", "Orari", "Contatti", "Accessibilità"]
    print(f"form screenshot: {png}")


def test_the_algorithms_through_qgis_process(qgis, tmp_path):
    out = tmp_path / "made.gpkg"
    qgis("createcatalogue", OUTPUT=out)
    assert changes(out) == [] and sqlite3.connect(out).execute("select count(*) from services").fetchone() == (0,)
    subprocess.run(["ogr2ogr", "-append", "-nln", "services", "-oo", "X_POSSIBLE_NAMES=lon", "-oo",
                    "Y_POSSIBLE_NAMES=lat", str(out), str(DATA / "services.csv")], check=True)
    listed = qgis("cataloguechanges", CATALOGUE=f"{out}|layername=services", SINCE="2000-01-01").stdout
    assert f"CHANGES:\t{len(changes(out))}" in listed and "insert VE-01" in listed
    assert "CHANGES:\t0" in qgis("cataloguechanges", CATALOGUE=f"{out}|layername=services", SINCE="2999-01-01").stdout
