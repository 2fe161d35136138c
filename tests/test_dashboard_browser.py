"""The workshop dashboard in a real browser: Debian's Chromium driven by Playwright.

Starts ``python -m sim.app`` on a free loopback port and, on a 1920x1080 projector screen, checks that
the week, the headline, the network and the three main charts fit without scrolling with chart text
of at least 14 px and every slider showing its value; presses Step, moves sliders, fires the
intervention, measures Play (at least 8 weeks a second on screen at company size), reloads (the run is
kept) and resets; and opens the page on ``--scenario``/``--org`` presets. Every request that would
leave this machine is refused and recorded (the dashboard must work with no internet). Playwright's own browser builds
are never downloaded: the system Chromium is used (``SIM_CHROMIUM``, default ``/usr/bin/chromium``).

Without Chromium or Playwright the test skips on a laptop and fails in CI (``CI=true``), where
``.ci/run`` installs both. ``DASHBOARD_SCREENSHOT=docs/dashboard.png`` also saves the picture in docs/workshop.md.
"""

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
START_TIMEOUT = 90  # seconds for the server to answer (imports, first compose)
UI_TIMEOUT_MS = 30_000  # per expectation, generous for a busy 2-core machine
STEP_SECONDS = 2  # longer than one week's step and redraw takes here (well under a second)
PLAY_SECONDS = 5  # how long Play is measured
MIN_WEEKS_PER_SECOND = 8  # issue: at least 8 weeks a second on screen at company size

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _unavailable(reason: str) -> None:
    """Skip on a developer's machine; fail in CI, where .ci/run installs what this test needs."""
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"{reason} (CI must run the browser test: .ci/run installs chromium and the dev extra)")
    pytest.skip(reason)


@pytest.fixture
def chromium() -> str:
    """The system Chromium's path, checked before any server is started."""
    path = os.environ.get("SIM_CHROMIUM", "/usr/bin/chromium")
    found = shutil.which(path)
    if found is None:
        _unavailable(f"no Chromium at {path} (apt-get install chromium, or set SIM_CHROMIUM)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        _unavailable("playwright is not installed (it is in the dev extra)")
    return found


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_serving(url: str, server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"the dashboard exited with {server.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    pytest.fail(f"the dashboard did not answer at {url} within {START_TIMEOUT} s:\n{log.read_text()}")


def stop(server: subprocess.Popen) -> None:
    """Stop the server by its PID (its own process group: nothing else is touched)."""
    if server.poll() is not None:
        return
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=10)


def serve(tmp_path: Path, *args: str) -> Iterator[str]:
    """The URL of a dashboard served by ``python -m sim.app ARGS`` on a free loopback port."""
    port = free_port()
    log = tmp_path / f"server-{port}.log"
    env = {**os.environ, "MPLBACKEND": "Agg"}
    with log.open("w") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "sim.app", "--port", str(port), *args],
            cwd=tmp_path,  # not the checkout: the installed package must find its own configs
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_until_serving(url, server, log)
        yield url
    finally:
        stop(server)


@pytest.fixture
def dashboard(tmp_path) -> Iterator[str]:
    yield from serve(tmp_path)


@pytest.fixture
def launched(tmp_path) -> Iterator[str]:
    """A dashboard launched on a story and the example hotel's chart."""
    chart = ROOT / "examples" / "org" / "harbour_hotel.csv"
    yield from serve(tmp_path, "--scenario", "replace_manager_a", "--org", str(chart), "--seed", "5")


@contextlib.contextmanager
def browser_page(chromium: str, tmp_path: Path, refused: list[str], width: int = 1920, height: int = 1080):
    """A fresh Chromium page of ``width`` x ``height`` whose requests off this machine are refused and kept."""
    from playwright.sync_api import expect, sync_playwright

    def only_this_machine(route) -> None:
        host = urlsplit(route.request.url).hostname
        if route.request.url.startswith("data:") or host == "127.0.0.1":
            route.continue_()
        else:
            refused.append(route.request.url)
            route.abort()

    with sync_playwright() as pw:
        browser = pw.chromium.launch_persistent_context(
            str(tmp_path / f"profile-{width}"),  # a fresh user data dir
            executable_path=chromium,
            headless=True,
            args=CHROMIUM_FLAGS,
            viewport={"width": width, "height": height},
            timeout=60_000,
        )
        browser.set_default_timeout(UI_TIMEOUT_MS)
        expect.set_options(timeout=UI_TIMEOUT_MS)  # expect() has its own default of 5 s
        page = browser.new_page()
        page.route("**/*", only_this_machine)
        try:
            yield page
        except Exception:
            # what the page showed when it went wrong (the server's log is beside it)
            page.screenshot(path=str(tmp_path / "failure.png"))
            print(f"failure screenshot and server log in {tmp_path}")
            raise
        finally:
            browser.close()


