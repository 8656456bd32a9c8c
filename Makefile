# Set-up, site and tests for banknote-gd. Each target does its own set-up on a fresh machine
# (Python >= 3.10 and make; npm fetches MathJax once), and skips what is already done.
#
#   make serve   build the course and serve it at http://127.0.0.1:8000 (rebuilds on change)
#   make build   build the static site into site/ (mkdocs build --strict)
#   make test    ruff, the fast tests, then the slow ones (lessons, site build, browser)
#   make bench   time a cold and a cached site build, the training engine and the plots' bands

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# Set up once per version of pyproject.toml; delete it (or .venv) to set up again.
STAMP := $(VENV)/.banknote-gd-installed

# The data cache: seeded from a local copy when there is one, else downloaded from UCI (and
# checked against its SHA-256) on first use.
BANKNOTE_GD_DATA ?= $(CURDIR)/.cache/data
SHARED_DATA ?= $(CURDIR)/../shared/data
DATA_FILE := data_banknote_authentication.txt
export BANKNOTE_GD_DATA
# mkdocs-material 9.x prints a notice about MkDocs 2 on every build unless this is set.
export NO_MKDOCS_2_WARNING := 1
export TF_CPP_MIN_LOG_LEVEL ?= 3

.PHONY: setup data serve build test lint bench clean

setup: $(STAMP) data

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || { echo "creating $(VENV) with $(PYTHON)"; $(PYTHON) -m venv $(VENV); }
	$(BIN)/python -m pip install --disable-pip-version-check -q -e ".[docs,test,dask]"
	@touch $@

data: $(STAMP)
	@if [ -f "$(BANKNOTE_GD_DATA)/$(DATA_FILE)" ]; then \
	  :; \
	elif [ -f "$(SHARED_DATA)/$(DATA_FILE)" ]; then \
	  echo "seeding $(BANKNOTE_GD_DATA) from $(SHARED_DATA)"; \
	  $(BIN)/python -c "import banknote_gd; banknote_gd.seed_data_cache('$(SHARED_DATA)')"; \
	else \
	  echo "no local copy of the data: it is downloaded from UCI on first use"; \
	fi

serve: setup
	$(BIN)/mkdocs serve

build: setup
	$(BIN)/mkdocs build --strict

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: lint
	$(BIN)/pytest
	$(BIN)/pytest -m slow

bench: setup
	$(BIN)/python benchmarks/bench_site.py
	$(BIN)/python benchmarks/bench_engine.py
	$(BIN)/python benchmarks/bench_plots.py

clean:
	rm -rf site docs/lessons .cache/lessons .cache/mkdocs-jupyter
