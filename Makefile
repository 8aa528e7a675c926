# wakachi — `make demo` and `make test` work from a fresh clone (with ../shared beside it).
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PY ?= python3
VENV := .venv
VPY := $(VENV)/bin/python
SHARED ?= ../shared
export WAKACHI_CACHE_DIR ?= $(CURDIR)/.cache/wakachi
export WAKACHI_SHARED := $(abspath $(SHARED))
THREADS ?= 0

.PHONY: all venv build demo test test-rust test-python bench parity parity-sample lint clean wheel smoke

all: build

# The venv is rebuilt only when requirements-dev.txt changes (its stamp holds the lock's hash).
$(VENV)/.stamp: requirements-dev.txt
	@echo "== make: creating $(VENV) and installing the pinned tools and references (first run: several minutes)"
	test -x $(VPY) || $(PY) -m venv $(VENV)
	$(VPY) -m pip install --quiet --upgrade pip
	$(VPY) -m pip install --progress-bar on -r requirements-dev.txt
	sha256sum requirements-dev.txt > $@

venv: $(VENV)/.stamp

# Release build of the extension, installed editable into the venv (cargo caches in target/).
# cargo shows its own progress; the first build compiles every dependency (several minutes).
# pip's "Ignoring ...: markers 'extra == ...'" lines (the optional extras) are dropped.
build: venv
	@echo "== make: building the extension (release) and installing it into $(VENV)"
	VIRTUAL_ENV=$(CURDIR)/$(VENV) $(VENV)/bin/maturin develop --release 2>&1 \
	  | { grep -v -E "^(Ignoring .*: markers 'extra == |Looking in links: )" || true; }

demo: build
	$(VPY) benches/demo.py

test: test-rust test-python

# The core's tests; fails if none ran. They read the PyPI dictionaries installed in the venv.
test-rust: venv
	mkdir -p target
	WAKACHI_TEST_IPADIC=$$($(VPY) -c 'import ipadic; print(ipadic.DICDIR)') \
	WAKACHI_TEST_UNIDIC_LITE=$$($(VPY) -c 'import unidic_lite; print(unidic_lite.DICDIR)') \
	cargo test -p wakachi-core --quiet 2>&1 | tee target/cargo-test.log
	grep -qE 'test result: ok\. [1-9][0-9]* passed' target/cargo-test.log || { echo "cargo test ran no test"; exit 1; }

# pytest exits 5 when it collects nothing, which fails this target.
test-python: build
	$(VPY) -m pytest -q tests

# Speed benchmarks (each runs its competitor in the same run) and full-corpus parity scripts.
bench: build
	$(VPY) benches/segment.py
	$(VPY) benches/segment_zh.py
	$(VPY) benches/encode.py
	$(VPY) benches/encode_unigram.py
	$(VPY) benches/split_speed.py
	$(VPY) benches/loader.py
	$(VPY) benches/train.py

parity: build
	$(VPY) benches/parity_mecab.py
	$(VPY) benches/parity_jieba.py
	$(VPY) benches/parity_split.py
	$(VPY) benches/parity_encode.py
	$(VPY) benches/parity_unigram.py
	$(VPY) benches/parity_instances.py
	$(VPY) benches/parity_char_compat.py
	$(VPY) benches/parity_tokenizers.py
	$(VPY) benches/accuracy.py

# One every-line parity script per stage on a sample large enough to matter (whole corpus files,
# thousands of lines each; a few minutes); `.ci/run` runs it after the tests. `make parity` runs all.
parity-sample: build
	$(VPY) benches/parity_mecab.py --dict ipadic --files kwdlc.txt,ud_ja_gsd.txt
	$(VPY) benches/parity_jieba.py --mode hmm --files sighan2005_pku.txt,ud_zh_gsd.txt
	$(VPY) benches/parity_split.py --files kwdlc.txt,ud_zh_gsd.txt
	$(VPY) benches/parity_encode.py --configs unidic_lite-wordpiece-cased --files kwdlc.txt,jglue_wikipedia.txt
	$(VPY) benches/parity_unigram.py ja
	$(VPY) benches/parity_instances.py --debian-docs 300 --aozora-docs 20 --seeds 12345

# Formatting, lints, types and the stub of the extension (stubtest imports the built module).
lint: build
	cargo fmt --all --check
	cargo clippy --workspace --all-targets --quiet -- -D warnings
	$(VENV)/bin/ruff check python tests benches
	$(VENV)/bin/ruff format --check python tests benches
	$(VENV)/bin/mypy
	$(VPY) -m mypy.stubtest wakachi._core

# The abi3 wheel a user installs (release build, maturin's manylinux compliance check).
wheel: venv
	rm -rf target/wheels
	$(VENV)/bin/maturin build --release --out target/wheels

# The wheel in a fresh venv outside the tree: import, segment, vocab, pack, then train/export (extra).
smoke: wheel
	.ci/smoke_wheel.sh target/wheels/wakachi-*.whl

clean:
	rm -rf target .venv .cache
