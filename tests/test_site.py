"""The course site: it builds with no warning, shows every lesson's figures, and works offline.

The site is built once per session (``mkdocs build --strict`` into a temporary folder; the
lessons are executed by the build hook, or taken from its cache). Then headless Chromium,
through Selenium and Debian's chromedriver, loads every page from a local HTTP server and
checks for console errors, broken images, rendered math and a working search box, and that
every page reads well at 1400 and 400 px wide: no figure text under 10 CSS px, no code cell
that needs a horizontal scroll bar at 1400 px, no object reprs (``<... at 0x...>``) left in
the outputs.

The lessons are whatever ``tutorials/NN_*.py`` holds (the hook derives the nav, the home
page's table and the next-lesson links from them); with ``BANKNOTE_GD_LESSONS=1,5`` the site
is built, and checked, with those lessons only.

Set ``BANKNOTE_GD_SCREENSHOTS=1`` (or to a folder) to save screenshots of the home page and a
lesson, in light and dark mode, to ``/tmp/site-shots`` (or that folder).
"""

from __future__ import annotations

import base64
import io
import json
import os
import re
from pathlib import Path

import pytest
from browser import chromium, serve

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
ALL_LESSONS = sorted(p.stem for p in (ROOT / "tutorials").glob("[0-9][0-9]_*.py"))
_ONLY = {int(n) for n in os.environ.get("BANKNOTE_GD_LESSONS", "").split(",") if n.strip()}
LESSONS = [name for name in ALL_LESSONS if not _ONLY or int(name[:2]) in _ONLY]
MIN_FIGURE_FONT_PX = 9.9  # the hook keeps figure text at 10 CSS px or more (rounding aside)
# Object reprs that are no output a reader wants: `<seaborn.axisgrid.PairGrid at 0x7f...>`,
# `<Figure size 640x480 with 1 Axes>` (a figure shown as text), a pandas Styler's repr, and
# what Matplotlib calls return when they end a cell: `Text(0.5, 1.0, ...)`, NumPy scalars
# such as `(0.0155, np.float64(1.09))` from `set_ylim`.
STRAY_REPR = re.compile(
    r"(?:&lt;|<)[\w.]+(?: object)? at 0x[0-9a-f]+(?:&gt;|>)|(?:&lt;|<)Figure size \d|Styler object"
    r"|\bnp\.(?:float|int)\d+\(|<pre>\s*Text\(-?\d"
)
PNG_IMG = re.compile(r'<img[^>]*\ssrc="data:image/png;base64,([A-Za-z0-9+/=\s]+)"')
EXTERNAL = re.compile(r'<(?:script|link|img|iframe)[^>]*\s(?:src|href)="(?:https?:)?//', re.I)


# --------------------------------------------------------------------------- the build
def _title(name: str) -> str:
    """A lesson's H1, read from its source."""
    text = (ROOT / "tutorials" / f"{name}.py").read_text(encoding="utf-8")
    return re.search(r"(?m)^# # (.+)$", text).group(1).strip()


def test_build_is_strict_and_quiet(built_site: tuple[Path, str]) -> None:
    _, log = built_site
    warnings = [line for line in log.splitlines() if re.match(r"\s*WARNING\b", line)]
    assert not warnings, "the build logged warnings:\n" + "\n".join(warnings)
    assert "end of life" not in log  # NO_MKDOCS_2_WARNING silences the theme's notice
    for name in LESSONS:  # each lesson was executed now, or taken from the hook's cache
        assert re.search(rf"lesson {name} (executed in \d+\.\d s|is up to date)", log), name


