# `make run` (set up, then run the default scenario) and `make test`; `make dashboard` serves the
# workshop dashboard (sim/app.py) on 127.0.0.1:8765; `make notebooks` opens notebooks/ in JupyterLab;
# `make strip-notebooks` clears their outputs before a commit.
# Each target installs only what it needs into .venv (scripts/bootstrap.sh: a Python >= 3.12 from PATH,
# then pyenv; versions from constraints.txt): `run` the package alone, `dashboard` the dashboard extra,
# `notebooks` the notebooks extra, `test`, `lint`, `setup` and `run-notebooks` the dev extra. What one
# target installed stays for the next. EXTRAS="research" (say) adds extras to any target's.
.PHONY: setup run test dashboard lint clean notebooks run-notebooks strip-notebooks
PY := .venv/bin/python
BOOTSTRAP = @sh scripts/bootstrap.sh $(EXTRAS)

setup:
	$(BOOTSTRAP) dev

run:
	$(BOOTSTRAP)
	@$(PY) -m sim $(ARGS)

test:
	$(BOOTSTRAP) dev
	@$(PY) -m pytest $(ARGS)

dashboard:
	$(BOOTSTRAP) dashboard
	@$(PY) -m sim.app $(ARGS)

notebooks:
	$(BOOTSTRAP) notebooks
	@.venv/bin/jupyter-lab notebooks $(ARGS)

run-notebooks:
	$(BOOTSTRAP) dev
	@$(PY) -m pytest tests/test_notebooks.py $(ARGS)

strip-notebooks:
	$(BOOTSTRAP) dev
	@$(PY) scripts/strip_notebooks.py

lint:
	$(BOOTSTRAP) dev
	@$(PY) -m ruff check .

clean:
	rm -rf .venv outputs multirun .pytest_cache
