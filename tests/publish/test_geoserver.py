"""Publishing to GeoServer, checked by a stand-in that validates every request
against GeoServer's REST documents; an opt-in run against a real GeoServer."""

from __future__ import annotations

import os
import socket
import sys
from pathlib import Path

import capacitymetro as cm
import pytest
from capacitymetro.publish import PublishError
from capacitymetro.publish.geoserver import publish

HERE = Path(__file__).resolve().parent
DOCUMENTS = HERE.parents[2] / "shared" / "data" / "geoserver-rest-openapi"
sys.path.insert(0, str(HERE))


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    return cm.run_demo(tmp_path_factory.mktemp("demo"))["output"]


@pytest.fixture
def mock():
    if not DOCUMENTS.exists():
        print(f"skipping: {DOCUMENTS} is absent (the shared data folder is not beside this checkout)")
        pytest.skip(f"{DOCUMENTS} is absent (the shared data folder is not beside this checkout)")
    from mock_geoserver import MockGeoServer

    with MockGeoServer(DOCUMENTS) as server:
        yield server


def run(mock, results, **kwargs):
    lines = []
    calls = publish(results, mock.url, "cmv", user="admin", password="geoserver", log=lines.append, **kwargs)
    return calls, lines


def test_first_run_creates_everything_second_run_changes_nothing(mock, results):
    calls, _ = run(mock, results)
    assert not mock.errors, mock.errors
    made = {(c.method, c.path) for c in calls}
    assert ("POST", "/workspaces") in made
    assert ("PUT", "/workspaces/cmv/datastores/capacitymetro/file.gpkg") in made
    for layer in ("services", "municipalities", "accessibility", "suggested_sites"):
        assert ("POST", "/workspaces/cmv/datastores/capacitymetro/featuretypes") in made
        assert ("PUT", f"/workspaces/cmv/layers/{layer}") in made
    assert ("POST", "/workspaces/cmv/layergroups") in made
    assert ("PUT", "/services/wms/workspaces/cmv/settings") in made
    before = dict(mock.state)
    mock.requests.clear()
    again, _ = run(mock, results)
    assert again == [] and not any(m in ("POST", "PUT", "DELETE") for m, _ in mock.requests)
    assert mock.state == before and not mock.errors


def test_dry_run_lists_the_calls_and_changes_nothing(mock, results):
    calls, lines = run(mock, results, dry_run=True)
    assert lines and all(line.startswith("would ") for line in lines)
    assert mock.state == {} and not any(m != "GET" for m, _ in mock.requests)
    assert ("POST", "/workspaces") in {(c.method, c.path) for c in calls}


def test_the_stand_in_rejects_undocumented_requests(mock):
    import urllib.error
    import urllib.request

    request = urllib.request.Request(f"{mock.url}/rest/workspaces?colour=red", method="GET",
                                     headers={"Authorization": "Basic YWRtaW46Z2Vvc2VydmVy"})
    with pytest.raises(urllib.error.HTTPError) as error:
        urllib.request.urlopen(request)
    assert error.value.code == 400 and "unknown query parameter" in mock.errors[-1]


def test_wrong_credentials_give_a_clear_message_without_the_secret(mock, results):
    with pytest.raises(PublishError) as error:
        publish(results, mock.url, "cmv", user="admin", password="s3cret-Passw0rd", log=lambda _: None)
    message = str(error.value)
    assert "refused the credentials of user 'admin'" in message and "s3cret" not in message


def test_unreachable_server(results):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed once the block ends: nobody listens
    with pytest.raises(PublishError, match=f"cannot reach GeoServer at http://127.0.0.1:{port}/geoserver"):
        publish(results, f"http://127.0.0.1:{port}/geoserver", "cmv", user="u", password="p", log=lambda _: None)


def test_a_geopackage_without_the_expected_layers(tmp_path):
    import subprocess

    other = tmp_path / "other.gpkg"
    data = Path(cm.DEMO_DATA)
    subprocess.run(["ogr2ogr", "-f", "GPKG", "-oo", "X_POSSIBLE_NAMES=lon", "-oo", "Y_POSSIBLE_NAMES=lat", str(other),
                    str(data / "town_centres.csv")], check=True)
    with pytest.raises(PublishError, match="not a CapaCityMetro results GeoPackage"):
        publish(other, "http://127.0.0.1:9/geoserver", "cmv", user="u", password="p", log=lambda _: None)


@pytest.mark.skipif(not os.environ.get("GEOSERVER_URL"), reason="set GEOSERVER_URL (and credentials) to publish for real")
def test_real_geoserver(results):
    calls = publish(results, os.environ["GEOSERVER_URL"], os.environ.get("GEOSERVER_WORKSPACE", "capacitymetro_test"),
                    log=lambda _: None)
    again = publish(results, os.environ["GEOSERVER_URL"], os.environ.get("GEOSERVER_WORKSPACE", "capacitymetro_test"),
                    log=lambda _: None)
    assert calls and not [c for c in again if c.method == "POST"]


