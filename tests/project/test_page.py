"""Drive the built page in headless Chromium: editor, saved code, results, plots, solution, layout.

The site, its server and Chromium come from conftest.py. One page with Python booted is shared by the tests that run code and leave
nothing behind that another test reads. Tests about storage, other tabs or
the solution rule open their own browser context, so each starts with empty
localStorage.
"""

import html
import json
import re
import shutil

import pytest

from tests.project import browser

pytestmark = pytest.mark.browser

# Returns the first learning rate, so every hidden test fails with a float return value to plot.
FAILING_CODE = "def suggest_lr(lrs, losses):\n    return float(lrs[0])\n"
PASSING_CODE = (
    "import numpy as np\n\n"
    "def suggest_lr(lrs, losses):\n"
    "    return float(lrs[int(np.argmin(np.gradient(losses, np.log10(lrs))))])\n"
)
# Keeps the worker busy for a while, so a test can look at the page during the run.
SLOW_CODE = (
    "def suggest_lr(lrs, losses):\n"
    "    total = 0\n"
    "    for i in range(3_000_000):\n"
    "        total += i\n"
    "    return float(lrs[0])\n"
)
NARROW = {"width": 360, "height": 780}
WIDE = {"width": 1280, "height": 900}


@pytest.fixture(scope="module")
def booted_page(chromium, site_url):
    """One page with Python ready, shared by tests that only run code."""
    context = chromium.new_context(viewport=WIDE)
    page = context.new_page()
    page.goto(site_url)
    browser.wait_until_ready(page)
    yield page
    context.close()


@pytest.fixture
def fresh_context(chromium):
    """A browser context of its own, with empty localStorage."""
    context = chromium.new_context(viewport=WIDE)
    yield context
    context.close()


def set_code(page, code):
    page.evaluate("(code) => window.lrEditor.setCode(code)", code)


def get_code(page):
    return page.evaluate("() => window.lrEditor.getCode()")


def run_code(page, code):
    set_code(page, code)
    page.click("#run-tests")
    browser.wait_for_run(page)


def stored_entry(page):
    return page.evaluate(
        "() => JSON.parse(localStorage.getItem(Object.keys(localStorage).find((key) => key.endsWith(':code'))))"
    )


# ---- Editor ----


def test_ctrl_enter_runs_typed_code(booted_page):
    page = booted_page
    page.click("#editor .cm-content")
    page.keyboard.press("Control+a")
    page.keyboard.press("Delete")
    # The editor indents after the colon and steps over the closing brackets it inserted.
    page.keyboard.type("def suggest_lr(lrs, losses):\nreturn float(lrs[0])")
    page.keyboard.press("Control+Enter")
    browser.wait_for_run(page)

    assert get_code(page) == FAILING_CODE.rstrip("\n")
    assert page.get_attribute("#summary", "data-state") == "done"
    assert page.inner_text("#summary") == "0 of 4 passed."


def test_editor_is_codemirror(booted_page):
    assert booted_page.get_attribute("#editor", "data-kind") == "codemirror"
    assert booted_page.locator("#editor .cm-content .tok-keyword").count() >= 1


def test_tab_indents_and_escape_tab_leaves(booted_page):
    page = booted_page
    set_code(page, "x = 1")
    page.click("#editor .cm-content")
    page.keyboard.press("Home")
    page.keyboard.press("Tab")
    assert get_code(page) == "    x = 1"

    page.keyboard.press("Shift+Tab")
    assert get_code(page) == "x = 1"

    page.keyboard.press("Escape")
    page.keyboard.press("Tab")
    inside = page.evaluate("() => document.getElementById('editor').contains(document.activeElement)")
    assert not inside


def test_undo_and_redo(booted_page):
    page = booted_page
    set_code(page, "a = 1")
    page.click("#editor .cm-content")
    page.keyboard.press("Control+End")
    page.keyboard.type("2")
    assert get_code(page) == "a = 12"

    page.keyboard.press("Control+z")
    assert get_code(page) == "a = 1"

    page.keyboard.press("Control+y")
    assert get_code(page) == "a = 12"


