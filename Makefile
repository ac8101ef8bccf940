# Two commands do all the set-up on a fresh machine:
#   make demo   - install the QA tool (the core: no torch, no transformers, no Ray) and check the
#                 bundled flawed translation against the bundled glossary, writing out/report.html
#                 (+ JSON and CSV)
#   make test   - install the extras the tests need (EXTRAS) and run the test suite
# Both create .venv on first use.
#
# torch is installed on its own, before the extras, whenever EXTRAS holds `translate` (or `all`), so
# that pip keeps the build TORCH_SPEC names instead of resolving one itself. TORCH_SPEC is the one
# CPU/GPU choice; it is passed to pip as it stands, so it may carry pip options:
#   make test TORCH_SPEC=torch==2.13.0                                   # whatever your index serves for
#                                                                       # that version (PyPI, Linux: CUDA)
#   make test TORCH_SPEC="torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu"  # CPU only
#   make test TORCH_SPEC="torch==2.13.0 --index-url https://download.pytorch.org/whl/cu126"  # CUDA 12.6

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
TORCH_SPEC ?= torch==2.13.0
# extras `make test` and `make install-extras` install (pyproject.toml [project.optional-dependencies])
EXTRAS ?= test,translate,ray,server
DATA := termlock/corpora/data
OUT ?= out

comma := ,
EXTRAS_WORDS := $(subst $(comma), ,$(EXTRAS))
CORE_STAMP := $(VENV)/.installed-core
EXTRAS_STAMP := $(VENV)/.installed-$(subst $(comma),-,$(EXTRAS))

.PHONY: demo test install install-extras clean

# the core: the QA tool
install: $(CORE_STAMP)

# the core plus EXTRAS (torch first, from TORCH_SPEC, when they include translation)
install-extras: $(EXTRAS_STAMP)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(CORE_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(EXTRAS_STAMP): pyproject.toml | $(BIN)/python
ifneq ($(filter translate all,$(EXTRAS_WORDS)),)
	$(BIN)/python -m pip install --quiet $(TORCH_SPEC)
endif
	$(BIN)/python -m pip install --quiet -e ".[$(EXTRAS)]"
	touch $@

demo: install
	mkdir -p $(OUT)
	$(BIN)/termlock check \
		--source $(DATA)/corpus.zh \
		--target $(DATA)/corpus.flawed.en \
		--reference $(DATA)/corpus.en \
		--html $(OUT)/report.html --json $(OUT)/report.json --csv $(OUT)/problems.csv
	@echo "Open $(OUT)/report.html in a browser."

test: install-extras
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache .hypothesis
