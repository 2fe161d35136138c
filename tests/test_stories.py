"""The workshop's catalogue of stories (configs/workshop.yaml) and the claim arms kept apart (sim/viz/stories.py)."""

import re
from pathlib import Path

import pytest

import sim.config
from sim.config import ConfigError, option_about, option_names
from sim.viz.stories import (
    CLAIM_ARM,
    STORY,
    claim_arm_title,
    claims_by_arm,
    read_catalogue,
    research_scenarios,
    story,
    workshop_stories,
)

STORIES = workshop_stories()
ARMS = claims_by_arm()


@pytest.mark.parametrize("entry", STORIES, ids=[s.name for s in STORIES])
def test_every_story_is_a_scenario_with_a_title_and_a_one_line_description(entry):
    assert entry.name in option_names("scenario")
    assert entry.kind == STORY
    assert entry.title.strip() and "\n" not in entry.title
    assert entry.description.strip() and "\n" not in entry.description
    assert len(entry.description) < 140, f"{entry.name}: a picker line, not a paragraph"
    assert not re.search(r"\bC\d+", entry.title + entry.description), "the room reads plain words, not claim numbers"


def test_the_picker_shows_each_title_once():
    titles = [s.title for s in STORIES]
    assert len(titles) == len(set(titles))
    research = [s.title for s in research_scenarios()]
    assert len(research) == len(set(research))


def test_every_scenario_is_a_story_or_a_claim_arm_so_none_is_forgotten():
    stories = {s.name for s in STORIES}
    missing = [name for name in option_names("scenario") if name not in stories and name not in ARMS]
    assert not missing, f"add to configs/workshop.yaml (or to a claim in configs/research/claims.yaml): {missing}"


def test_claim_arms_are_kept_apart_unless_a_session_needs_them():
    stories = {s.name for s in STORIES}
    research = research_scenarios()
    assert [s.name for s in research] == list(ARMS), "every claim arm is offered under the research list"
    assert all(s.kind == CLAIM_ARM and s.claim == ARMS[s.name].id for s in research)
    # claim arms are the exception in the workshop list, not the rule
    assert len(stories & set(ARMS)) < len(ARMS) / 4
    for name in set(ARMS) - stories:
        assert story(name).kind == CLAIM_ARM
    for name in stories & set(ARMS):
        assert story(name).kind == STORY and story(name).claim == ARMS[name].id


def test_research_scenarios_are_grouped_by_claim_in_the_specs_order():
    claims = [s.claim for s in research_scenarios()]
    runs = [c for i, c in enumerate(claims) if i == 0 or claims[i - 1] != c]
    assert runs == list(dict.fromkeys(claims)), "each claim's arms together"
    assert runs == [str(arm.id) for arm in dict.fromkeys(ARMS.values())]


@pytest.mark.parametrize("name", list(ARMS))
def test_a_claim_arm_is_titled_by_its_header_comment_without_the_claim_label(name):
    title = claim_arm_title(name)
    assert title[:1].isupper() and not re.match(r"C\d", title)
    assert title.lower() in option_about("scenario", name).lower()
    listed = {s.name: s for s in research_scenarios()}[name]
    assert listed.title == title
    assert listed.description.startswith(f"{ARMS[name].id}")
    assert " ".join(ARMS[name].claim.split()) in listed.description


def test_a_scenario_with_no_header_comment_is_titled_by_its_name(tmp_path, monkeypatch):
    (tmp_path / "scenario").mkdir()
    (tmp_path / "scenario" / "bare.yaml").write_text("# @package _global_\nname: bare\n")
    monkeypatch.setattr(sim.config, "config_dir", lambda: tmp_path)
    assert claim_arm_title("bare") == "bare"


def test_an_unknown_name_is_one_line_naming_the_stories():
    with pytest.raises(ConfigError) as err:
        story("manager_c")
    message = str(err.value)
    assert "\n" not in message
    assert "manager_c" in message
    assert all(s.name in message for s in STORIES)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("stories:\n  no_such_scenario: {title: T, description: D}\n", "configs/scenario/no_such_scenario.yaml"),
        ("stories:\n  manager_a_vs_b: {title: T}\n", "exactly the keys title, description"),
        ("stories:\n  manager_a_vs_b: {title: T, description: D, colour: red}\n", "exactly the keys"),
        ("stories:\n  manager_a_vs_b: {title: '', description: D}\n", "stories.manager_a_vs_b.title"),
        ('stories:\n  manager_a_vs_b: {title: T, description: "one\\ntwo"}\n', "description must be one line"),
        ("stories: []\n", "give a mapping 'stories:'"),
        ("stories: [\n", "cannot be read"),
    ],
)
def test_a_wrong_catalogue_is_refused_in_one_line(tmp_path, text, says):
    path = tmp_path / "workshop.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as err:
        read_catalogue(path)
    assert says in str(err.value)
    assert "\n" not in str(err.value)


def test_the_shipped_catalogue_reads_as_the_workshop_list():
    from sim.viz.stories import catalogue_path

    assert read_catalogue(catalogue_path()) == STORIES


def test_the_trainers_guide_lists_every_story_by_its_title_and_scenario():
    guide = (Path(__file__).resolve().parent.parent / "docs" / "workshop.md").read_text(encoding="utf-8")
    for entry in STORIES:
        assert f"| {entry.title} | `{entry.name}` |" in guide, f"docs/workshop.md's story table lacks {entry.name}"
