# Two commands: `make run` (set up, then run the default scenario) and `make test`;
# `make dashboard` serves the workshop dashboard (sim/app.py) on 127.0.0.1:8765.
# scripts/bootstrap.sh finds a Python >= 3.12 (PATH, then pyenv) and builds .venv.
.PHONY: setup run test dashboard lint clean
PY := .venv/bin/python

setup:
	@sh scripts/bootstrap.sh

run: setup
	@$(PY) -m sim $(ARGS)

test: setup
	@$(PY) -m pytest $(ARGS)

dashboard: setup
	@$(PY) -m sim.app $(ARGS)

lint: setup
	@$(PY) -m ruff check .

clean:
	rm -rf .venv outputs multirun .pytest_cache