@pytest.mark.parametrize("name", LESSONS)
def test_lesson_page_has_png_figure_and_download(built_site: tuple[Path, str], name: str) -> None:
    from PIL import Image

    site, _ = built_site
    page = site / "lessons" / name / "index.html"
    assert page.is_file(), f"no page for lesson {name}"
    html = page.read_text(encoding="utf-8")

    figures = PNG_IMG.findall(html)
    assert figures, f"lesson {name} shows no PNG figure"
    for encoded in figures:
        data = base64.b64decode(encoded)
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            assert image.width > 50 and image.height > 50

    assert f'href="{name}.ipynb"' in html, "no download link to the notebook"
    assert "Download notebook (.ipynb)" in html
    assert f'href="{name}.py"' in html and "Download source (.py)" in html
    source = (ROOT / "tutorials" / f"{name}.py").read_bytes()
    assert (page.parent / f"{name}.py").read_bytes() == source
    assert re.search(r"executing this notebook took\s+\d+\.\d s", html), "no execution time"
    # The next-lesson link the hook derives from the list of lessons.
    index = LESSONS.index(name)
    if index + 1 < len(LESSONS):
        following = LESSONS[index + 1]
        link = f'<strong>Next lesson:</strong> <a href="../{following}/">'
        hand_made = re.search(rf'href="../{following}/"[^>]*>[^<]*</a>\s*</p>\s*</div>', html)
        assert link in html or hand_made, f"no link to the next lesson, {following}"
    notebook = json.loads((page.parent / f"{name}.ipynb").read_text(encoding="utf-8"))
    code_cells = [c for c in notebook["cells"] if c["cell_type"] == "code"]
    assert code_cells and all(c.get("execution_count") for c in code_cells), "not executed"
    assert not any(o.get("output_type") == "error" for c in code_cells for o in c["outputs"])
    # Cells tagged hide-input (prose computed by a hidden cell) show their output only.
    hidden = {"hide-input", "remove-input", "remove-cell"}
    shown = [c for c in code_cells if not hidden & set(c["metadata"].get("tags", []))]
    assert html.count('<div class="highlight-ipynb hl-python"') == len(shown), "hidden code shown"
    # Colab links only exist when repo_url is set, and it is not.
    assert "colab.research.google.com" not in html


def test_api_page_lists_the_public_api(built_site: tuple[Path, str]) -> None:
    import banknote_gd

    site, _ = built_site
    html = (site / "api" / "index.html").read_text(encoding="utf-8")
    public = [name for name in banknote_gd.__all__ if not name.startswith("__")]
    missing = [name for name in public if f'id="banknote_gd.{name}"' not in html]
    assert not missing, f"the API page does not document {missing}"
    # Docstrings cross-reference with Sphinx roles; docs/hooks/sphinx_roles.py turns them
    # into links, so none may reach the page as text.
    roles = sorted(set(re.findall(r":(?:func|class|mod|meth|attr|data|exc):", html)))
    assert not roles, f"the API page shows Sphinx roles as text: {roles}"
    assert 'href="#banknote_gd.split_data"><code>split_data</code></a>' in html


def test_home_page_has_math_table_and_citation(built_site: tuple[Path, str]) -> None:
    site, _ = built_site
    html = (site / "index.html").read_text(encoding="utf-8")
    assert re.search(r'class="arithmatex">\\\[\s*w \\leftarrow w - \\eta', html)
    for name in LESSONS:  # the lesson table, in course order, with the lessons' own titles
        assert f'<td><a href="lessons/{name}/">{_title(name)}</a></td>' in html
    rows = re.findall(r'<td><a href="lessons/(\d\d_[a-z0-9_]+)/">', html)
    assert rows == LESSONS
    assert "https://doi.org/10.24432/C55P57" in html
    assert "CC BY 4.0" in html


def test_nav_lists_the_lessons_in_order_with_their_titles(built_site: tuple[Path, str]) -> None:
    site, _ = built_site
    html = (site / "index.html").read_text(encoding="utf-8")
    primary = html[html.index('class="md-nav md-nav--primary"') :]
    link = (
        r'<a href="lessons/(\d\d_[a-z0-9_]+)/" class="md-nav__link">\s*<span[^>]*>\s*([^<]+?)\s*<'
    )
    entries = re.findall(link, primary)
    assert entries == [(name, f"{int(name[:2])}. {_title(name)}") for name in LESSONS]


def test_no_page_shows_a_stray_object_repr(built_site: tuple[Path, str]) -> None:
    site, _ = built_site
    found = {}
    for page in site.rglob("*.html"):
        hits = STRAY_REPR.findall(page.read_text(encoding="utf-8"))
        if hits:
            found[str(page.relative_to(site))] = hits[:3]
    assert not found, f"object reprs on pages (end the cell with ';' or assign the result): {found}"


def test_no_page_loads_anything_from_the_network(built_site: tuple[Path, str]) -> None:
    site, _ = built_site
    offenders = {
        str(page.relative_to(site)): EXTERNAL.findall(page.read_text(encoding="utf-8"))
        for page in site.rglob("*.html")
    }
    offenders = {page: found for page, found in offenders.items() if found}
    assert not offenders, f"pages load from the network: {offenders}"
    assert (site / "javascripts" / "vendor" / "mathjax" / "tex-mml-chtml.js").is_file()
    # The shared notebook CSS replaced ~590 kB of inline CSS on every lesson page.
    page = (site / "lessons" / LESSONS[0] / "index.html").read_text(encoding="utf-8")
    match = re.search(r'href="../../(assets/stylesheets/notebook\.[0-9a-f]{8}\.css)"', page)
    assert match and (site / match.group(1)).is_file()
    assert "--jp-shadow-base-lightness" not in page  # JupyterLab's theme CSS is not inline