def test_bracket_matching_marks_pair(booted_page):
    page = booted_page
    set_code(page, "f(x)")
    page.click("#editor .cm-content")
    page.keyboard.press("Control+End")
    assert page.locator("#editor .cm-matchingBracket").count() == 2


def test_stop_key_requests_stop(booted_page):
    page = booted_page
    page.evaluate("() => { window.stopRequests = 0; document.addEventListener('lr:stop-request', () => window.stopRequests++); }")
    page.click("#editor .cm-content")
    page.keyboard.press("Control+Period")
    assert page.evaluate("() => window.stopRequests") == 1


# ---- Results and plots ----


def test_summary_is_announced(booted_page):
    page = booted_page
    run_code(page, FAILING_CODE)
    assert page.get_attribute("#summary", "aria-live") == "polite"
    assert page.inner_text("#summary") == "0 of 4 passed."

    run_code(page, "def suggest_lr(lrs, losses):\n    return 0.01\n")
    assert page.inner_text("#summary") == "1 of 4 passed."


def test_results_show_message_output_traceback(booted_page):
    page = booted_page
    run_code(page, "def suggest_lr(lrs, losses):\n    print('checking', len(lrs))\n    return {}[1]\n")
    item = page.locator('.test[data-test-name="test_reference_example"]')
    assert item.get_attribute("data-status") == "error"
    assert "KeyError" in item.locator(".test-message").inner_text()
    assert 'File "your_code.py", line 3' in item.locator(".test-traceback").inner_text()
    assert item.locator(".test-output").inner_text() == "checking 5\n"


def test_plot_shows_both_points(booted_page):
    page = booted_page
    run_code(page, FAILING_CODE)
    for item in page.locator("#test-list .test").all():
        figure = item.locator("figure.loss-plot")
        assert figure.locator("[data-role=expected-point]").count() == 1
        assert figure.locator("[data-role=returned-point]").count() == 1
        assert figure.locator(".plot-point").count() >= 5


def test_plot_point_shows_slope(booted_page):
    page = booted_page
    run_code(page, FAILING_CODE)
    item = page.locator('.test[data-test-name="test_reference_example"]')
    item.locator(".plot-point").nth(2).focus()
    assert item.locator(".plot-readout").inner_text() == "lr = 0.01, log10(lr) = −2, loss = 1.8, slope = −0.65"

    item.locator(".slope-details summary").click()
    rows = item.locator(".slope-table tbody tr")
    assert rows.nth(2).inner_text().split("\t")[-1] == "expected"
    assert rows.nth(0).inner_text().split("\t")[-1] == "yours"


def returning(expression):
    return f"def suggest_lr(lrs, losses):\n    return {expression}\n"


def reference_example_plot(page):
    return page.locator('.test[data-test-name="test_reference_example"] figure.loss-plot')


@pytest.mark.parametrize(
    ("expression", "shown"),
    [
        ("float('nan')", "nan"),
        ("float('inf')", "inf"),
        ("float('-inf')", "-inf"),
        ("0.0", "0.0"),
        ("-0.0", "-0.0"),
        ("-0.5", "-0.5"),
    ],
)
def test_plot_legend_for_unplottable_float(booted_page, expression, shown):
    page = booted_page
    run_code(page, returning(expression))
    figure = reference_example_plot(page)
    assert figure.locator(".legend-returned").inner_text() == f"Yours: {shown}, not a finite positive number, so not plotted"
    assert figure.locator("[data-role=returned-point]").count() == 0


