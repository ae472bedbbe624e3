# Two entry points for a fresh machine: `make demo` and `make test`.
# Each bootstraps what is missing (Debian packages, .venv), builds ferry
# incrementally (ninja: nothing is rebuilt when nothing changed) and runs.

PYTHON_SYS ?= python3
VENV       := .venv
PY         := $(VENV)/bin/python
BUILD      := build
APT_PKGS   := libprotobuf-dev protobuf-compiler libgtest-dev
SITE        = $(shell $(PY) -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
JOBS       ?= $(shell nproc)

.PHONY: all bootstrap apt venv build test test-cpp test-python demo bench tpch lint clean

all: build

bootstrap: apt venv

apt:
	@missing=""; for p in $(APT_PKGS); do \
	  dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing Debian packages:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	  else \
	    echo "missing Debian packages; run: sudo apt-get install -y$$missing"; exit 1; \
	  fi; \
	fi

$(VENV)/.deps-stamp: requirements-dev.txt
	test -x $(PY) || $(PYTHON_SYS) -m venv $(VENV)
	$(PY) -m pip install -q -r requirements-dev.txt
	touch $@

venv: $(VENV)/.deps-stamp

$(BUILD)/build.ninja: $(VENV)/.deps-stamp
	$(VENV)/bin/cmake -S . -B $(BUILD) -G Ninja \
	  -DCMAKE_MAKE_PROGRAM=$(abspath $(VENV)/bin/ninja) \
	  -DCMAKE_BUILD_TYPE=Release \
	  -DPython_EXECUTABLE=$(abspath $(PY)) \
	  -DFERRY_INPLACE=ON -DFERRY_BUILD_TESTS=ON

build: bootstrap $(BUILD)/build.ninja
	$(VENV)/bin/cmake --build $(BUILD) -j $(JOBS)
	@echo "$(abspath python)" > $(SITE)/ferry-dev.pth

test-cpp: build
	cd $(BUILD) && ../$(VENV)/bin/ctest --output-on-failure -j $(JOBS)

test-python: build
	$(PY) -m pytest -q tests/python python/ferry --doctest-modules -p no:cacheprovider

test: test-cpp test-python

demo: build
	$(PY) examples/demo.py

bench: build
	$(PY) -m pip install -q -r requirements-bench.txt
	$(PY) benchmarks/run.py

# TPC-H at SF1 (data generated once into benchmarks/data/); e.g. make tpch TPCH_ARGS="--sf 0.1"
TPCH_ARGS ?=
tpch: build
	$(PY) -m pip install -q -r requirements-bench.txt
	$(PY) benchmarks/tpch.py $(TPCH_ARGS)

clean:
	rm -rf $(BUILD) python/ferry/_core*.so
