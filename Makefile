# One task runner: the README and CI call these same commands.
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: run test lint schema settings screenshot bench hostile clean

$(VENV)/.installed: pyproject.toml examples/newsgraph-reading-time/pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet -e '.[dev]' -e examples/newsgraph-reading-time
	touch $@

run: $(VENV)/.installed
	$(VENV)/bin/newsgraph serve

test: $(VENV)/.installed
	$(PY) -m pytest

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy --strict -p newsgraph -p bench
	$(VENV)/bin/mypy --strict examples/newsgraph-reading-time/newsgraph_reading_time
	$(VENV)/bin/lint-imports

schema: $(VENV)/.installed
	$(VENV)/bin/newsgraph export-schema -o schema/schema.graphql

# The settings reference and the editors' JSON Schema, generated from server/settings.py.
settings: $(VENV)/.installed
	$(VENV)/bin/newsgraph config-schema -o docs/newsgraph.schema.json
	$(VENV)/bin/newsgraph config-schema --markdown -o docs/settings.md

# Refresh docs/graphiql.png (the README's picture) from the GraphiQL browser test.
screenshot: $(VENV)/.installed
	NEWSGRAPH_SCREENSHOT=docs/graphiql.png $(PY) -m pytest -q tests/e2e/test_graphiql_browser.py

bench: $(VENV)/.installed
	$(PY) -m bench

# newsgraph serve under overload, slow clients and the attack classes of issue #18.
hostile: $(VENV)/.installed
	$(PY) -m bench.hostile

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache *.egg-info web/node_modules server/static