@pytest.mark.parametrize(("expression", "shown", "edge"), [("1e308", "1e+308", "right"), ("5e-324", "5e−324", "left")])
def test_plot_clamps_off_scale_rate(booted_page, expression, shown, edge):
    page = booted_page
    run_code(page, returning(expression))
    figure = reference_example_plot(page)
    legend = figure.locator(".legend-returned").inner_text()
    assert legend.startswith(f"Yours: lr = {shown}, not one of the lrs")
    assert f"outside the chart's x range (marked at the {edge} edge)" in legend

    marker = figure.locator("[data-role=returned-point]")
    assert marker.count() == 1
    assert marker.get_attribute("data-off-scale") == edge

    def centre_x(locator):
        box = locator.bounding_box()
        return box["x"] + box["width"] / 2

    marker_x = centre_x(marker)
    dot_xs = [centre_x(dot) for dot in figure.locator(".plot-point").all()]
    svg_box = figure.locator("svg").bounding_box()
    # The axis stays on the case's own rates, so their points spread over most of the chart's width.
    assert max(dot_xs) - min(dot_xs) > svg_box["width"] * 0.6
    if edge == "right":
        assert marker_x > max(dot_xs)
    else:
        assert marker_x < min(dot_xs)
    assert svg_box["x"] < marker_x < svg_box["x"] + svg_box["width"]


def test_previous_results_marked_stale(booted_page):
    page = booted_page
    run_code(page, FAILING_CODE)
    set_code(page, SLOW_CODE)
    page.click("#run-tests")
    page.wait_for_selector("#test-list[data-stale]", state="attached")
    assert page.locator('.test[data-status="failed"][data-stale]').count() == 4
    assert page.is_visible("#stale-note")

    browser.wait_for_run(page)
    assert page.locator("#test-list[data-stale]").count() == 0
    assert not page.is_visible("#stale-note")


def test_statement_math_and_example_plot(booted_page):
    page = booted_page
    assert page.locator("#statement math").count() >= 3
    assert page.locator("#statement .highlight .n").count() >= 1
    figure = page.locator("#statement figure.loss-plot")
    assert figure.locator("[data-role=expected-point]").count() == 1
    assert figure.locator("figcaption").count() == 1
    assert page.locator("#statement table").count() == 1


@pytest.fixture(scope="module")
def bad_plot_site_url(built_site, tmp_path_factory):
    """The built site with a second statement figure whose data-plot-case is not valid JSON, before the good one."""
    out = tmp_path_factory.mktemp("bad-plot") / "dist"
    shutil.copytree(built_site, out)
    index = out / "index.html"
    page_html = index.read_text(encoding="utf-8")
    good_figure = re.search(r'<figure class="loss-plot" data-plot-case=', page_html)
    assert good_figure, "the built statement has no plot figure to copy"
    # NaN is what Python's json.dumps writes for a float NaN, and JSON.parse rejects it.
    bad_figure = (
        f'<figure class="loss-plot" id="bad-plot" data-plot-case="{html.escape('{"lrs": [NaN], "losses": [1], "expected": 1}')}">'
        "<figcaption>Broken plot</figcaption></figure>\n"
    )
    index.write_text(page_html[: good_figure.start()] + bad_figure + page_html[good_figure.start() :], encoding="utf-8")
    with browser.serving(out) as url:
        yield url


def test_bad_statement_plot_still_boots(fresh_context, bad_plot_site_url):
    page = fresh_context.new_page()
    console_errors = []
    page.on("console", lambda message: console_errors.append(message.text) if message.type == "error" else None)
    page.goto(bad_plot_site_url)
    browser.wait_until_ready(page)

    assert not page.is_disabled("#run-tests")
    bad = page.locator("#bad-plot")
    assert bad.locator("svg").count() == 0
    assert "could not be drawn" in bad.inner_text()
    assert bad.locator("figcaption").inner_text() == "Broken plot"
    good = page.locator("#statement figure.loss-plot:not(#bad-plot)")
    assert good.locator("[data-role=expected-point]").count() == 1
    assert any("could not be drawn" in text and "SyntaxError" in text for text in console_errors), console_errors


def test_narrow_layout_has_no_horizontal_scroll(booted_page):
    page = booted_page
    run_code(page, FAILING_CODE)
    page.set_viewport_size(NARROW)
    try:
        overflow = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
        editor_box = page.locator("#editor").bounding_box()
        statement_box = page.locator("#statement").bounding_box()
    finally:
        page.set_viewport_size(WIDE)
    assert overflow == 0
    assert editor_box["y"] > statement_box["y"]


def test_wide_layout_puts_statement_left(booted_page):
    editor_box = booted_page.locator("#editor").bounding_box()
    statement_box = booted_page.locator("#statement").bounding_box()
    assert statement_box["x"] < editor_box["x"]


