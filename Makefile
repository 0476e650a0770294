PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test test-slow test-full lint bench install clean snapshots

# The interpreter is checked before anything is created, and a venv that fails half-way is removed:
# a broken .venv would otherwise satisfy this rule and break every later make.
$(PY):
	@version=$$($(PYTHON) -c 'import sys; print("%d.%d" % sys.version_info[:2]); sys.exit(sys.version_info < (3, 11))' 2>/dev/null) || { \
		echo "vrc needs Python 3.11 or newer; $(PYTHON) is $${version:-not found}. Nothing was created: run make PYTHON=python3.11 (or newer)." >&2; \
		exit 1; }
	$(PYTHON) -m venv $(VENV) && $(PY) -m pip install --quiet --upgrade pip || { \
		rm -rf $(VENV); echo "creating $(VENV) failed; removed it (pip needs a package index)" >&2; exit 1; }

# Reinstall when the project metadata changes; an editable install tracks the sources.
$(STAMP): $(PY) pyproject.toml
	@$(PY) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { \
		echo "$(VENV) was made by a Python older than 3.11: run make clean, then make PYTHON=python3.11" >&2; exit 1; }
	$(PY) -m pip install --quiet -e '.[test,lint]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(VENV)/bin/vrc $(ARGS)

# worksteal: a worker that runs out of tests takes queued ones from the others, so one long file
# pinned to one worker does not leave the rest idle at the end. Three workers on two cores: a
# fifth of the suite's test time is spent waiting (timeouts, servers, child processes), which
# the third worker fills.
test: $(STAMP)
	$(PY) -m pytest -n 3 --dist worksteal -q $(PYTEST_ARGS)

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
