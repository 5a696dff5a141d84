# The two commands of the README: `make demo` and `make test`.
PY      := .venv/bin/python
KG      := .venv/bin/kg
STAMP   := .venv/.installed
SAMPLE  := var/sample/city
HOST    ?= 127.0.0.1
PORT    ?= 8000

.PHONY: demo test install launcher db-start db-stop bench lint clean

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv .venv
	$(PY) -m pip install -q -U pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

launcher:
	cd graph/launcher && mvn -q -B package -DskipTests

## demo: build and start Neo4j, apply the schema, and run the main job on the sample city
demo: install launcher
	$(KG) db start
	$(KG) schema apply
	@echo
	@echo "Neo4j 已就绪 / Neo4j is ready. Connection settings:  $(KG) db env"

## test: the whole test suite against a real Neo4j started by the tests themselves
test: install launcher
	$(PY) -m pytest -q

db-stop:
	$(KG) db stop

lint: install
	.venv/bin/ruff check .

clean:
	-$(KG) db stop
	rm -rf var graph/launcher/target