# ---- Code is never lost ----


def test_code_survives_reload(fresh_context, site_url):
    page = fresh_context.new_page()
    page.goto(site_url)
    page.click("#editor .cm-content")
    page.keyboard.press("Control+End")
    page.keyboard.type("\n# my note")
    typed = get_code(page)

    page.reload()
    assert get_code(page) == typed
    assert typed.endswith("# my note")


def test_reset_asks_and_can_be_undone(fresh_context, site_url):
    page = fresh_context.new_page()
    page.goto(site_url)
    starter = get_code(page)
    set_code(page, "def suggest_lr(lrs, losses):\n    return 1.0\n")

    page.click("#reset-code")
    assert page.is_visible("#reset-confirm")
    page.click("#reset-confirm-no")
    assert get_code(page) == "def suggest_lr(lrs, losses):\n    return 1.0\n"

    page.click("#reset-code")
    page.click("#reset-confirm-yes")
    assert get_code(page) == starter
    assert stored_entry(page)["code"] == starter

    page.click("#undo-reset")
    assert get_code(page) == "def suggest_lr(lrs, losses):\n    return 1.0\n"
    assert not page.is_visible("#code-notice")


def test_starter_change_keeps_code(fresh_context, site_url):
    page = fresh_context.new_page()
    page.goto(site_url)
    config = json.loads(page.inner_text("#exercise-config"))
    slug = config["exercise"]["slug"]
    old_entry = {"code": "# written for version 1\n", "savedAt": 1, "tabId": "old", "starterSha256": "0" * 64, "isStarter": False}
    page.evaluate(
        "([key, entry]) => { localStorage.clear(); localStorage.setItem(key, JSON.stringify(entry)); }",
        [f"lr-exercise:{slug}:v1:code", old_entry],
    )

    page.reload()
    assert get_code(page) == "# written for version 1\n"
    assert page.get_attribute("#code-notice", "data-kind") == "starter-changed"
    assert "version 1" in page.inner_text("#code-notice-text")


def test_other_tab_code_not_overwritten(fresh_context, site_url):
    first = fresh_context.new_page()
    first.goto(site_url)
    second = fresh_context.new_page()
    second.goto(site_url)

    set_code(first, "# newer, from the first tab\n")
    second.wait_for_selector("#code-notice[data-kind=conflict]", state="visible")
    set_code(second, "# older tab keeps typing\n")
    assert stored_entry(first)["code"] == "# newer, from the first tab\n"

    second.click("#conflict-load")
    assert get_code(second) == "# newer, from the first tab\n"
    assert not second.is_visible("#code-notice")


def test_other_tab_conflict_keep_mine(fresh_context, site_url):
    first = fresh_context.new_page()
    first.goto(site_url)
    second = fresh_context.new_page()
    second.goto(site_url)

    set_code(first, "# first\n")
    second.wait_for_selector("#code-notice[data-kind=conflict]", state="visible")
    set_code(second, "# second, kept on purpose\n")
    second.click("#conflict-keep")
    assert stored_entry(second)["code"] == "# second, kept on purpose\n"


# ---- Solution tab ----


def test_solution_hidden_until_asked(fresh_context, site_url):
    page = fresh_context.new_page()
    page.goto(site_url)
    page.click("#tab-solution")
    assert page.get_attribute("#solution-panel", "data-state") == "locked"
    assert not page.is_visible("#solution-code")
    assert page.locator("#solution-code .highlight").count() == 0

    page.click("#show-solution")
    page.click("#solution-confirm-no")
    assert page.get_attribute("#solution-panel", "data-state") == "locked"

    page.click("#show-solution")
    page.click("#solution-confirm-yes")
    assert page.get_attribute("#solution-panel", "data-state") == "unlocked"
    assert "def suggest_lr" in page.inner_text("#solution-code")

    page.reload()
    assert page.get_attribute("#solution-panel", "data-state") == "unlocked"


