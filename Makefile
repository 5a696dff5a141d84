# The two commands of the README: `make demo` and `make test`.
PY      := .venv/bin/python
KG      := .venv/bin/kg
STAMP   := .venv/.installed
SAMPLE  := var/sample/city
HOST    ?= 127.0.0.1
PORT    ?= 8000

.PHONY: demo test test-fast check install launcher system-deps db-stop bench bench-province growth screenshots contract lint clean

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv .venv
	$(PY) -m pip install -q -U pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## system-deps: Debian packages the tests and the demo need (Chromium, CJK fonts, Maven, wrk), when missing
system-deps:
	@scripts/ensure-system-deps

launcher:
	cd graph/launcher && mvn -q -B package -DskipTests

## demo: build and start Neo4j, load the sample city, serve the API and the views
demo: system-deps install launcher
	$(KG) db start
	$(KG) schema apply
	test -f $(SAMPLE)/answer_key.json || $(KG) sample --scale city --seed 7 --as-of $$(date +%F) --out $(SAMPLE)
	$(KG) ingest $(SAMPLE)
	$(KG) order seed-sample
	@echo "Neo4j: $$($(KG) db env | head -1)   (完整连接参数 / full settings: $(KG) db env)"
	$(KG) serve --demo-token --host $(HOST) --port $(PORT)

## test: the whole suite (and the packages' doctests) against real Neo4j servers the tests start
## themselves; at the same time, the hand-built-graph tests against a separately started server,
## reached only through NEO4J_URI (python -m graph.testing stops it afterwards, also on failure).
## The two passes run side by side (the suite mostly waits on Neo4j and Chromium); the second
## pass's output is printed after the first's. Either failing fails `make test`.
## XDIST="-n 2 --dist loadgroup" runs the first pass on two workers (see README, Tests)
PYTEST_ARGS ?=
XDIST ?=
SECOND_SERVER := -m "empty_db and not browser" --ignore=tests/test_api_schemathesis.py
SECOND_LOG := var/test-second-server.log
test: system-deps install launcher
	@mkdir -p var
	@$(PY) -m graph.testing tests -q -p no:cacheprovider --basetemp=var/pytest-second-server \
	    $(SECOND_SERVER) $(PYTEST_ARGS) > $(SECOND_LOG) 2>&1 & second=$$!; \
	trap 'kill $$second 2>/dev/null' INT TERM; \
	$(PY) -m pytest -q $(XDIST) $(PYTEST_ARGS); first=$$?; \
	wait $$second; again=$$?; \
	echo "== 第二个服务器 / second server (NEO4J_URI): $(SECOND_LOG)"; cat $(SECOND_LOG); \
	echo "== first pass exit $$first, second-server pass exit $$again"; \
	test $$first -eq 0 -a $$again -eq 0

## test-fast: no browser tests, no second server
test-fast: install launcher
	$(PY) -m pytest -q -m "not browser" $(XDIST) $(PYTEST_ARGS)

## check: lint, formatting and types over the packages, the tests and the benches
MYPY_PATHS := graph ingest queries api viz kg.py tests bench
check: install
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/mypy $(MYPY_PATHS)

## bench: every benchmark on fresh servers; each prints its table, then one JSON line (also in bench/results/)
bench: system-deps install launcher
	$(PY) -m bench.ingest --scale city
	$(PY) -m bench.queries --scale city
	$(PY) -m bench.api
	$(PY) -m bench.viz
	$(PY) -m bench.report
	$(PY) -m bench.export

## bench-province: the province-scale benches (≈1.1 M rows; ~10 minutes each on two cores)
bench-province: system-deps install launcher
	$(PY) -m bench.ingest --scale province
	$(PY) -m bench.queries --scale province

## growth: ingest time and the slowest queries at 1×, 3×, 15× and 30× the city → docs/performance.md
growth: system-deps install launcher
	$(PY) -m bench.growth

## screenshots: regenerate docs/screenshots/*.png from the sample city
screenshots: system-deps install launcher
	$(PY) -m viz.screenshots
	$(PY) -m viz.report.screenshots

## contract: regenerate the input-file contract from the schema
contract: install
	$(PY) -m ingest.contract > docs/input-contract.md

db-stop:
	$(KG) db stop

lint: check

clean:
	-$(KG) db stop
	rm -rf var graph/launcher/target
