# Anju — the verbs. `make run` brings the platform up on local real infrastructure; `make test` runs
# every suite against it. Both work on a fresh machine: everything they need is installed from here.
SHELL := /bin/bash
.DEFAULT_GOAL := help

CACHE      ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/anju
UV_VERSION := 0.13.8
UV         := $(CACHE)/uv-$(UV_VERSION)/bin/uv
PYTHON_BIN := $(shell python3 -c 'import sys; print(sys.executable)')
export UV_PYTHON_DOWNLOADS := never
export UV_PYTHON := $(PYTHON_BIN)
export UV_CACHE_DIR := $(CACHE)/uv
export UV_LINK_MODE := copy
INFRA := deploy/local/infra.sh
PYTEST_ARGS ?=

.PHONY: help env run demo test test-unit check contracts bench seed-city infra-up infra-down infra-status infra-reset system-deps clean

help:
	@echo "make run          the platform: infrastructure + five services on 127.0.0.1 (Ctrl-C stops it)"
	@echo "make test         unit, component, integration and end-to-end suites on the real servers"
	@echo "make demo         demo projects for the region through the running services' APIs (make run DEMO=1: both)"
	@echo "make check        ruff, mypy, contract freshness and the official AsyncAPI parser on contracts/asyncapi"
	@echo "make contracts    regenerate JSON Schemas and AsyncAPI documents"
	@echo "make bench        benchmarks against the real local servers (+ city-scale figures once a city is seeded)"
	@echo "make seed-city    seed one region's city through the services (SEED_ARGS=\"--scale 0.01\"; --help)"
	@echo "make infra-up | infra-down | infra-status | infra-reset"

$(UV):
	@echo "installing uv $(UV_VERSION) into $(CACHE)"
	@python3 -m venv "$(CACHE)/uv-$(UV_VERSION)"
	@"$(CACHE)/uv-$(UV_VERSION)/bin/pip" install --quiet "uv==$(UV_VERSION)"

# The workspace environment (.venv) exactly as uv.lock says; no interpreter downloads. Then the pinned
# browser files the platform serves itself (Swagger UI for /docs, ECharts for the web): no CDN.
env: $(UV)
	@$(UV) sync --locked --quiet
	@deploy/local/web-assets.sh

system-deps:
	@deploy/local/system-deps.sh

infra-up:
	@$(INFRA) up

infra-down:
	@$(INFRA) down

infra-status:
	@$(INFRA) status

infra-reset:
	@$(INFRA) reset

run: env system-deps
	@deploy/local/platform.sh

# Demo projects for the running region (quoted, insured, inspected, completed, owners, a claim), through the
# public APIs of the services `make run` started; `make run DEMO=1` does both.
demo: env
	@.venv/bin/python -m anju_web.demo --out .artifacts/demo

# Brings the infrastructure up when it is not, and stops afterwards exactly what it started.
test: env system-deps
	@session=$$(mktemp); \
	trap '$(INFRA) down --session "$$session" >/dev/null; rm -f "$$session"' EXIT; \
	$(INFRA) up --session "$$session" && $(INFRA) status && \
	.venv/bin/pytest $(PYTEST_ARGS)

test-unit: env
	@.venv/bin/pytest -m "not integration and not e2e" $(PYTEST_ARGS)

check: env
	@.venv/bin/ruff check .
	@.venv/bin/ruff format --check .
	@.venv/bin/mypy contracts/src kit/src services/*/src
	@.venv/bin/python -m anju_contracts.schemagen --check
	@.venv/bin/python tools/asyncapi.py --check
	@tools/asyncapi-validate.sh

contracts: env
	@.venv/bin/python -m anju_contracts.schemagen
	@.venv/bin/python tools/asyncapi.py

bench: env system-deps
	@session=$$(mktemp); \
	trap '$(INFRA) down --session "$$session" >/dev/null; rm -f "$$session"' EXIT; \
	$(INFRA) up --session "$$session" && .venv/bin/python -m tests.bench

# One region's city (issue #10) through the services' own write paths; resumable. SEED_ARGS="--scale 0.01 --drop …"
SEED_ARGS ?=
seed-city: env system-deps
	@session=$$(mktemp); \
	trap '$(INFRA) down --session "$$session" >/dev/null; rm -f "$$session"' EXIT; \
	$(INFRA) up --session "$$session" && .venv/bin/python -m tests.bench.city $(SEED_ARGS)

clean:
	rm -rf .venv .pytest_cache .mypy_cache .ruff_cache