def test_solution_opens_after_failed_runs(fresh_context, site_url):
    page = fresh_context.new_page()
    page.goto(site_url)
    config = json.loads(page.inner_text("#exercise-config"))
    runs_needed = config["solution"]["afterFailedRuns"]
    browser.wait_until_ready(page)

    for run in range(1, runs_needed):
        run_code(page, FAILING_CODE)
        assert page.get_attribute("#solution-panel", "data-state") == "locked", f"unlocked after {run} failed runs"
        page.reload()
        browser.wait_until_ready(page)
        assert f"({run} so far" in page.text_content("#solution-rule")

    run_code(page, FAILING_CODE)
    assert page.get_attribute("#solution-panel", "data-state") == "unlocked"


def test_solution_opens_when_all_pass(fresh_context, site_url):
    page = fresh_context.new_page()
    page.goto(site_url)
    browser.wait_until_ready(page)
    run_code(page, PASSING_CODE)
    assert page.inner_text("#summary") == "4 of 4 passed."
    assert page.get_attribute("#solution-panel", "data-state") == "unlocked"


def test_runs_without_tests_not_counted(fresh_context, site_url):
    page = fresh_context.new_page()
    page.goto(site_url)
    config = json.loads(page.inner_text("#exercise-config"))
    runs_needed = config["solution"]["afterFailedRuns"]
    browser.wait_until_ready(page)
    assert "runs with a failing test" in page.text_content("#solution-rule")

    no_test_ran = ["def suggest_lr(lrs, losses)\n    return 1.0\n", "", "x = 1\n"]
    for code in no_test_ran * runs_needed:
        run_code(page, code)
        assert page.get_attribute("#summary", "data-state") == "code-error", code
    assert page.get_attribute("#solution-panel", "data-state") == "locked"
    assert "(0 so far" in page.text_content("#solution-rule")

    run_code(page, FAILING_CODE)
    assert "(1 so far" in page.text_content("#solution-rule")


def stored_progress(page):
    return page.evaluate(
        "() => JSON.parse(localStorage.getItem(Object.keys(localStorage).find((key) => key.endsWith(':progress'))))"
    )


def test_other_tab_keeps_revealed_solution(fresh_context, site_url):
    first = fresh_context.new_page()
    first.goto(site_url)
    second = fresh_context.new_page()
    second.goto(site_url)
    browser.wait_until_ready(second)

    first.click("#tab-solution")
    first.click("#show-solution")
    first.click("#solution-confirm-yes")
    assert first.get_attribute("#solution-panel", "data-state") == "unlocked"
    second.wait_for_selector("#solution-panel[data-state=unlocked]", state="attached")

    run_code(second, FAILING_CODE)
    assert stored_progress(second)["revealed"] is True
    first.reload()
    assert first.get_attribute("#solution-panel", "data-state") == "unlocked"


def test_other_tab_keeps_failed_run_count(fresh_context, site_url):
    first = fresh_context.new_page()
    first.goto(site_url)
    second = fresh_context.new_page()
    second.goto(site_url)
    config = json.loads(first.inner_text("#exercise-config"))
    runs_needed = config["solution"]["afterFailedRuns"]
    browser.wait_until_ready(first)
    browser.wait_until_ready(second)

    for run in range(1, runs_needed):
        run_code(first, FAILING_CODE)
        second.wait_for_function(
            "(text) => document.getElementById('solution-rule').textContent.includes(text)", arg=f"({run} so far"
        )
    assert stored_progress(first)["failedRuns"] == runs_needed - 1

    run_code(second, FAILING_CODE)
    assert stored_progress(second)["failedRuns"] == runs_needed
    assert second.get_attribute("#solution-panel", "data-state") == "unlocked"
    first.wait_for_selector("#solution-panel[data-state=unlocked]", state="attached")


# ---- Loading ----