def test_publish_command_line(mock, results, tmp_path):
    import subprocess

    cli = Path(sys.executable).with_name("capacitymetro")
    env = dict(os.environ, GEOSERVER_USER="admin", GEOSERVER_PASSWORD="geoserver")
    dry = subprocess.run([cli, "publish", "geoserver", mock.url, results, "--workspace", "cmv", "--dry-run"],
                         capture_output=True, text=True, env=env, timeout=120)
    assert dry.returncode == 0, dry.stderr
    assert "would POST /workspaces" in dry.stdout and mock.state == {}
    real = subprocess.run([cli, "publish", "geoserver", mock.url, results, "--workspace", "cmv"],
                          capture_output=True, text=True, env=env, timeout=120)
    assert real.returncode == 0 and not mock.errors
    wrong = subprocess.run([cli, "publish", "geoserver", mock.url, results, "--workspace", "cmv"], capture_output=True,
                           text=True, env=dict(env, GEOSERVER_PASSWORD="nope-secret"), timeout=120)
    assert wrong.returncode == 2 and "nope-secret" not in wrong.stderr + wrong.stdout
    assert "refused the credentials" in wrong.stderr


def test_a_nearest_result_publishes_its_coverage_layer_with_its_title(mock, tmp_path):
    """Titles come from the schema the core wrote, with the job's own threshold."""
    import json

    data = Path(cm.DEMO_DATA)
    results = tmp_path / "nearest.gpkg"
    cm.coverage(data / "services.csv", data / "town_centres.csv", "population", id_field="istat_code",
                display_polygons=data / "municipalities.geojson", display_polygons_key="istat_code",
                count_within_minutes=20, output=results)
    dry = publish(results, mock.url, "cmv", user="admin", password="geoserver", log=lambda _: None, dry_run=True)
    assert any(c.method == "POST" and c.path.endswith("/featuretypes") for c in dry) and mock.state == {}
    publish(results, mock.url, "cmv", user="admin", password="geoserver", log=lambda _: None)
    feature_type = json.loads(mock.state["/workspaces/cmv/datastores/capacitymetro/featuretypes/coverage"][1])
    assert feature_type["featureType"]["title"] == "Tempo al servizio più vicino / Time to the nearest service"
    assert "within 20 minutes" in feature_type["featureType"]["abstract"]


@pytest.mark.parametrize("kwargs, message", [
    ({"threshold": float("nan")}, "finite number >= 1"),
    ({"threshold": -5}, "finite number >= 1"),
    ({"workspace": "../../security"}, "workspace '../../security'"),
    ({"store": "a b"}, "store 'a b'"),
])
def test_privacy_and_names_cannot_be_switched_off_by_a_parameter(tmp_path, kwargs, message):
    """Checked before any request: the URL below answers nothing."""
    results = cm.run_demo(tmp_path)["output"]
    arguments = {"workspace": "cmv", "user": "u", "password": "p", "log": lambda _: None, **kwargs}
    with pytest.raises(PublishError, match=message):
        publish(results, "http://127.0.0.1:9/geoserver", arguments.pop("workspace"), **arguments)


def test_every_layer_gets_its_style_in_each_language(mock, results):
    """One SLD per language, its legend in that language (the vocabulary's labels, read from
    styles/categories.json), uploaded and listed among the layer's styles; the stand-in, which checks
    every body against the REST documents, accepts them all."""
    import json
    import xml.etree.ElementTree as ET

    run(mock, results)
    assert not mock.errors, mock.errors
    vocabulary = json.loads((HERE.parents[1] / "styles" / "categories.json").read_text(encoding="utf-8"))
    languages = vocabulary["label_languages"]
    for language in languages:
        _, sld = mock.state[f"/workspaces/cmv/styles/capacitymetro_services_{language}"]
        titles = {t.text for t in ET.fromstring(sld).iter("{http://www.opengis.net/sld}Title")}
        for category in vocabulary["categories"]:
            assert category["labels"][language] in titles, (language, category["id"])
    layer = json.loads(mock.state["/workspaces/cmv/layers/services"][1])["layer"]
    assert layer["defaultStyle"]["name"] == "capacitymetro_services"
    assert sorted(s["name"] for s in layer["styles"]["style"]) == sorted(f"capacitymetro_services_{x}" for x in languages)


def test_the_stand_in_refuses_feature_type_properties_the_documents_lack(mock):
    """The REST documents declare no internationalTitle: a feature type body with one is refused."""
    import json

    body = json.dumps({"featureType": {"name": "x", "internationalTitle": {"it": "x"}}}).encode()
    status, message, _ = mock.handle("POST", "/geoserver/rest/workspaces/cmv/datastores/s/featuretypes", {},
                                     {"Authorization": mock.auth, "Content-Type": "application/json"}, body)
    assert status == 400 and b"does not fit the documented body" in message
