# Single entry point. `make chaos` runs the main job; `make test` runs the suite's own tests.
VENV ?= .venv
PYTHON := $(VENV)/bin/python
STAMP := $(VENV)/.setup-done

.PHONY: setup chaos test lint typecheck serve-fastapi reset benchmark clean

$(STAMP): pyproject.toml scripts/setup.sh
	scripts/setup.sh
	touch $(STAMP)

setup: $(STAMP)

chaos: $(STAMP)
	$(PYTHON) -m pytest chaos/

# The suite's own tests, then the main job on the embedded stack: CI runs both.
test: $(STAMP)
	$(PYTHON) -m pytest tests/
	$(PYTHON) -m pytest chaos/

lint: $(STAMP)
	$(VENV)/bin/ruff check services chaos loadgen alerts dashboards benchmarks tests
	$(VENV)/bin/ruff format --check services chaos loadgen alerts dashboards benchmarks tests

typecheck: $(STAMP)
	$(VENV)/bin/mypy

serve-fastapi: $(STAMP)
	PROMETHEUS_MULTIPROC_DIR=$${PROMETHEUS_MULTIPROC_DIR:-/tmp/serving-fastapi-metrics} \
	$(PYTHON) -m gunicorn --config python:services.fastapi_service.gunicorn_conf \
		'services.fastapi_service.main:create_app()'

reset: $(STAMP)
	$(PYTHON) -m chaos.stack reset

benchmark: $(STAMP)
	$(PYTHON) -m benchmarks.embedding_latency --requests 200

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
