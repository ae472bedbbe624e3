# Two entry points for a fresh machine: `make demo` and `make test`.
# Each bootstraps what is missing (Debian packages, .venv), builds ferry
# incrementally (ninja: nothing is rebuilt when nothing changed) and runs.

PYTHON_SYS ?= python3
VENV       := .venv
PY         := $(VENV)/bin/python
BUILD      := build
APT_PKGS   := libprotobuf-dev protobuf-compiler libgtest-dev libssl-dev libpg-query-dev libsnappy-dev
SITE        = $(shell $(PY) -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
JOBS       ?= $(shell nproc)
# ccache, when installed, lets several clones and worktrees share compiled
# objects; paths under the clone's root are hashed relative to it.
CCACHE     := $(shell command -v ccache 2>/dev/null)
LAUNCHER    = $(if $(CCACHE),-DCMAKE_CXX_COMPILER_LAUNCHER=$(CCACHE))
export CCACHE_BASEDIR := $(CURDIR)
# Precompiled headers are cacheable only with these relaxations.
export CCACHE_SLOPPINESS := pch_defines,time_macros,include_file_mtime,include_file_ctime

.PHONY: all bootstrap apt venv build test test-cpp test-python demo bench tpch lint clean build-asan test-asan \
        test-asan-smoke asan-python-smoke fuzz-apt build-fuzz fuzz ci test-sanitized test-cpp-sanitized \
        test-python-sanitized

all: build

bootstrap: apt venv

# Installs the Debian packages in $(1) that are missing (as root), or says
# which to install.
define apt_install
	@missing=""; for p in $(1); do \
	  dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing Debian packages:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	  else \
	    echo "missing Debian packages; run: sudo apt-get install -y$$missing"; exit 1; \
	  fi; \
	fi
endef

apt:
	$(call apt_install,$(APT_PKGS))

$(VENV)/.deps-stamp: requirements-dev.txt
	test -x $(PY) || $(PYTHON_SYS) -m venv $(VENV)
	$(PY) -m pip install -q -r requirements-dev.txt
	touch $@

venv: $(VENV)/.deps-stamp

$(BUILD)/build.ninja: $(VENV)/.deps-stamp
	$(VENV)/bin/cmake -S . -B $(BUILD) -G Ninja \
	  -DCMAKE_MAKE_PROGRAM=$(abspath $(VENV)/bin/ninja) \
	  -DCMAKE_BUILD_TYPE=Release \
	  -DPython_EXECUTABLE=$(abspath $(PY)) $(LAUNCHER) \
	  -DFERRY_INPLACE=ON -DFERRY_BUILD_TESTS=ON

# BUILD_TARGETS empty: every target. CI builds only what pytest needs here;
# its C++ tests run once, sanitized, in build-fuzz/ (`make test-cpp-sanitized`).
BUILD_TARGETS ?=
build: bootstrap $(BUILD)/build.ninja
	$(VENV)/bin/cmake --build $(BUILD) -j $(JOBS) $(if $(BUILD_TARGETS),--target $(BUILD_TARGETS))
	@echo "$(abspath python)" > $(SITE)/ferry-dev.pth

test-cpp: build
	cd $(BUILD) && ../$(VENV)/bin/ctest --output-on-failure -j $(JOBS)

test-python: build
	$(PY) -m pytest -q tests/python python/ferry --doctest-modules -p no:cacheprovider

test: test-cpp test-python

# `make test-asan`: the core, its C++ tests and the extension built with
# AddressSanitizer and UBSan in their own directory (never mixed into
# build/ or python/ferry), then ctest and a Python smoke suite against that
# extension. Arrow's buffers come from the system allocator there, so ASan
# sees them too; Python itself is not instrumented, so libasan is preloaded
# and leak checking (Python never frees everything) is off for it.
ASAN_BUILD    := build-asan
ASAN_FLAGS    := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined -g1
# libstdc++ too: python does not link it, and ASan's __cxa_throw interceptor
# must find it at start-up, before the extension loads it.
# libcrypto too: the sanitized extension links the system's, and pyarrow's
# libparquet exports a bundled OpenSSL of its own; loaded first, the system
# one is the only one Python's _hashlib and ferry see.
ASAN_PRELOAD   = $(shell $(CXX) -print-file-name=libasan.so) $(shell $(CXX) -print-file-name=libstdc++.so) \
                 $(shell $(CXX) -print-file-name=libcrypto.so.3)
ASAN_ENV      := ARROW_DEFAULT_MEMORY_POOL=system UBSAN_OPTIONS=print_stacktrace=1
ASAN_PY_TESTS := tests/python/test_shipping_roundtrip.py tests/python/test_decode_limits.py \
                 tests/python/test_udf.py tests/python/test_udf_validation.py \
                 tests/python/test_udaf.py tests/python/test_udwf.py tests/python/test_window.py \
                 tests/python/test_window_frames.py tests/python/test_window_serde.py \
                 tests/python/test_join.py tests/python/test_errors.py \
                 tests/python/test_partitioning.py tests/python/test_partitioning_aggregates.py \
                 tests/python/test_join_on.py \
                 tests/python/test_parallel_sort.py tests/python/test_distinct_aggregates.py \
                 tests/python/test_plan_shipping.py tests/python/test_payload_signing.py \
                 tests/python/test_physical_plan_shipping.py tests/python/test_stages.py \
                 tests/python/test_sql_fuzz.py tests/python/test_sql.py \
                 tests/python/test_foreign_arrow_validation.py tests/python/test_decode_limit_settings.py \
                 tests/python/test_interrupt.py tests/python/test_fuzz_decoders.py

$(ASAN_BUILD)/build.ninja: $(VENV)/.deps-stamp
	$(VENV)/bin/cmake -S . -B $(ASAN_BUILD) -G Ninja \
	  -DCMAKE_MAKE_PROGRAM=$(abspath $(VENV)/bin/ninja) \
	  -DCMAKE_BUILD_TYPE=Release \
	  -DCMAKE_CXX_FLAGS="$(ASAN_FLAGS)" \
	  -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" \
	  -DCMAKE_SHARED_LINKER_FLAGS="-fsanitize=address,undefined" \
	  -DCMAKE_MODULE_LINKER_FLAGS="-fsanitize=address,undefined" \
	  -DPython_EXECUTABLE=$(abspath $(PY)) $(LAUNCHER) \
	  -DFERRY_INPLACE=OFF -DFERRY_BUILD_TESTS=ON

# The package is staged beside the sanitized extension so that importing
# ferry from there can never pick up build/'s. ASAN_TARGETS empty: every
# target (the C++ tests too).
ASAN_TARGETS ?=
build-asan: bootstrap $(ASAN_BUILD)/build.ninja
	ASAN_OPTIONS=detect_leaks=0 $(VENV)/bin/cmake --build $(ASAN_BUILD) -j $(JOBS) \
	  $(if $(ASAN_TARGETS),--target $(ASAN_TARGETS))
	rm -rf $(ASAN_BUILD)/python && mkdir -p $(ASAN_BUILD)/python
	cp -r python/ferry $(ASAN_BUILD)/python/ferry
	rm -f $(ASAN_BUILD)/python/ferry/_core*.so
	cp $(ASAN_BUILD)/cpp/bindings/_core*.so $(ASAN_BUILD)/python/ferry/

test-asan: build-asan
	cd $(ASAN_BUILD) && $(ASAN_ENV) ../$(VENV)/bin/ctest --output-on-failure -j $(JOBS)
	$(MAKE) --no-print-directory asan-python-smoke

# The smoke half of test-asan: only the extension is built (not the C++
# test binary, a third of the build), then the Python smoke suite.
test-asan-smoke:
	$(MAKE) --no-print-directory build-asan ASAN_TARGETS=_core
	$(MAKE) --no-print-directory asan-python-smoke

asan-python-smoke:
	$(ASAN_ENV) ASAN_OPTIONS=detect_leaks=0 LD_PRELOAD="$(ASAN_PRELOAD)" PYTHONPATH=$(abspath $(ASAN_BUILD))/python \
	  $(PY) -m pytest -q -x -p no:cacheprovider $(ASAN_PY_TESTS)

# `make fuzz`: a libFuzzer binary per decoder that takes untrusted bytes
# (cpp/fuzz/), built by clang in build-fuzz/ with ASan and UBSan, each run
# for FUZZ_SECONDS from its seeds (tests/fuzz/corpus/<target>/, plus those
# generated into build-fuzz/fuzz-seeds/<target>/) and what earlier runs
# found (build-fuzz/corpus/<target>/), with the target's dictionary
# (tests/fuzz/<target>.dict, else ferry.dict). A crash, leak, timeout or
# broken invariant stops the run and leaves the input in
# build-fuzz/artifacts/. Arrow comes from pyarrow's libraries as in every
# build; its buffers use the system allocator so ASan sees them.
FUZZ_BUILD    := build-fuzz
FUZZ_SECONDS  ?= 60
FUZZ_TARGETS  ?= decode_expr decode_plan envelope inline_frame inspect parquet_page sql
FUZZ_APT_PKGS := clang libclang-rt-14-dev
FUZZ_FLAGS    := -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined \
                 -fno-omit-frame-pointer -gline-tables-only
FUZZ_ENV      := ARROW_DEFAULT_MEMORY_POOL=system UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
FUZZ_ARGS     ?=

fuzz-apt:
	$(call apt_install,$(FUZZ_APT_PKGS))

# The same directory also holds, on demand, the C++ tests and the extension
# linked against this sanitized core (`make test-sanitized`): only their own
# sources are compiled on top of what the fuzz targets need. Re-configured
# when this Makefile changes, so an older build-fuzz/ gains the options.
$(FUZZ_BUILD)/build.ninja: $(VENV)/.deps-stamp Makefile
	$(VENV)/bin/cmake -S . -B $(FUZZ_BUILD) -G Ninja \
	  -DCMAKE_MAKE_PROGRAM=$(abspath $(VENV)/bin/ninja) \
	  -DCMAKE_CXX_COMPILER=clang++ \
	  -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS_RELEASE="-O1" \
	  -DCMAKE_CXX_FLAGS="$(FUZZ_FLAGS)" \
	  -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" \
	  -DPython_EXECUTABLE=$(abspath $(PY)) $(LAUNCHER) \
	  -DFERRY_BUILD_FUZZERS=ON -DFERRY_BUILD_BINDINGS=ON -DFERRY_BUILD_TESTS=ON -DFERRY_INPLACE=OFF

FUZZ_BUILD_TARGETS ?= $(addprefix fuzz_,$(FUZZ_TARGETS))
build-fuzz: bootstrap fuzz-apt $(FUZZ_BUILD)/build.ninja
	$(VENV)/bin/cmake --build $(FUZZ_BUILD) -j $(JOBS) --target $(FUZZ_BUILD_TARGETS)

fuzz: build-fuzz
	@mkdir -p $(FUZZ_BUILD)/artifacts
	@for t in $(FUZZ_TARGETS); do \
	  mkdir -p $(FUZZ_BUILD)/corpus/$$t; \
	  dict=tests/fuzz/$$t.dict; [ -f $$dict ] || dict=tests/fuzz/ferry.dict; \
	  generated=$(FUZZ_BUILD)/fuzz-seeds/$$t; [ -d $$generated ] || generated=; \
	  echo "== fuzz_$$t for $(FUZZ_SECONDS) s"; \
	  $(FUZZ_ENV) $(FUZZ_BUILD)/cpp/fuzz/fuzz_$$t $(FUZZ_BUILD)/corpus/$$t tests/fuzz/corpus/$$t $$generated \
	    -dict=$$dict -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=2048 \
	    -max_len=65536 -print_final_stats=1 -artifact_prefix=$(FUZZ_BUILD)/artifacts/$$t- $(FUZZ_ARGS) \
	    || exit 1; \
	done

# `make test-sanitized`: ctest (ferry_tests and the fuzz_replay_* corpus
# replays) and the Python smoke suite, against the clang ASan+UBSan core of
# build-fuzz/. The extension is staged with a copy of the package in
# build-fuzz/python so importing ferry there never picks up build/'s.
# Python is not instrumented, so clang's ASan runtime (which carries UBSan's
# too) is preloaded, with libstdc++ and libcrypto as for test-asan.
FUZZ_CTEST_TARGETS := ferry_tests $(addprefix fuzz_replay_,$(FUZZ_TARGETS))
SANITIZED_PRELOAD   = $(shell clang++ -print-file-name=libclang_rt.asan-x86_64.so) \
                      $(shell $(CXX) -print-file-name=libstdc++.so) $(shell $(CXX) -print-file-name=libcrypto.so.3)

test-sanitized: test-cpp-sanitized test-python-sanitized

test-cpp-sanitized:
	$(MAKE) --no-print-directory build-fuzz FUZZ_BUILD_TARGETS="$(FUZZ_CTEST_TARGETS)"
	cd $(FUZZ_BUILD) && $(FUZZ_ENV) ../$(VENV)/bin/ctest --output-on-failure -j $(JOBS)

test-python-sanitized:
	$(MAKE) --no-print-directory build-fuzz FUZZ_BUILD_TARGETS=_core
	rm -rf $(FUZZ_BUILD)/python && mkdir -p $(FUZZ_BUILD)/python
	cp -r python/ferry $(FUZZ_BUILD)/python/ferry
	rm -f $(FUZZ_BUILD)/python/ferry/_core*.so
	cp $(FUZZ_BUILD)/cpp/bindings/_core*.so $(FUZZ_BUILD)/python/ferry/
	$(FUZZ_ENV) ASAN_OPTIONS=detect_leaks=0 LD_PRELOAD="$(SANITIZED_PRELOAD)" \
	  PYTHONPATH=$(abspath $(FUZZ_BUILD))/python \
	  $(PY) -m pytest -q -x -p no:cacheprovider $(ASAN_PY_TESTS)

# `make ci` (what .ci/run runs on a clean clone), each part under its own
# time budget in seconds, saying what it took; a part over its budget fails
# CI. Figures: docs/ci.md.
#  1. `make test`, the README's test command (ctest and pytest with
#     doctests against the release build/);
#  2. a short libFuzzer run of every fuzz target (ASan+UBSan core, build-fuzz/);
#  3. the C++ tests and corpus replays, linked against that same sanitized
#     core: the C++ tests run once, sanitized (`make test-cpp-sanitized`);
#  4. the Python smoke suite against the sanitized extension built there too
#     (`make test-python-sanitized`).
# The older g++ ASan smoke build (build-asan/) is off, CI_ASAN=1 turns it on.
CI_FUZZ_SECONDS ?= 15
# A fixed seed, so a finding can be reproduced from the CI log's commit.
CI_FUZZ_SEED    ?= 1
# The rule is the total: .ci/run stops `make ci` at CI_TOTAL_BUDGET (1500 s,
# 25 minutes). The parts' budgets catch a part that runs away; they add up
# to more than the total because a cold build's cost moves between parts
# (whichever part first builds a shared object pays for it) and with load.
CI_TEST_BUDGET  ?= 900
CI_FUZZ_BUDGET  ?= 600
CI_SANITIZED_CPP_BUDGET ?= 480
CI_SANITIZED_PYTHON_BUDGET ?= 300
CI_ASAN         ?= 0
CI_ASAN_BUDGET  ?= 1500

# $(1) the part's name, $(2) its budget, $(3) the command. The CPU time
# (user, system) of everything the part ran is printed too: wall time
# depends on the machine's load, CPU time hardly.
define ci_part
	@echo "== ci: $(1) (budget $(2) s)"; start=$$(date +%s); \
	timeout $(2) $(3); rc=$$?; took=$$(( $$(date +%s) - start )); \
	times_file=$$(mktemp); times > $$times_file; cpu=$$(tail -n 1 $$times_file); rm -f $$times_file; \
	if [ $$rc = 124 ]; then echo "== ci: $(1) FAILED: over its budget of $(2) s"; exit 1; fi; \
	echo "== ci: $(1) took $$took s (budget $(2) s; CPU user, system: $$cpu), exit status $$rc"; exit $$rc
endef

ci:
	$(call ci_part,make test,$(CI_TEST_BUDGET),$(MAKE) --no-print-directory test)
	$(call ci_part,fuzz $(CI_FUZZ_SECONDS) s per target,$(CI_FUZZ_BUDGET),$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=$(CI_FUZZ_SECONDS) FUZZ_ARGS=-seed=$(CI_FUZZ_SEED))
	$(call ci_part,sanitized C++ tests,$(CI_SANITIZED_CPP_BUDGET),$(MAKE) --no-print-directory test-cpp-sanitized)
	$(call ci_part,sanitized Python smoke,$(CI_SANITIZED_PYTHON_BUDGET),$(MAKE) --no-print-directory test-python-sanitized)
ifeq ($(CI_ASAN),1)
	$(call ci_part,g++ ASan smoke,$(CI_ASAN_BUDGET),$(MAKE) --no-print-directory test-asan-smoke)
endif

demo: build
	$(PY) examples/demo.py
	$(PY) examples/distributed_udf.py --engines local

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
