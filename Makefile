# One task runner: the README and CI call these same commands.
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: run test lint schema bench clean

$(VENV)/.installed: pyproject.toml examples/newsgraph-reading-time/pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet -e '.[dev]' -e examples/newsgraph-reading-time
	touch $@

run: $(VENV)/.installed
	$(VENV)/bin/newsgraph serve seeds

test: $(VENV)/.installed
	$(PY) -m pytest

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy --strict server schema plugins bench examples/newsgraph-reading-time/newsgraph_reading_time

schema: $(VENV)/.installed
	$(VENV)/bin/newsgraph export-schema

bench: $(VENV)/.installed
	$(PY) -m bench

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache *.egg-info
