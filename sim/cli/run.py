"""``python -m sim``: the Hydra app. One run, or a sweep with ``-m``.

    python -m sim                                   # the default scenario
    python -m sim scenario=c06_manager_b seed=3 org=small_team
    python -m sim style.recognition_rate=0.8        # every leader's lever (sim.config.StyleLevers)
    python -m sim -m seed=1,2,3                     # a sweep on the local parallel launcher
    python -m sim -m seed=range(8) hydra.sweep.dir=multirun/s1   # run again to resume
    python -m sim -m seed=range(100) replications=10             # 1,000 runs, ten a job (seeds 0..999)
    python -m sim --help                            # every group and key (docs/config.md)

Each run writes ``timeseries.parquet``, ``teams.parquet`` and ``summary.json`` into its Hydra output
folder (docs/outputs.md) and prints where they went; a single run draws ``figures/*.png`` too, a sweep
only with ``output.figures=true`` (``python -m sim.plots`` draws them later). A job of
``replications`` > 1 runs seeds ``seed*R .. seed*R+R-1``, each into its own ``seed<s>/`` subfolder, so
Hydra's work for a job is paid once for R runs. A run whose folder already holds a complete run of
the same configuration and seed (``run_key``, sim.sweeps.jobs) is skipped, so re-running a sweep into
the same folder resumes it.

Every mistake on the command line ends in one line, ``error: ...``, and exit code 2: the overrides are
checked before Hydra starts (``sim.cli.overrides``, with the closest names for a typo), and what only
composing finds (Hydra's and OmegaConf's errors, ``sim.config.validate``) is cut to one line here
(``HYDRA_FULL_ERROR=1`` gives a developer the whole trace). Ctrl-C stops a sweep with one line saying how
far it got and exit code 130, its workers gone. On Slurm (submitit), a submission refused or a job lost
ends in one line and exit code 1.
"""

from __future__ import annotations

import logging
import os
import re
import sys
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.errors import HydraException
from hydra.types import RunMode
from omegaconf import DictConfig
from omegaconf.errors import OmegaConfBaseException

from sim.cli.overrides import check_overrides, checks_apply, constant_keys, fail, parse_command_line
from sim.config import ConfigError, config_dir, one_line, register_configs, with_style_levers
from sim.sweeps.folders import register_resolver

#: where a sweep's folder names (sim.sweeps.folders) learn which keys the command line holds constant
EXCLUDE_KEYS = "hydra.job.config.override_dirname.exclude_keys"
INTERRUPTED = 130  # the shell's code for a process stopped by SIGINT

# Every process that runs a job resolves its folder name (hydra.sweep.subdir): a joblib or Ray worker
# imports this module when it unpickles the task.
register_resolver()


def _task(cfg: DictConfig) -> float:
    logging.getLogger("MESA").setLevel(logging.WARNING)
    from sim.results import SUMMARY, run_key
    from sim.run import run_and_write
    from sim.sweeps.jobs import finished_with_key, record_finished, remove_leftovers, replicate_dir, replicate_seeds

    hydra_cfg = HydraConfig.get()
    out = Path(hydra_cfg.runtime.output_dir)
    sweeping = hydra_cfg.mode == RunMode.MULTIRUN
    draw = (not sweeping) if cfg.output.figures is None else bool(cfg.output.figures)
    if draw:  # matplotlib is a second's import a worker of a sweep without figures need not pay
        from sim.viz.plots import run_figures
    seeds = replicate_seeds(cfg.seed, cfg.replications)
    value = float("nan")
    try:
        cfg = with_style_levers(cfg)  # the leaders' values go into the summary's config and its run key
        for seed in seeds:
            folder = replicate_dir(out, seed, len(seeds))
            if finished_with_key(folder, run_key(cfg, seed=seed)):
                print(f"skipped: {folder} already holds this run (same config and seed)")
                value = _report(folder / SUMMARY)
                continue
            remove_leftovers(folder)
            # The model validates the config (and what only building it finds, e.g. a bad org chart
            # file with org=from_file) before anything is written. A sweep shows one progress bar for
            # all its runs (sim.sweeps.jobs.SweepProgress), not one per run.
            written = run_and_write(
                cfg, folder, seed=seed, progress=False if sweeping else None, figures=run_figures if draw else None
            )
            if sweeping:
                record_finished(Path(hydra_cfg.sweep.dir), folder)
            print(f"wrote {len(written)} files to {folder}")
            value = _report(written["summary"])
    except (ConfigError, OmegaConfBaseException) as exc:  # a bad value, or an interpolation that resolves to none
        print(f"error: {one_line(exc)}", file=sys.stderr)
        sys.exit(2)
    return value


def _report(summary: Path) -> float:
    import json

    final = json.loads(Path(summary).read_text())["final"]
    print(
        "final week: "
        + ", ".join(f"{k}={final[k]:.3f}" for k in ("culture_mean", "service_quality", "customer_satisfaction"))
    )
    return float(final["service_quality"])


def _close_progress_bars() -> None:
    """End the sweep's progress bar on its own line before the last word (its thread outlives an error)."""
    from tqdm import tqdm

    for bar in list(tqdm._instances):  # noqa: SLF001  tqdm's own list of open bars
        bar.close()