def test_loading_reports_bytes_and_blocks_run(fresh_context, site_url):
    page = fresh_context.new_page()
    # Record every progress text and whether Run was disabled at that moment.
    page.add_init_script("""
        window.progressLog = [];
        document.addEventListener('DOMContentLoaded', () => {
          const text = document.getElementById('load-progress-text');
          const button = document.getElementById('run-tests');
          new MutationObserver(() => window.progressLog.push([text.textContent, button.disabled]))
            .observe(text, {childList: true, characterData: true, subtree: true});
        });
    """)
    page.goto(site_url)
    browser.wait_until_ready(page)
    log = page.evaluate("() => window.progressLog")
    texts = [text for text, _ in log]

    assert any(re.search(r"Step 1 of 3: Downloading the Python runtime \(Pyodide\): [\d.]+ of [\d.]+ MB", text) for text in texts)
    assert any(text.startswith("Step 2 of 3") for text in texts)
    assert any(text.startswith("Step 3 of 3") for text in texts)
    assert all(disabled for _, disabled in log)
    assert not page.is_disabled("#run-tests")
    assert not page.is_visible("#load-progress")


@pytest.fixture(scope="module")
def broken_site_url(tmp_path_factory, chromium):
    """A site whose Pyodide base URL refuses connections, so loading always fails."""
    out = browser.build(tmp_path_factory.mktemp("broken") / "dist", cdn_base_url="http://127.0.0.1:9/pyodide/")
    with browser.serving(out) as url:
        yield url


def test_load_failure_offers_retry(chromium, broken_site_url):
    context = chromium.new_context(viewport=WIDE)
    try:
        page = context.new_page()
        page.goto(broken_site_url)
        page.wait_for_selector("#retry-load", state="visible", timeout=browser.BOOT_TIMEOUT_MS)
        assert page.get_attribute("#load-progress", "data-stage") == "failed"
        assert "Python could not be loaded" in page.inner_text("#load-progress-text")
        assert page.is_disabled("#run-tests")

        page.click("#retry-load")
        page.wait_for_selector("#retry-load", state="visible", timeout=browser.BOOT_TIMEOUT_MS)
        assert page.get_attribute("#runner-status", "data-state") == "internal-error"
    finally:
        context.close()


# ---- Themes and contrast ----


def contrast_ratio(page, selector, background_selector="body"):
    """Return the WCAG contrast ratio of the text colour of `selector` on the background of `background_selector`."""
    return page.evaluate(
        """([selector, backgroundSelector]) => {
          const parse = (color) => color.match(/[\\d.]+/g).slice(0, 3).map(Number);
          const luminance = (rgb) => {
            const [r, g, b] = rgb.map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
            return 0.2126 * r + 0.7152 * g + 0.0722 * b;
          };
          const fg = luminance(parse(getComputedStyle(document.querySelector(selector)).color));
          const bg = luminance(parse(getComputedStyle(document.querySelector(backgroundSelector)).backgroundColor));
          return (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
        }""",
        [selector, background_selector],
    )


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_text_contrast_meets_aa(fresh_context, site_url, scheme):
    page = fresh_context.new_page()
    page.emulate_media(color_scheme=scheme)
    page.goto(site_url)
    assert contrast_ratio(page, "body") >= 4.5
    assert contrast_ratio(page, ".difficulty") >= 4.5
    assert contrast_ratio(page, "#run-tests", "#run-tests") >= 4.5
    assert contrast_ratio(page, "#editor .tok-keyword", "#editor .cm-editor") >= 4.5
    assert contrast_ratio(page, "#editor .tok-comment", "#editor .cm-editor") >= 4.5
    assert contrast_ratio(page, "#editor .tok-string", "#editor .cm-editor") >= 4.5


def test_dark_theme_follows_system(fresh_context, site_url):
    page = fresh_context.new_page()
    page.emulate_media(color_scheme="dark")
    page.goto(site_url)
    background = page.evaluate("() => getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(13, 17, 23)"


def test_controls_reachable_by_keyboard(fresh_context, site_url):
    page = fresh_context.new_page()
    page.goto(site_url)
    reached = set()
    for _ in range(40):
        in_editor = page.evaluate("() => document.getElementById('editor').contains(document.activeElement)")
        if in_editor:
            page.keyboard.press("Escape")
        page.keyboard.press("Tab")
        reached.add(page.evaluate("() => document.activeElement.id || document.activeElement.tagName"))
        if "reset-code" in reached and "tab-statement" in reached:
            break
    assert "tab-statement" in reached
    assert "reset-code" in reached