# --------------------------------------------------------------------------- the browser
@pytest.fixture(scope="module")
def site_url(built_site: tuple[Path, str]):
    """Serve the built site on a free port of 127.0.0.1."""
    site, _ = built_site
    with serve(site) as url:
        yield url


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory):
    """Headless Debian Chromium driven by Selenium; skipped without it, unless on CI."""
    with chromium(tmp_path_factory.mktemp("chromium-profile"), window="1280,900") as driver:
        yield driver


def _open(driver, url: str) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(url)
    WebDriverWait(driver, 30).until(
        lambda d: d.execute_script("return document.readyState") == "complete"
    )


def _severe(driver) -> list[str]:
    return [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]


def _broken_images(driver) -> list[str]:
    from selenium.webdriver.support.ui import WebDriverWait

    script = "return [...document.images].every(i => i.complete)"
    WebDriverWait(driver, 30).until(lambda d: d.execute_script(script))
    return driver.execute_script(
        "return [...document.images].filter(i => !(i.naturalWidth > 0))"
        ".map(i => i.src.slice(0, 80))"
    )


def _wait_for_math(driver) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, 30).until(
        lambda d: d.execute_script(
            "return !!(window.MathJax && MathJax.startup && MathJax.startup.promise)"
        )
    )
    driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "MathJax.startup.promise.then(() => done(true), () => done(false));"
    )


def _screenshot(driver, name: str) -> None:
    value = os.environ.get("BANKNOTE_GD_SCREENSHOTS", "")
    if not value:
        return
    folder = Path("/tmp/site-shots" if value.lower() in ("1", "true", "yes") else value)
    folder.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(folder / f"{name}.png"))


def _color_scheme(driver, scheme: str) -> None:
    driver.execute_cdp_cmd(
        "Emulation.setEmulatedMedia",
        {"features": [{"name": "prefers-color-scheme", "value": scheme}]},
    )


def test_home_page_renders_math_in_the_browser(browser, site_url: str) -> None:
    _color_scheme(browser, "light")
    _open(browser, f"{site_url}/")
    _wait_for_math(browser)
    rendered = browser.execute_script(
        "return [...document.querySelectorAll('.arithmatex')].map(e => "
        "[!!e.querySelector('mjx-container'), e.textContent.includes('\\\\leftarrow')])"
    )
    assert rendered, "no math on the home page"
    assert all(has_output and not raw for has_output, raw in rendered), rendered
    assert not browser.execute_script("return document.querySelectorAll('mjx-merror').length")
    assert _severe(browser) == []
    assert _broken_images(browser) == []
    _screenshot(browser, "home-light")
    _color_scheme(browser, "dark")
    _open(browser, f"{site_url}/")
    _wait_for_math(browser)
    scheme = browser.execute_script("return document.body.getAttribute('data-md-color-scheme')")
    assert scheme == "slate"
    _screenshot(browser, "home-dark")
    _color_scheme(browser, "light")


@pytest.mark.parametrize("name", LESSONS)
def test_lesson_page_loads_cleanly_in_the_browser(browser, site_url: str, name: str) -> None:
    _open(browser, f"{site_url}/lessons/{name}/")
    errors = _severe(browser)
    assert errors == [], f"console errors on lesson {name}: {errors}"
    assert _broken_images(browser) == [], f"images that do not decode on lesson {name}"
    count = browser.execute_script(
        "return [...document.querySelectorAll('.jp-OutputArea-output img')]"
        ".filter(i => i.naturalWidth > 0).length"
    )
    assert count >= 1, f"lesson {name} shows no figure"
    _wait_for_math(browser)  # math in the lesson's text is typeset, with no TeX errors
    raw = browser.execute_script(
        "return [...document.querySelectorAll('.jp-RenderedMarkdown')]"
        ".filter(e => e.textContent.includes('$$')).length"
    )
    assert raw == 0, f"lesson {name} shows untypeset $$ math"
    assert not browser.execute_script("return document.querySelectorAll('mjx-merror').length")
    link = browser.execute_script(
        "const a = document.querySelector('.bgd-notebook-links a[download]'); return a && a.href"
    )
    assert link and link.endswith(f"/lessons/{name}/{name}.ipynb")
    if name == LESSONS[min(4, len(LESSONS) - 1)]:
        _screenshot(browser, f"lesson-{name}-light")
        _color_scheme(browser, "dark")
        _open(browser, f"{site_url}/lessons/{name}/")
        _screenshot(browser, f"lesson-{name}-dark")
        _color_scheme(browser, "light")
        assert _severe(browser) == []