def week_number(locator) -> int:
    """The week the page shows ("Week 12" -> 12)."""
    return int(locator.inner_text().split()[1])


def settled_week(page, locator) -> int:
    """The week once it has stayed the same for longer than a step takes (fails if it never does)."""
    last = week_number(locator)
    for _ in range(10):
        page.wait_for_timeout(STEP_SECONDS * 1000)
        now = week_number(locator)
        if now == last:
            return now
        last = now
    pytest.fail("the week kept moving after Pause")


def changed_image(locator, before: bytes, timeout_s: float = UI_TIMEOUT_MS / 1000) -> bytes:
    """A screenshot of ``locator`` once it differs from ``before`` (fails after ``timeout_s``)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        now = locator.screenshot()
        if now != before:
            return now
        time.sleep(0.3)
    pytest.fail("the chart did not change")


def manager_a(styles) -> int:
    """How many leaders lead like Manager A ("leaders by style: manager_a 12, manager_b 13" -> 12)."""
    return int(re.search(r"manager_a (\d+)", styles.inner_text()).group(1))


def inside_viewport(page, locator, width: int, height: int) -> None:
    box = locator.bounding_box()
    assert box is not None, "not drawn"
    assert box["x"] >= 0 and box["y"] >= 0, box
    assert box["x"] + box["width"] <= width + 1 and box["y"] + box["height"] <= height + 1, box


# the smallest on-screen size of any chart's text: its font size in the SVG times the SVG's scale
SMALLEST_TEXT_PX = """() => {
  let smallest = Infinity;
  for (const svg of document.querySelectorAll('.chart svg')) {
    const box = svg.viewBox.baseVal;
    const scale = box && box.width ? svg.getBoundingClientRect().width / box.width : 1;
    for (const text of svg.querySelectorAll('text')) {
      if (!text.textContent.trim()) continue;
      smallest = Math.min(smallest, parseFloat(getComputedStyle(text).fontSize) * scale);
    }
  }
  return smallest;
}"""


def test_one_projector_screen_plays_fast_and_the_controls_reach_the_model(chromium, dashboard, tmp_path):
    from playwright.sync_api import expect

    started = time.monotonic()
    refused: list[str] = []
    with browser_page(chromium, tmp_path, refused) as page:
        page.goto(dashboard, timeout=60_000)
        week = page.locator(".week-counter")
        expect(week).to_have_text("Week 0", timeout=60_000)

        # One screen at 1920x1080: the week, the headline numbers, the network and the three main
        # charts without scrolling; chart text at least 14 px; every slider shows its value.
        for selector in (
            ".week-counter",
            ".headline",
            ".chart-network",
            ".chart-culture",
            ".chart-people",
            ".chart-service",
        ):
            inside_viewport(page, page.locator(selector), 1920, 1080)
        assert page.evaluate(SMALLEST_TEXT_PX) >= 14
        sliders = page.locator(".v-slider")
        assert sliders.count() >= 3 + 7 + 6  # play interval, weeks per step, seed; levers; policies
        for k in range(sliders.count()):
            label = sliders.nth(k).locator(".v-slider__thumb-label")
            assert label.count() == 1 and label.inner_text().strip() != "", f"slider {k} shows no value"

        chart = page.locator(".chart-culture")
        blank = chart.screenshot()
        step = page.get_by_role("button", name="Step")
        for n in (1, 2, 3):
            step.click()
            expect(week).to_have_text(f"Week {n}")
        drawn = changed_image(chart, blank)
        assert len(drawn) > 1000
        # the baseline is drawn on every line chart, faint
        for name in ("culture", "people", "service", "turnover"):
            assert page.locator(f".chart-{name} svg [data-role=baseline]").count() >= 1, name

        # A lever slider, moved mid-run, reaches the running model; slider and "In the model now" agree.
        vision = page.locator(".live-vision")
        assert vision.inner_text() != "service vision: 1.00"
        slider = page.locator(".v-input", has_text="service vision")
        slider.get_by_role("slider").focus()
        page.keyboard.press("End")
        expect(vision).to_have_text("service vision: 1.00")
        expect(slider.locator(".v-slider__thumb-label")).to_have_text("1")
        page.locator(".v-input", has_text="curb on negative talk").get_by_role("slider").focus()
        page.keyboard.press("Home")
        expect(page.locator(".live-negative_talk_curb")).to_have_text("curb on negative talk: 0.00")

        # The intervention: Manager A's leaders lead like Manager B from next week.
        styles = page.locator(".live-styles")
        before = manager_a(styles)
        assert before > 2
        page.get_by_role("button", name="Replace Manager A with Manager B").click()
        expect(page.locator(".intervention-status")).to_contain_text("in week 4")
        step.click()
        expect(week).to_have_text("Week 4")
        # every Manager A in post changes; a leader hired this week may draw Manager A's style again
        expect(styles).not_to_contain_text(f"manager_a {before},")
        assert manager_a(styles) <= 1
        changed_image(chart, drawn)  # week 4, with the intervention's mark

        # Play: at least 8 weeks a second on screen at company size, measured after a second's warm-up.
        page.get_by_role("button", name="▶").click()
        page.wait_for_timeout(1000)
        first, since = week_number(week), time.monotonic()
        page.wait_for_timeout(PLAY_SECONDS * 1000)
        rate = (week_number(week) - first) / (time.monotonic() - since)
        print(f"play: {rate:.1f} weeks/s on screen")
        assert rate >= MIN_WEEKS_PER_SECOND, f"{rate:.1f} weeks/s"
        page.get_by_role("button", name="❚❚").click()
        expect(step).to_be_enabled()  # Mesa disables Step while playing
        paused = settled_week(page, week)  # the week being drawn when Pause came still lands
        page.wait_for_timeout(STEP_SECONDS * 1000)
        assert week_number(week) == paused > 5

        # A reload keeps the running session: same week, same moved lever.
        page.reload()
        expect(week).to_have_text(f"Week {paused}", timeout=60_000)
        vision_slider = page.locator(".v-input", has_text="service vision").locator(".v-slider__thumb-label")
        expect(vision_slider).to_have_text("1")  # the value the room set

        shot = tmp_path / "dashboard.png"
        page.screenshot(path=str(shot))
        assert shot.stat().st_size > 10_000
        if os.environ.get("DASHBOARD_SCREENSHOT"):
            # the picture in docs/workshop.md: a year on, the projector's whole screen
            page.locator(".v-input", has_text="weeks per step").get_by_role("slider").focus()
            page.keyboard.press("End")
            step.click()
            expect(week).to_have_text(f"Week {paused + 52}")
            page.wait_for_timeout(1500)
            page.screenshot(path=str(ROOT / os.environ["DASHBOARD_SCREENSHOT"]))

        # Reset: a fresh run at week 0 of the moved levers and policies (the composed config).
        page.get_by_role("button", name="Reset").click()
        expect(week).to_have_text("Week 0")
        expect(styles).not_to_contain_text(re.compile(r"manager_a [01],"))  # the old leaders are back
        lever = float(page.locator(".live-vision").inner_text().split(":")[1])
        assert lever >= 0.9  # the preset 1.0 plus per-leader noise, clipped at 1
        expect(page.locator(".live-negative_talk_curb")).to_have_text("curb on negative talk: 0.00")
    assert refused == [], f"the page tried to leave this machine: {refused}"
    print(f"browser test: {time.monotonic() - started:.1f} s after the server answered")


def test_the_launch_presets_open_on_the_story_and_the_clients_chart(chromium, launched, tmp_path):
    from playwright.sync_api import expect

    refused: list[str] = []
    with browser_page(chromium, tmp_path, refused) as page:
        page.goto(launched, timeout=60_000)
        expect(page.locator(".week-counter")).to_have_text("Week 0", timeout=60_000)
        story = page.locator(".story-picker")
        expect(story).not_to_contain_text("replace_manager_a")  # a title, not a file name
        expect(page.locator(".v-toolbar__title")).not_to_have_text("Service culture workshop")
        seats = page.locator(".chart-network svg g.network-nodes > *")
        assert seats.count() == 46  # the hotel's seats, not a generated org's
        expect(page.locator(".v-select", has_text="organisation")).to_contain_text("client's chart")
    assert refused == [], f"the page tried to leave this machine: {refused}"
