# salespack: `make report` renders the sample org's month and the quarter before it; `make test` runs the tests.
# Both build the environment first (system packages, .venv with pinned dependencies).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SAMPLE_PERIOD := 2026-10
# The sample's last closed quarter: the quarterly meeting's pack.
SAMPLE_QUARTER := 2026-Q3
OUTPUTS := outputs

BENCH_SCALE ?= 0.05
BENCH_SIZES ?= 1,4

.PHONY: setup system report test bench sample clean

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
	$(BIN)/salespack run --inputs inputs --outputs $(OUTPUTS) --period $(SAMPLE_QUARTER) --config config/salespack.yaml
	@echo "Documents: $(CURDIR)/$(OUTPUTS)/$(SAMPLE_PERIOD)/ and $(CURDIR)/$(OUTPUTS)/$(SAMPLE_QUARTER)/"

test: setup
	$(BIN)/python -m pytest -q

# The month end at two sizes; BENCH_SCALE=1 is the large case (2,000 reps, 1M order lines).
bench: setup cluster-setup
	$(BIN)/python -m bench.run --scale $(BENCH_SCALE) --sizes $(BENCH_SIZES)
	@echo "Results: $(CURDIR)/$(OUTPUTS)/bench/bench.json"

sample: setup
	$(BIN)/python -m pipeline.sample inputs

clean:
	rm -rf $(OUTPUTS) .pytest_cache

# The `cluster` extra (Dask, for --scheduler) and its tests: a real scheduler and workers on 127.0.0.1.
# `make test` skips tests/cluster; this target runs them.
.PHONY: cluster-setup cluster-test

cluster-setup: setup $(VENV)/.cluster-installed

$(VENV)/.cluster-installed: requirements-cluster.lock $(VENV)/.installed
	$(BIN)/python -m pip install -q -r requirements-cluster.lock -c requirements.lock
	@touch $@

# Bounded: a hang (CI once hung after its last test, in Dask's callback thread) fails in
# 20 minutes, with this said, instead of using up CI's 90.
cluster-test: cluster-setup
	timeout --kill-after=30 1200 $(BIN)/python -m pytest -q tests/cluster || { status=$$?; \
	  if [ $$status -ge 124 ]; then echo "make cluster-test: tests/cluster did not end within 20 minutes" >&2; fi; \
	  exit $$status; }
