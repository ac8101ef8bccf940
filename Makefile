# Two commands do all the set-up on a fresh machine:
#   make demo   - check the bundled flawed translation against the bundled glossary,
#                 writing out/report.html (+ JSON and CSV)
#   make test   - run the test suite
# Both create .venv on first use. torch is installed on its own first so that
# pip takes the CPU build named by TORCH_SPEC instead of resolving a CUDA one.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
TORCH_SPEC ?= torch==2.13.0
EXTRAS ?= test,ray,server
DATA := termlock/corpora/data
OUT ?= out

.PHONY: demo test install clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet "$(TORCH_SPEC)"
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

test: install
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache .hypothesis
