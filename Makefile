# salespack: `make report` renders the sample org's month; `make test` runs the tests.
# Both build the environment first (system packages, .venv with pinned dependencies).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SAMPLE_PERIOD := 2026-10
OUTPUTS := outputs

.PHONY: setup system report test sample clean

setup: system $(VENV)/.installed

system:
	@scripts/ensure-system-packages.sh

$(VENV)/.installed: requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements.lock
	$(BIN)/python -m pip install -q --no-deps --no-build-isolation -e .
	@touch $@

report: setup
	$(BIN)/salespack run --inputs inputs --outputs $(OUTPUTS) --period $(SAMPLE_PERIOD) --config config/salespack.yaml
	@echo "Documents: $(CURDIR)/$(OUTPUTS)/$(SAMPLE_PERIOD)/"

test: setup
	$(BIN)/python -m pytest -q

sample: setup
	$(BIN)/python -m pipeline.sample inputs

clean:
	rm -rf $(OUTPUTS) .pytest_cache
