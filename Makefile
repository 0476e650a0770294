PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test test-slow test-full lint bench install clean snapshots

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

# Reinstall when the project metadata changes; an editable install tracks the sources.
$(STAMP): $(PY) pyproject.toml
	$(PY) -m pip install --quiet -e '.[test,lint]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(VENV)/bin/vrc $(ARGS)

test: $(STAMP)
	$(PY) -m pytest -n 2 -q $(PYTEST_ARGS)

# The tests marked slow (full-size races), which `make test` leaves out.
test-slow: $(STAMP)
	$(PY) -m pytest -q -m slow $(PYTEST_ARGS)

test-full: test test-slow

lint: $(STAMP)
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(PY) tests/import_contracts.py

snapshots: $(STAMP)
	$(PY) -m pytest -n 2 -q tests/tui --snapshot-update

bench: $(STAMP)
	$(PY) tests/benchmarks/run_all.py

clean:
	rm -rf $(VENV) build dist .pytest_cache
