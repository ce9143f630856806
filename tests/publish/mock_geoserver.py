"""A stateful stand-in for GeoServer's REST API on 127.0.0.1 that checks every
request against the GeoServer REST documents (Swagger 2.0) in
../shared/data/geoserver-rest-openapi: the path and method must be documented,
every query parameter declared, JSON bodies must have the documented root,
SLD bodies must parse, uploads must be GeoPackages. Resources live in memory;
GET returns what was stored, or 404."""

from __future__ import annotations

import base64
import json
import re
import threading
import urllib.parse
import xml.etree.ElementTree as ET
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import yaml

BASE = "/geoserver/rest"


def load_operations(folder: Path):
    """(regex, template, {method: (query names, body root names or None)}), most literal first."""
    routes = []
    for document in sorted(folder.glob("*.yaml")):
        spec = yaml.safe_load(document.read_text())
        definitions = spec.get("definitions", {})
        for template, operations in spec["paths"].items():
            # styles.yaml writes some paths with a second /rest: the basePath already holds it
            template = template[len("/rest"):] if template.startswith("/rest/") else template
            methods = {}
            for method, operation in operations.items():
                if method not in ("get", "post", "put", "delete"):
                    continue
                parameters = operation.get("parameters", [])
                query = {p["name"] for p in parameters if p.get("in") == "query"}
                roots = None
                for p in parameters:
                    if p.get("in") == "body" and "$ref" in p.get("schema", {}):
                        definition = definitions.get(p["schema"]["$ref"].split("/")[-1], {})
                        roots = set(definition.get("properties", {}))
                methods[method.upper()] = (query, roots)
            pattern = "^" + re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template)) + "$"
            literal = len(re.sub(r"\{[^}]+\}", "", template))
            routes.append((re.compile(pattern), template, methods, literal))
    routes.sort(key=lambda r: -r[3])
    return routes


class MockGeoServer:
    def __init__(self, documents: Path, user: str = "admin", password: str = "geoserver"):
        self.routes = load_operations(documents)
        self.auth = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()
        self.state: dict[str, tuple[str, bytes]] = {}
        self.requests: list[tuple[str, str]] = []
        self.errors: list[str] = []
        mock = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _reply(self, status, payload=b"", content_type="application/json"):
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def _handle(self):
                url = urllib.parse.urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                mock.requests.append((self.command, url.path))
                status, payload, kind = mock.handle(self.command, url.path, urllib.parse.parse_qs(url.query),
                                                    self.headers, body)
                self._reply(status, payload, kind)

            do_GET = do_POST = do_PUT = do_DELETE = _handle

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/geoserver"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def reject(self, message):
        self.errors.append(message)
        return 400, message.encode(), "text/plain"

    def handle(self, method, path, query, headers, body):
        if headers.get("Authorization") != self.auth:
            return 401, b"Unauthorized", "text/plain"
        if not path.startswith(BASE):
            return self.reject(f"{path}: not under {BASE}")
        rest = path[len(BASE):]
        route = next((r for r in self.routes if r[0].match(rest)), None)
        if route is None:
            return self.reject(f"{rest}: no such path in the REST documents")
        _, template, methods, _ = route
        if method not in methods:
            return self.reject(f"{method} {template}: not documented")
        declared, roots = methods[method]
        unknown = set(query) - declared
        if unknown:
            return self.reject(f"{method} {template}: unknown query parameter(s) {sorted(unknown)}")
        kind = (headers.get("Content-Type") or "").split(";")[0]
        if method in ("POST", "PUT"):
            problem = self.check_body(template, kind, body, roots)
            if problem:
                return self.reject(f"{method} {template}: {problem}")
        return self.apply(method, rest, template, query, kind, body)

    @staticmethod
    def check_body(template, kind, body, roots):
        if kind == "application/json":
            try:
                document = json.loads(body)
            except ValueError:
                return "body is not JSON"
            if not isinstance(document, dict) or len(document) != 1:
                return "a JSON body has one root key"
            root, inner = next(iter(document.items()))
            if roots is not None and root not in roots and not (isinstance(inner, dict) and set(inner) <= roots):
                return f"root key {root!r} does not fit the documented body"
        elif kind == "application/vnd.ogc.sld+xml":
            try:
                tag = ET.fromstring(body).tag
            except ET.ParseError as error:
                return f"SLD does not parse: {error}"
            if not tag.endswith("StyledLayerDescriptor"):
                return f"SLD root is {tag}"
        elif template.endswith("{method}.{format}"):
            if not body.startswith(b"SQLite format 3\x00"):
                return "the upload is not a GeoPackage"
        else:
            return f"unexpected content type {kind!r}"
        return None

    def apply(self, method, rest, template, query, kind, body):
        if method == "GET":
            if rest not in self.state:
                return 404, b"", "text/plain"
            stored_kind, stored = self.state[rest]
            return 200, stored, stored_kind
        if method == "DELETE":
            return self.reject("this client must never delete")
        if template.endswith("{method}.{format}"):  # file upload creates the data store
            store = rest.rsplit("/", 1)[0]
            self.state[rest] = (kind, body)
            name = store.rsplit("/", 1)[1]
            self.state.setdefault(store, ("application/json", json.dumps({"dataStore": {"name": name}}).encode()))
            return 201, b"", "text/plain"
        if method == "POST":
            if kind == "application/json":
                root, inner = next(iter(json.loads(body).items()))
                name = inner["name"]
                if root == "featureType":  # GeoServer publishes a layer with it
                    workspace = rest.split("/")[2]
                    self.state[f"/workspaces/{workspace}/layers/{name}"] = (
                        "application/json", json.dumps({"layer": {"name": name, "defaultStyle": {"name": "point"}}}).encode())
            else:
                name = query["name"][0]
            target = f"{rest}/{name}"
            if target in self.state:
                return self.reject(f"POST {target}: already exists")
            self.state[target] = (kind, body)
            return 201, name.encode(), "text/plain"
        if kind == "application/json" and rest in self.state and self.state[rest][0] == "application/json":
            current = json.loads(self.state[rest][1])
            root, inner = next(iter(json.loads(body).items()))
            current.setdefault(root, {}).update(inner)
            self.state[rest] = (kind, json.dumps(current).encode())
        else:
            self.state[rest] = (kind, body)
        return 200, b"", "text/plain"