def test_search_finds_the_learning_rate_lesson(browser, site_url: str) -> None:
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    _open(browser, f"{site_url}/")
    box = browser.find_element(By.CSS_SELECTOR, "input.md-search__input")
    if not box.is_displayed():  # a narrow window: the search box opens from a header button
        browser.find_element(By.CSS_SELECTOR, "label.md-header__button[for='__search']").click()
        WebDriverWait(browser, 10).until(lambda d: box.is_displayed())
    box.click()
    box.send_keys("learning rate")

    # The result list is re-rendered as the query is typed and the index answers, so the
    # links are read in one script call (no element can go stale between find and read),
    # and the wait ends once lesson 5 is among them.
    seen: list[str] = []

    def lesson_five_found(driver) -> bool:
        seen[:] = driver.execute_script(
            "return Array.from(document.querySelectorAll('.md-search-result__list a'),"
            " a => a.href);"
        )
        return any("/lessons/05_learning_rate/" in href for href in seen)

    try:
        WebDriverWait(browser, 30).until(lesson_five_found)
    except TimeoutException:
        pytest.fail(f"search for 'learning rate' did not list lesson 5 in 30 s; it listed {seen}")
    _screenshot(browser, "search-learning-rate")
    assert _severe(browser) == []


# --------------------------------------------------------------------------- reading well
_MEASURE = """
const figures = [...document.querySelectorAll('.jp-OutputArea-output img')];
const rendered = figures.filter(i => i.naturalWidth > 0);
const box = i => i.closest('.jp-RenderedImage') || i.parentElement;
return {
  unmeasured: rendered.filter(i => !i.dataset.smallestFontPx).length,
  fonts: rendered.filter(i => i.dataset.smallestFontPx).map(
    i => +i.dataset.smallestFontPx * i.clientWidth / i.naturalWidth),
  scrolling_figures: rendered.filter(i => box(i).scrollWidth > box(i).clientWidth + 1).length,
  scrolling_code: [...document.querySelectorAll('.jp-InputArea pre, .md-typeset pre')]
    .filter(p => p.scrollWidth > p.clientWidth + 1)
    .map(p => p.textContent.split('\\n').reduce((a, l) => l.length > a.length ? l : a, '')),
  page_scrolls: document.documentElement.scrollWidth > document.documentElement.clientWidth,
};
"""
_SMALLEST_FONT: dict[tuple[int, str], float] = {}


@pytest.mark.parametrize("width", [1400, 400])
@pytest.mark.parametrize("name", LESSONS)
def test_lesson_page_reads_well_at_1400_and_400_px(
    browser, site_url: str, name: str, width: int
) -> None:
    """Figure text >= 10 CSS px where shown (a wide figure scrolls sideways on a phone
    rather than shrinking its text); at 1400 px neither code nor figures need a scroll bar;
    the page itself never scrolls sideways."""
    browser.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": width < 600},
    )
    try:
        _open(browser, f"{site_url}/lessons/{name}/")
        _broken_images(browser)  # waits until every image is decoded
        found = browser.execute_script(_MEASURE)
        if name == LESSONS[min(4, len(LESSONS) - 1)]:
            _screenshot(browser, f"lesson-{name}-{width}px")
    finally:
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    assert found["unmeasured"] == 0, f"{found['unmeasured']} figure(s) on {name} not measured"
    assert found["fonts"], f"no figure on lesson {name}"
    smallest = min(found["fonts"])
    _SMALLEST_FONT[(width, name)] = smallest
    print(f"{name} at {width} px: smallest figure text {smallest:.1f} CSS px")
    assert smallest >= MIN_FIGURE_FONT_PX, f"figure text of {smallest:.1f} CSS px on {name}"
    assert not found["page_scrolls"], f"lesson {name} scrolls sideways at {width} px"
    if width == 1400:
        assert found["scrolling_code"] == [], f"code lines too wide on {name}: {found}"
        assert found["scrolling_figures"] == 0, f"figures too wide at 1400 px on {name}"
