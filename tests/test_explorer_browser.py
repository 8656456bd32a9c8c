"""The explorer page in headless Chromium: controls, URL state, offline, and true numbers.

The site is the one ``tests/test_site.py`` builds (its ``built_site`` fixture), or, to check a
site built already, the folder in ``BANKNOTE_GD_EXPLORER_SITE``. It is served from 127.0.0.1;
Chromium resolves every other host to nothing, and the test checks that every resource the
page loaded came from the local server. Set ``BANKNOTE_GD_SCREENSHOTS`` to save screenshots
of the page at desktop (1400 px) and phone (400 px) width (see ``tests/test_site.py``).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from browser import chromium, serve
from test_site import _color_scheme, _open, _screenshot, _severe

pytestmark = pytest.mark.slow

SITE_ENV = "BANKNOTE_GD_EXPLORER_SITE"


@pytest.fixture(scope="module")
def explorer_site(request: pytest.FixtureRequest) -> Path:
    if os.environ.get(SITE_ENV):
        return Path(os.environ[SITE_ENV])
    site, _ = request.getfixturevalue("built_site")
    return site


@pytest.fixture(scope="module")
def explorer_url(explorer_site: Path):
    with serve(explorer_site) as url:
        yield url


@pytest.fixture(scope="module")
def offline_browser(tmp_path_factory: pytest.TempPathFactory):
    """Headless Chromium that can reach 127.0.0.1 and nothing else."""
    profile = tmp_path_factory.mktemp("chromium-explorer")
    offline = ["--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"]
    with chromium(profile, window="1400,1000", extra_args=offline) as driver:
        yield driver


def _load(driver, url: str) -> None:
    _open(driver, url)
    ready = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "if (!window.explorer) { done('no window.explorer'); return; }"
        "window.explorer.ready.then(() => done(true), (e) => done(String(e)));"
    )
    assert ready is True, ready


def _state(driver) -> dict:
    return driver.execute_script("return window.explorer.state()")


def _data(driver) -> dict:
    return driver.execute_script("return window.explorer.data()")


def _hash(driver) -> str:
    return driver.execute_script("return decodeURIComponent(location.hash)")


def _means(driver) -> list:
    return [s["mean"] for chart in _data(driver)["charts"] for s in chart["series"]]


def test_page_loads_offline_with_no_errors(offline_browser, explorer_url: str) -> None:
    driver = offline_browser
    _color_scheme(driver, "light")
    _load(driver, f"{explorer_url}/explorer/")
    assert _severe(driver) == []
    outside = driver.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)"
        ".filter(n => !n.startsWith(location.origin))"
    )
    assert outside == [], f"the page loaded from elsewhere: {outside}"
    loaded = driver.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)"
    )
    assert any("vendor/uplot/uPlot.iife.min.js" in name for name in loaded)
    assert any(name.endswith("assets/explorer/grid.f32") for name in loaded)
    data = _data(driver)
    assert data["view"] == "curves" and [c["metric"] for c in data["charts"]] == [
        "loss",
        "accuracy",
    ]
    assert _hash(driver).startswith("#view=curves&optimizer=")
    assert driver.find_elements("css selector", "#bgd-explorer canvas"), "no chart drawn"


def test_every_control_changes_the_chart_and_the_url(offline_browser, explorer_url: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import Select

    driver = offline_browser
    _load(driver, f"{explorer_url}/explorer/#optimizer=sgd&learning_rate=0.1&batch_size=32")
    meta = driver.execute_script("return window.explorer.meta()")

    def changes(action, key, expected) -> None:
        before_data, before_hash = _means(driver), _hash(driver)
        action()
        assert _state(driver)[key] == expected, key
        assert f"{key}={str(expected).lower()}" in _hash(driver) != before_hash, key
        assert _means(driver) != before_data, f"moving {key} did not change the chart"

    rates = meta["learning_rates"]["sgd"]
    rate = driver.find_element(By.ID, "bgd-learning-rate")
    changes(lambda: rate.send_keys(Keys.ARROW_RIGHT), "learning_rate", rates[rates.index(0.1) + 1])
    batch = driver.find_element(By.ID, "bgd-batch-size")
    sizes = meta["batch_sizes"]
    changes(lambda: batch.send_keys(Keys.ARROW_RIGHT), "batch_size", sizes[sizes.index(32) + 1])
    schedule = Select(driver.find_element(By.ID, "bgd-schedule"))
    changes(
        lambda: schedule.select_by_value(meta["schedules"][1]), "schedule", meta["schedules"][1]
    )
    features = Select(driver.find_element(By.ID, "bgd-standardize"))
    changes(lambda: features.select_by_value("false"), "standardize", False)
    optimizer = Select(driver.find_element(By.ID, "bgd-optimizer"))
    changes(lambda: optimizer.select_by_value("adam"), "optimizer", "adam")
    assert _state(driver)["learning_rate"] in meta["learning_rates"]["adam"]  # snapped
    split = Select(driver.find_element(By.ID, "bgd-split"))
    changes(lambda: split.select_by_value("test"), "split", "test")
    assert {s["split"] for c in _data(driver)["charts"] for s in c["series"]} == {"test"}

    driver.find_element(By.ID, "bgd-view-ucurve").click()
    assert _state(driver)["view"] == "ucurve" and "view=ucurve" in _hash(driver)
    data = _data(driver)
    assert data["view"] == "ucurve" and data["charts"][0]["x"] == meta["learning_rates"]["adam"]

    driver.find_element(By.ID, "bgd-pin").click()
    optimizer.select_by_value("sgd")
    state = _state(driver)
    assert len(state["compare"]) == 1 and state["compare"][0]["optimizer"] == "adam"
    assert "compare=adam," in _hash(driver)
    labels = [s["label"] for s in _data(driver)["charts"][0]["series"]]
    assert len(labels) == 2 and labels[0].startswith("adam") and labels[1].startswith("sgd")
    assert _severe(driver) == []


def test_a_shared_url_brings_the_same_view_back(offline_browser, explorer_url: str) -> None:
    driver = offline_browser
    _load(
        driver,
        f"{explorer_url}/explorer/#view=ucurve&optimizer=momentum&learning_rate=0.05"
        "&batch_size=full&schedule=constant&standardize=false&split=both"
        "&compare=adam,0.01,16,constant,true",
    )
    state, data, url = _state(driver), _data(driver), driver.current_url
    assert state["optimizer"] == "momentum" and state["batch_size"] == 960
    assert state["view"] == "ucurve" and len(state["compare"]) == 1
    # Scrolling past a heading or resizing (Material's anchor tracking) keeps the state.
    before = _hash(driver)
    driver.execute_script("window.scrollTo(0, document.body.scrollHeight)")
    driver.set_window_size(900, 800)
    driver.execute_script("window.scrollTo(0, 0)")
    driver.set_window_size(1400, 1000)
    assert _hash(driver) == before
    driver.get("about:blank")
    _load(driver, url)
    assert _state(driver) == state and _data(driver) == data
    # Values off the grid snap to its nearest point, and the page says so.
    _load(driver, f"{explorer_url}/explorer/#optimizer=sgd&learning_rate=0.07&batch_size=20")
    state = _state(driver)
    assert (state["learning_rate"], state["batch_size"]) == (0.05, 16)
    notices = driver.execute_script("return window.explorer.notices()")
    assert any("0.07" in n for n in notices)
    assert _severe(driver) == []


def test_values_equal_the_package(offline_browser, explorer_url: str) -> None:
    import banknote_gd as bgd

    driver = offline_browser
    _load(
        driver,
        f"{explorer_url}/explorer/#view=curves&optimizer=sgd&learning_rate=0.1&batch_size=32"
        "&schedule=constant&standardize=true&split=both",
    )
    meta = driver.execute_script("return window.explorer.meta()")
    frame = bgd.sweep(
        {"learning_rate": [0.1]},
        seeds=meta["seeds"],
        epochs=meta["epochs"],
        batch_size=32,
        optimizer="sgd",
        schedule="constant",
        standardize=True,
        progress=False,
        cache=False,
    )
    for chart in _data(driver)["charts"]:
        for series in chart["series"]:
            rows = frame[(frame["split"] == series["split"]) & (frame["metric"] == chart["metric"])]
            values = rows.groupby("epoch")["value"]
            np.testing.assert_allclose(series["mean"], values.mean(), rtol=2e-6)
            if series["low"] is not None:
                np.testing.assert_allclose(series["low"], values.min(), rtol=2e-6)
                np.testing.assert_allclose(series["high"], values.max(), rtol=2e-6)


@pytest.mark.parametrize(("width", "scheme"), [(1400, "light"), (1400, "dark"), (400, "light")])
def test_explorer_fits_desktop_and_phone(
    offline_browser, explorer_url: str, width: int, scheme: str
) -> None:
    driver = offline_browser
    _color_scheme(driver, scheme)
    driver.set_window_size(width, 1000)
    _load(
        driver,
        f"{explorer_url}/explorer/#view=curves&optimizer=sgd&learning_rate=0.5&batch_size=16"
        "&compare=sgd,0.05,16,constant,true",
    )
    overflow = driver.execute_script(
        "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"the page scrolls sideways by {overflow} px at {width} px"
    widths = driver.execute_script(
        "return [...document.querySelectorAll('#bgd-explorer canvas')]"
        ".map(c => c.getBoundingClientRect().right)"
    )
    assert widths and max(widths) <= width
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(width, min(height + 150, 4000))
    _screenshot(driver, f"explorer-{width}-{scheme}")
    driver.set_window_size(1400, 1000)
    _color_scheme(driver, "light")
    assert _severe(driver) == []


def test_lesson_links_open_the_explorer_at_their_settings(
    offline_browser, explorer_site: Path, explorer_url: str
) -> None:
    import html
    import re

    links = sorted(
        {
            (page.parent.name, html.unescape(match))
            for page in (explorer_site / "lessons").glob("*/index.html")
            for match in re.findall(r'href="\.\./\.\./explorer/(#[^"]*)"', page.read_text())
        }
    )
    if not links:
        pytest.skip("no lesson of this site links to the explorer")
    driver = offline_browser
    meta = None
    for lesson, anchor in links:
        _load(driver, f"{explorer_url}/explorer/{anchor}")
        meta = meta or driver.execute_script("return window.explorer.meta()")
        state = _state(driver)
        for key, value in (part.split("=", 1) for part in anchor[1:].split("&")):
            shown = state[key]
            if key == "learning_rate":
                assert shown in meta["learning_rates"][state["optimizer"]]
                assert abs(np.log(shown / float(value))) < np.log(2), (lesson, anchor)
            elif key == "batch_size":
                assert shown == (meta["full_batch"] if value == "full" else int(value)), lesson
            else:
                assert str(shown).lower() == value, (lesson, anchor, key)
    assert _severe(driver) == []
