# Two commands: `make run` (set up, then run the default scenario) and `make test`;
# `make dashboard` serves the workshop dashboard (sim/app.py) on 127.0.0.1:8765.
# `make notebooks` opens notebooks/ in JupyterLab; `make strip-notebooks` clears their outputs before a commit.
# scripts/bootstrap.sh finds a Python >= 3.12 (PATH, then pyenv) and builds .venv.
.PHONY: setup run test dashboard lint clean notebooks run-notebooks strip-notebooks
PY := .venv/bin/python

setup:
	@sh scripts/bootstrap.sh

run: setup
	@$(PY) -m sim $(ARGS)

test: setup
	@$(PY) -m pytest $(ARGS)

dashboard: setup
	@$(PY) -m sim.app $(ARGS)

notebooks: setup
	@test -x .venv/bin/jupyter-lab || $(PY) -m pip install --quiet --disable-pip-version-check -e ".[notebooks]"
	@.venv/bin/jupyter-lab notebooks $(ARGS)

run-notebooks: setup
	@$(PY) -m pytest tests/test_notebooks.py $(ARGS)

strip-notebooks: setup
	@$(PY) scripts/strip_notebooks.py

lint: setup
	@$(PY) -m ruff check .

clean:
	rm -rf .venv outputs multirun .pytest_cache
