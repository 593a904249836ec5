# The two commands of the README's quick start, and the tasks around them.
# `make demo` and `make test` set up everything a fresh Debian machine needs (run as root there).

VENV    := .venv
PY      := $(VENV)/bin/python
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
# Debian packages: Pango (WeasyPrint's text layout), HarfBuzz subsetting (fast font embedding),
# the free CJK fonts the PDF embeds, poppler-utils (pdftoppm/pdffonts in tests) and
# LibreOffice Writer (the DOCX conversion test and the benchmark's yardstick) and Calc (the batch
# summary's conversion test; reading .xls, .et and .ods, workbook/convert.py), with Liberation fonts, metric-compatible with the Times New Roman
# the DOCX names for Latin text and digits;
# Chromium for the web page's end-to-end tests (driven by Playwright, no browser download).
APT_PKGS := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
            fonts-noto-cjk fonts-lxgw-wenkai fonts-cwtex-fs fonts-liberation \
            poppler-utils libreoffice-writer-nogui libreoffice-calc-nogui chromium
INPUTS  := $(wildcard inputs/*.xlsx)

.PHONY: setup system-deps demo test lint bench bench-city example serve clean

setup: system-deps $(STAMP)

system-deps:
	@missing=""; for p in $(APT_PKGS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  if [ "$$(id -u)" != 0 ]; then SUDO=sudo; else SUDO=; fi; \
	  $$SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q --no-install-recommends $$missing; \
	fi

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

demo: setup
	@mkdir -p outputs
	$(BIN)/budget-report render $(INPUTS) -o outputs

# The whole suite; tests/test_wheel.py among it builds the sdist and its wheel (pip fetches the build's
# setuptools) and renders the example from that wheel in a new virtualenv outside the clone.
test: setup
	$(BIN)/pytest -q

lint: setup
	$(BIN)/ruff check generator tests tools bench
	$(BIN)/ruff format --check generator tests tools bench
	$(BIN)/mypy generator

# BASELINE=path/to/other/checkout/.venv/bin/budget-report measures it alternately with this one.
# A city's 300 workbooks in one batch is `make bench-city` (about 10 minutes of both cores: not part of bench).
bench: setup
	$(PY) bench/stages.py
	$(PY) bench/scaling.py
	$(PY) bench/render_vs_soffice.py $(if $(BASELINE),--baseline $(BASELINE))
	$(PY) bench/render_vs_soffice.py --example inputs/上海市普陀区财政局2025.xlsx --pairs 5 --batch 0
	$(PY) bench/render_vs_soffice.py --example inputs/上海市普陀区财政局2024决算.xlsx --pairs 5 --batch 0
	$(PY) bench/charts.py
	$(PY) bench/web.py

# 300 generated workbooks of a city's departments (a few broken on purpose) through one batch;
# BASELINE=… runs another checkout's command on the same folder first.
bench-city: setup
	$(PY) bench/city.py $(if $(BASELINE),--baseline $(BASELINE))

# The local web page for clerks: open http://127.0.0.1:8000/
serve: setup
	$(BIN)/budget-report serve

# Rebuild the example workbooks: the seed's (tools/build_example.py), the county's (build_example2.py)
# and Shanghai's (build_example3.py, from tools/examples/shanghai-2025/transcription.yaml).
example: setup
	$(PY) tools/build_example.py
	$(PY) tools/build_example2.py
	$(PY) tools/build_example3.py

clean:
	rm -rf $(VENV) outputs/*.pdf outputs/*.docx outputs/*.html
