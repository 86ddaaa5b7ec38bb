# The two commands: `make run` and `make test`. Everything they need is installed here.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
FLASK  := $(BIN)/flask --app partyorg
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# Debian packages: CJK fonts and HarfBuzz subsetting for PDFs, poppler for PDF tests,
# Chromium for the browser tests (driven by Playwright; never `playwright install`).
RUN_DEBS  := fonts-noto-cjk fontconfig libharfbuzz-subset0
# PostgreSQL's server for the second test run (each pytest worker starts a throwaway cluster).
TEST_DEBS := $(RUN_DEBS) poppler-utils chromium postgresql
# wrk drives the web benchmark; PostgreSQL's server for its second run (bench/web_bench.py).
BENCH_DEBS := $(RUN_DEBS) wrk postgresql
WORKERS ?= 2

.PHONY: run test bench sysdeps-run sysdeps-test venv clean

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

define install_debs
	@missing=""; for p in $(1); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi
endef

sysdeps-run:
	$(call install_debs,$(RUN_DEBS))

sysdeps-test:
	$(call install_debs,$(TEST_DEBS))

run: venv sysdeps-run
	$(FLASK) db upgrade
	$(FLASK) seed-demo
	$(BIN)/gunicorn --workers 2 --timeout 300 --bind 127.0.0.1:5000 'partyorg:create_app()'

# The whole suite twice: on SQLite, then on PostgreSQL (tests/dbbackend.py); both must pass.
test: venv sysdeps-test
	PARTYORG_TEST_DB=sqlite $(BIN)/python -m pytest -n $(WORKERS) -q -p no:cacheprovider
	PARTYORG_TEST_DB=postgresql $(BIN)/python -m pytest -n $(WORKERS) -q -p no:cacheprovider


# Speed is measured here, never by timed assertions in tests.
bench: venv
	$(call install_debs,$(BENCH_DEBS))
	$(BIN)/python bench/print_bench.py
	$(BIN)/python bench/import_bench.py
	$(BIN)/python bench/web_bench.py

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