def _interrupted(multirun: bool, sweep_dir_given: bool) -> None:
    """Ctrl-C: close the progress bars, say how far the sweep got in one line, exit 130. joblib has already
    ended its workers (its abort terminates them), and they hold no semaphore to leak (sim.run.run makes no
    progress bar in a sweep's job)."""
    from sim.sweeps.jobs import SweepProgress, count_finished

    _close_progress_bars()
    if not multirun:
        message = "interrupted: the run stopped before it finished"
    elif SweepProgress.started is None:
        message = "interrupted: the sweep stopped before any run started"
    else:
        sweep_dir, total = SweepProgress.started
        done = count_finished(sweep_dir)
        again = "the same command" if sweep_dir_given else f"the same command with hydra.sweep.dir={sweep_dir}"
        of = "" if total is None else f" of {total}"
        message = f"interrupted: {done}{of} runs finished; run {again} to resume"
    print(message, file=sys.stderr)
    sys.exit(INTERRUPTED)


def main() -> None:
    """Entry point of ``python -m sim`` and of the ``service-culture`` script."""
    argv = sys.argv[1:]
    args = parse_command_line(argv)
    parsed = []
    if checks_apply(args):
        try:
            parsed = check_overrides(args.overrides, multirun=args.multirun)
        except ConfigError as exc:
            fail(str(exc))
    if args.help:
        _print_help([o.input_line for o in parsed if not o.is_hydra_override() and not o.is_sweep_override()])
        return
    constant = constant_keys(parsed)
    if args.multirun and constant and not any(o.key_or_group == EXCLUDE_KEYS for o in parsed):
        argv.append(f"{EXCLUDE_KEYS}=[{','.join(repr(k) for k in constant)}]")
    register_configs()
    app = hydra.main(config_path=str(config_dir()), config_name="config", version_base="1.3")(_task)
    sys.argv = [sys.argv[0], *argv]
    if args.multirun:  # joblib is not a single run's import
        from sim.sweeps.local_workers import use_watched_workers

        use_watched_workers()
    developer = os.environ.get("HYDRA_FULL_ERROR") == "1"
    # Hydra then raises its errors instead of printing them over several lines; they end in one line here
    os.environ["HYDRA_FULL_ERROR"] = "1"
    try:
        app()
    except KeyboardInterrupt:
        _interrupted(args.multirun, any(o.key_or_group == "hydra.sweep.dir" for o in parsed))
    except (HydraException, OmegaConfBaseException, ConfigError) as exc:
        if developer:
            raise
        _close_progress_bars()
        fail(one_line(exc))
    except RuntimeError as exc:
        told = _cluster_error(exc)
        if told is None or developer:
            raise
        _close_progress_bars()
        print(f"error: {told}", file=sys.stderr)
        sys.exit(1)


def _cluster_error(exc: RuntimeError) -> str | None:
    """One line for what a cluster (Slurm, through submitit) did to a sweep: refused its submission
    (a wrong partition, account or resource request), or ended a job without its result (cancelled,
    killed, out of time or memory, or failed). submitit's own messages are sbatch's output or the
    job's whole log; None for any other error.

    Hydra's submitit launcher waits for its jobs in order and gives up at the first lost one; the
    jobs after it run on, and every run they finish is kept, so the same command later runs only
    what is missing (the run key, sim.sweeps.jobs)."""
    utils = sys.modules.get("submitit.core.utils")  # imported only if a submitit launcher ran
    if utils is None or not isinstance(exc, utils.UncompletedJobError):
        return None
    text = str(exc)
    command = getattr(exc.__cause__, "cmd", None)
    if isinstance(command, list | tuple) and command and Path(str(command[0])).name == "sbatch":
        said = [line.split("error:", 1)[1].strip() for line in text.splitlines() if "error:" in line]
        why = (said[-1] if said else one_line(exc)).removeprefix("Batch job submission failed: ")
        return (
            f"Slurm refused the sweep's submission ({why}): no job was submitted; "
            "check hydra.launcher.partition, account, qos and the resources asked for"
        )
    # the job's folder, .submitit/<job id>/, from the result file it lacks or the log of its failure
    path = re.search(r"with path (\S+)", text) or re.search(r"^  - (\S+)", text, re.MULTILINE)
    folder = Path(path.group(1)).parent if path else None
    if isinstance(exc, utils.FailedJobError):  # the run raised: the trace's last line says what
        trace = text.split("----------------------\n")
        lines = [line.strip() for line in (trace[1] if len(trace) > 1 else "").splitlines() if line.strip()]
        why = f"failed: {lines[-1]}" if lines else "failed"
    elif said := [line.strip() for line in text.splitlines() if line.strip().startswith("error: ")]:
        why = f"failed: {said[-1].removeprefix('error: ')}"  # the run's own one-line error, from its log
    else:
        state = re.search(r"\(state: ([^)]*)\)", text)
        why = f"ended without its run ({state.group(1) if state else 'no result'})"
    name = f"job {folder.name}" if folder else "a job"
    where = f" (log in {folder})" if folder else ""
    return (
        f"{name} {why}{where}; the other jobs run on and their runs are kept: "
        "when they have ended, run the same command to run what is missing"
    )


def _print_help(overrides: list[str]) -> None:
    """``--help``: every group and key, with the defaults of the config ``overrides`` compose."""
    from sim.cli.config_help import help_text
    from sim.config import load_config

    try:
        cfg = load_config(overrides)
    except ConfigError as exc:
        fail(str(exc))
    print(help_text(cfg), end="")


if __name__ == "__main__":
    main()
