# One task runner: the README and CI call these same commands.
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: run test lint schema clean

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

run: $(VENV)/.installed
	$(VENV)/bin/newsgraph serve seeds

test: $(VENV)/.installed
	$(PY) -m pytest

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy --strict server schema plugins

schema: $(VENV)/.installed
	$(VENV)/bin/newsgraph export-schema

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache *.egg-info
