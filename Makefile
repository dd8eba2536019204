# Canlian — the front door. A new machine needs exactly: `make demo` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help
VENV := .venv
PY := $(VENV)/bin/python
PYTEST := $(VENV)/bin/pytest
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: help install demo serve worker test test-fast lint test-sqlite test-postgres test-e2e \
        system-deps node-deps bench check-deploy clean-demo

help:
	@echo "make demo   安装、建库、载入演示县（桐梓县）并启动服务 http://$(HOST):$(PORT)/"
	@echo "make test   安装测试所需并运行全部测试（SQLite + PostgreSQL + 浏览器）"
	@echo "make install | make bench | make lint | make test-fast"

$(PY):
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check uv==0.13.9

$(VENV)/.installed: $(PY) requirements.txt requirements-dev.txt
	VIRTUAL_ENV=$(VENV) $(VENV)/bin/uv pip install --quiet -r requirements-dev.txt
	touch $@

var/local.env: $(PY)
	$(PY) scripts/make_local_env.py var/local.env

install: $(VENV)/.installed var/local.env  ## the environment in .venv, plus local keys

# The demo runs with production settings (Chinese error pages, no debug information, static files
# collected and served by WhiteNoise) on plain http on this machine (CANLIAN_LOCAL_DEMO).
DEMO_ENV := CANLIAN_DEBUG=0 CANLIAN_LOCAL_DEMO=1 CANLIAN_ALLOWED_HOSTS=$(HOST)

demo: install  ## migrate SQLite, load the demo county, run web server + task worker
	$(DEMO_ENV) $(PY) manage.py migrate --no-input -v 0
	$(DEMO_ENV) $(PY) manage.py collectstatic --no-input -v 0
	$(DEMO_ENV) $(PY) manage.py seed_demo --persons 20000
	@echo ""
	@echo "智慧残联综合服务平台已启动： http://$(HOST):$(PORT)/   （按 Ctrl+C 停止）"
	@trap 'kill 0' EXIT INT TERM; \
	  $(DEMO_ENV) $(PY) manage.py task_worker --interval 1 & \
	  $(DEMO_ENV) $(PY) manage.py runserver $(HOST):$(PORT) --noreload

# ---------------------------------------------------------------- tests

system-deps:  ## Debian chromium + CJK fonts for browser tests (installed when missing, as root)
	@bash scripts/system_deps.sh

node-deps: node_modules/.installed
node_modules/.installed: package.json package-lock.json | system-deps
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports --no-cache > /dev/null
	$(PY) manage.py makemigrations --check --dry-run > /dev/null
	$(MAKE) --no-print-directory check-deploy

check-deploy:  ## production settings pass Django's deployment checklist
	CANLIAN_LOCAL_ENV=/dev/null CANLIAN_DEBUG=0 CANLIAN_ALLOWED_HOSTS=canlian.example.gov.cn \
	  CANLIAN_SECRET_KEY=$$($(PY) -c 'import secrets; print(secrets.token_hex(40))') \
	  CANLIAN_SM4_KEY=$$($(PY) -c 'import secrets; print(secrets.token_hex(16))') \
	  CANLIAN_INDEX_KEY=$$($(PY) -c 'import secrets; print(secrets.token_hex(32))') \
	  CANLIAN_HSTS_PRELOAD=1 \
	  $(PY) manage.py check --deploy --fail-level WARNING

test-sqlite: install
	$(PYTEST) -m "not e2e" -n 2 -q -p no:playwright

test-postgres: install system-deps
	@bash scripts/with_postgres.sh $(PYTEST) -m "not e2e" -n 2 -q -p no:playwright

test-e2e: install system-deps node-deps
	$(PYTEST) -m e2e -q

test-fast: install  ## non-browser suite on SQLite only
	$(PYTEST) -m "not e2e" -n 2 -q -p no:playwright

test: install system-deps node-deps  ## everything CI runs
	@start=$$(date +%s); \
	$(MAKE) --no-print-directory lint && \
	echo "== SQLite" && $(MAKE) --no-print-directory test-sqlite && \
	echo "== PostgreSQL" && $(MAKE) --no-print-directory test-postgres && \
	echo "== 浏览器 (Playwright + Chromium, axe-core)" && $(MAKE) --no-print-directory test-e2e && \
	echo "全部测试通过，用时 $$(( $$(date +%s) - start )) 秒"

bench: install  ## benchmarks on generated data (SQLite, then PostgreSQL); they print figures
	rm -f var/bench.sqlite3*
	$(PY) bench/run.py
	BENCH_SKIP_CRYPTO=1 bash scripts/with_postgres.sh bash -c \
	  'createdb -h $$PGHOST -p $$PGPORT -U postgres canlian && \
	   BENCH_DATABASE_URL=$$DATABASE_URL $(PY) bench/run.py'
	rm -f var/bench.sqlite3*

clean-demo:
	rm -f var/canlian.sqlite3 var/canlian.sqlite3-*
