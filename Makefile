# mmvssl — the two commands: `make demo` and `make test`.
SHELL := /bin/bash
VENV ?= .venv
ifdef VIRTUAL_ENV
PY := python
else ifdef CONDA_PREFIX
PY := python
else
PY := $(CURDIR)/$(VENV)/bin/python
endif
STAMP := $(VENV)/.mmvssl-installed
PYTEST_ARGS ?=
METHOD ?= constcl

.PHONY: install test test-fast demo clean-demo help

help:
	@echo "make install   set up .venv with the OpenMMLab stack (mmcv built once, cached)"
	@echo "make test      install if needed, then run the test suite"
	@echo "make demo      install if needed, then run the main job on the synthetic benchmark"

install:
	@bash tools/install.sh

# Re-run the (idempotent) installer when the requirements changed.
$(STAMP): tools/install.sh setup.py requirements/runtime.txt requirements/tests.txt requirements/mminstall.txt
	@bash tools/install.sh
	@touch $(STAMP)

test: $(STAMP)
	$(PY) -m pytest tests $(PYTEST_ARGS)

test-fast: $(STAMP)
	$(PY) -m pytest tests -m "not slow" $(PYTEST_ARGS)

demo: $(STAMP)
	$(PY) tools/demo.py --method $(METHOD) $(DEMO_ARGS)
