"""The small public helpers the notebooks use: many seeds, bands over seeds, a team's network
picture, an imported org's team names."""

import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import PathCollection
from matplotlib.figure import Figure

from sim import ConfigError, load_config, run, run_seeds
from sim.org.files import read_org
from sim.run import band
from sim.viz.plots import band_plot, model_network_figure

HOTEL = [
    "org=from_file",
    "org.path=examples/org/harbour_hotel.csv",
    "org.survey=examples/org/harbour_hotel_survey.csv",
]


@pytest.fixture(scope="module")
def reps():
    return run_seeds(load_config(["org=small_team"]), [3, 4, 5], steps=12)


def test_run_seeds_stacks_one_run_per_seed_and_repeats_each_run(reps):
    ts = reps.timeseries
    assert list(ts.columns[:2]) == ["seed", "step"]
    assert sorted(ts["seed"].unique()) == [3, 4, 5]
    assert ts.groupby("seed")["step"].apply(list).map(lambda s: s == list(range(1, 13))).all()
    alone = run(load_config(["org=small_team"]), seed=4, steps=12).timeseries
    pd.testing.assert_frame_equal(ts[ts["seed"] == 4].drop(columns="seed").reset_index(drop=True), alone)
    # the seeds are different runs
    assert ts[ts["seed"] == 3]["culture_mean"].to_numpy() != pytest.approx(alone["culture_mean"].to_numpy())
    teams = reps.teams
    assert teams.columns[0] == "seed"
    assert len(teams) == 3 * 12 * teams["team"].nunique()


def test_run_seeds_without_teams_and_without_seeds():
    cfg = load_config(["org=small_team"])
    assert run_seeds(cfg, [1], steps=3, teams=False).teams.empty
    with pytest.raises(ValueError, match="at least one seed"):
        run_seeds(cfg, [], steps=3)


def test_band_is_the_mean_and_the_quantiles_over_seeds():
    frame = pd.DataFrame({"seed": np.repeat(np.arange(11), 2), "step": np.tile([1, 2], 11)})
    frame["x"] = frame["seed"] * 1.0 + frame["step"] * 100
    b = band(frame, "x", level=0.8)
    assert list(b.columns) == ["step", "mean", "low", "high", "n"]
    assert b["mean"].tolist() == [105.0, 205.0]
    assert b["low"].tolist() == pytest.approx([101.0, 201.0])  # 10% quantile of 0..10
    assert b["high"].tolist() == pytest.approx([109.0, 209.0])
    assert b["n"].tolist() == [11, 11]
    with pytest.raises(ValueError, match="level"):
        band(frame, "x", level=1.0)


def test_replications_band_brackets_every_seed_at_level_one_minus_epsilon(reps):
    b = reps.band("engagement", level=0.999999)
    wide = reps.timeseries.groupby("step")["engagement"]
    assert b["low"].to_numpy() == pytest.approx(wide.min().to_numpy(), abs=1e-6)
    assert b["high"].to_numpy() == pytest.approx(wide.max().to_numpy(), abs=1e-6)


def test_band_plot_draws_the_mean_line_and_a_band(reps):
    ax = Figure().subplots()
    band_plot(ax, reps.timeseries, "trust", label="trust", color="tab:red")
    (line,) = ax.get_lines()
    b = reps.band("trust")
    assert line.get_ydata().tolist() == pytest.approx(b["mean"].tolist())
    assert line.get_label() == "trust" and ax.get_xlabel() == "week"
    assert len(ax.collections) == 1  # the band


def test_model_network_figure_draws_the_whole_org_or_one_team():
    model = run(load_config(["org=small_team"]), seed=1, steps=5).model
    org = model.org

    def drawn(fig: Figure) -> int:
        return sum(len(c.get_offsets()) for c in fig.axes[0].collections if isinstance(c, PathCollection))

    whole = model_network_figure(model)
    assert drawn(whole) == org.n
    assert "after 5 weeks" in whole.axes[0].get_title()
    team = int(np.flatnonzero(org.frontline_team)[-1])
    one = model_network_figure(model, team=team, variable="engagement")
    members = org.select(f"team:{team}")
    assert drawn(one) == int(members.sum())
    assert one.axes[0].get_title() == f"Engagement across team {team} after 5 weeks"
    assert one.axes[-1].get_ylabel() == "engagement (0-1)"  # the colour bar
    coloured = [c for c in one.axes[0].collections if isinstance(c, PathCollection) and c.get_array() is not None]
    shown = np.concatenate([c.get_array() for c in coloured])
    engaged = model.people.engagement[members & model.people.filled]
    assert sorted(shown) == pytest.approx(sorted(engaged))
    assert model_network_figure(model, title="a team").axes[0].get_title() == "a team"
    with pytest.raises(ValueError, match="does not exist"):
        model_network_figure(model, team=org.n_teams)
    with pytest.raises(ValueError, match="unknown person variable"):
        model_network_figure(model, variable="salary")


def test_read_org_names_the_teams_of_the_runs_team_table():
    cfg = load_config(HOTEL)
    hotel = read_org(cfg)
    names = dict(enumerate(hotel.team_names))
    assert names[0] == "Executive office" and "Kitchen" in names.values()
    teams = run(cfg, seed=7, steps=2).teams
    assert sorted(teams["team"].unique()) == list(range(len(names)))
    model = run(cfg, seed=8, steps=1).model
    np.testing.assert_array_equal(model.org.team_leader, hotel.org.team_leader)
    with pytest.raises(ConfigError, match="org=from_file"):
        read_org(load_config(["org=small_team"]))
