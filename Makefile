# Two commands do everything from a fresh clone:
#   make run    create .venv, install, start the app (SQLite, demo study)
#   make test   install what the tests need (incl. Debian's chromium and postgresql), run the suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8501
STAMP  := $(VENV)/.installed

.PHONY: run demo test test-fast bench venv test-deps clean admin

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

venv: $(STAMP)

run: $(STAMP)
	@if [ -f app.py ]; then \
		$(BIN)/streamlit run app.py --server.port $(PORT) --server.headless true; \
	else \
		$(BIN)/qmethod analyze qmethod/data/lipset.csv --factors 3; \
	fi

# the demo study with 12 synthetic completed sorts and comments (added once), then the app
demo: $(STAMP)
	@test -f var/.demo-seeded || ($(BIN)/qmethod demo seed -n 12 && touch var/.demo-seeded)
	$(MAKE) run

test-deps: $(STAMP)
	bash scripts/test-deps.sh

# Tests without a browser run on both cores (pytest-xdist; each worker has its own PostgreSQL
# cluster), then the browser tests two modules at a time (each module starts its own app and chromium).
test: test-deps
	$(BIN)/python -m pytest -q -n 2 -m "not browser"
	$(BIN)/python -m pytest -q -n 2 --dist loadfile -m browser

test-fast: $(STAMP)
	$(BIN)/python -m pytest -q -n 2 -m "not slow and not browser and not postgres"

bench: $(STAMP)
	$(BIN)/python bench/bench_core.py

admin: $(STAMP)
	$(BIN)/qmethod user add $(or $(NAME),admin)

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis build *.egg-info
