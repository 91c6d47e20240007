"""Drive the built page in headless Chromium: boot Pyodide, type code, run the hidden tests.

One page boots Pyodide for the whole module, which takes a few seconds, and
each test starts from the starter code on that ready page. The server and the
browser come from conftest.py.
"""

import re
from urllib.parse import urlsplit

import pytest

from lr_range_runner import harness
from sitebuild import site
from tests.project.implementations import REFERENCE, STARTER

pytestmark = pytest.mark.browser

TITLES = {test["name"]: test["title"] for test in harness.describe_tests(site.load_hidden_tests())}

# Milliseconds to wait for Pyodide to boot, and for one run of the four tests.
BOOT_TIMEOUT_MS = 60_000
RUN_TIMEOUT_MS = 30_000

# Differentiates against the raw learning rate, so the tiny first steps of a
# geometric range look steepest. It fails all four hidden tests.
RAW_RATE_SOURCE = """\
import numpy as np


def suggest_lr(lrs, losses):
    slopes = np.gradient(np.asarray(losses, dtype=float), np.asarray(lrs, dtype=float))
    return float(lrs[int(np.argmin(slopes))])
"""

# The colon after the signature is missing on line 4.
SYNTAX_ERROR_SOURCE = """\
import numpy as np


def suggest_lr(lrs, losses)
    return float(lrs[0])
"""

# Short enough to type key by key. The editor indents the line after the colon
# and steps over the closing brackets it inserted, so typing TYPED_KEYS leaves
# exactly TYPED_SOURCE in it.
TYPED_KEYS = "import numpy as np\ndef suggest_lr(lrs, losses):\nreturn float(lrs[np.argmin(np.gradient(losses, np.log10(lrs)))])"
TYPED_SOURCE = "import numpy as np\ndef suggest_lr(lrs, losses):\n    return float(lrs[np.argmin(np.gradient(losses, np.log10(lrs)))])"

FINISHED_STATES = ("done", "code-error", "internal-error")


def wait_until_ready(page):
    page.wait_for_selector("#runner-status[data-state=ready]", timeout=BOOT_TIMEOUT_MS)
    page.wait_for_selector("#run-tests:not([disabled])", timeout=BOOT_TIMEOUT_MS)


def wait_for_run(page):
    """Wait until the run started by a click or a key press has finished, and return the summary's state."""
    selector = ", ".join(f"#summary[data-state={state}]" for state in FINISHED_STATES)
    page.wait_for_selector(selector, timeout=RUN_TIMEOUT_MS)
    return page.get_attribute("#summary", "data-state")


def set_code(page, source):
    page.evaluate("(code) => window.lrEditor.setCode(code)", source)


def get_code(page):
    return page.evaluate("() => window.lrEditor.getCode()")


def run_code(page, source):
    set_code(page, source)
    page.click("#run-tests")
    return wait_for_run(page)


def read_statuses(page):
    return {
        item.get_attribute("data-test-name"): item.get_attribute("data-status")
        for item in page.query_selector_all("#test-list .test")
    }


def read_details(page, name):
    return page.inner_text(f'#test-list .test[data-test-name="{name}"] [data-role=details]')


@pytest.fixture(scope="module")
def booted(chromium, site_url):
    """Open the site in a new browser context, wait for Pyodide, and return (page, requested URLs)."""
    context = chromium.new_context()
    requested = []
    # The context's request event also reports the worker's requests, which test_requests_stay_local checks.
    context.on("request", lambda request: requested.append(request.url))
    page = context.new_page()
    page.goto(site_url)
    wait_until_ready(page)
    yield page, requested
    context.close()


@pytest.fixture()
def page(booted):
    """Return the module's ready page with the starter code in the editor."""
    ready_page, _ = booted
    wait_until_ready(ready_page)
    set_code(ready_page, STARTER.read_text(encoding="utf-8"))
    return ready_page


def test_requests_stay_local(booted, site_url):
    _, requested = booted
    origin = urlsplit(site_url)
    paths = {urlsplit(url).path for url in requested}

    wasm = [path for path in paths if path.startswith("/pyodide") and path.endswith("/pyodide.asm.wasm")]
    assert wasm, f"the worker's requests were not recorded: {sorted(paths)}"
    for url in requested:
        parts = urlsplit(url)
        if parts.scheme == "blob":
            # The worker runs pyodide.js and pyodide.asm.js from blobs of checked bytes; a blob URL names its origin.
            parts = urlsplit(parts.path)
        assert parts.hostname == "127.0.0.1", url
        assert parts.port == origin.port, url


def test_page_before_run(chromium, site_url):
    # A page of its own, because the module's page has run tests by now.
    context = chromium.new_context()
    try:
        fresh = context.new_page()
        fresh.goto(site_url)
        text = fresh.inner_text("body")

        assert "runs in your browser via Pyodide, no backend" in text
        for name, title in TITLES.items():
            assert fresh.inner_text(f'#test-list .test[data-test-name="{name}"] .test-title') == title
        assert set(read_statuses(fresh).values()) == {"pending"}
        assert fresh.get_attribute("#summary", "data-state") == "idle"
    finally:
        context.close()


def test_reference_passes(page):
    state = run_code(page, REFERENCE.read_text(encoding="utf-8"))

    assert state == "done"
    assert read_statuses(page) == {name: "passed" for name in TITLES}
    assert page.inner_text("#summary") == "4 of 4 passed."
    assert page.is_hidden("#code-error")


def test_starter_fails(page):
    state = run_code(page, STARTER.read_text(encoding="utf-8"))

    assert state == "done"
    assert read_statuses(page) == {name: "failed" for name in TITLES}
    for name in TITLES:
        assert "Returned: None (NoneType)" in read_details(page, name), name
    assert page.inner_text("#summary") == "0 of 4 passed."


def test_raw_rate_fails(page):
    state = run_code(page, RAW_RATE_SOURCE)
    statuses = read_statuses(page)

    assert state == "done"
    assert statuses["test_differentiates_on_log_scale"] == "failed"
    assert "Differentiate against np.log10(lrs)" in read_details(page, "test_differentiates_on_log_scale")
    # The raw slopes also pick the wrong rate in the other three tests.
    assert statuses == {name: "failed" for name in TITLES}


def test_syntax_error_shown(page):
    state = run_code(page, SYNTAX_ERROR_SOURCE)

    assert state == "code-error"
    assert re.search(r"SyntaxError on line 4\b", page.inner_text("#code-error"))
    assert page.is_visible("#code-error")
    assert read_statuses(page) == {name: "not-run" for name in TITLES}
    assert page.inner_text("#summary").startswith("No test ran")


def test_ctrl_enter_runs(page):
    set_code(page, "")
    page.click("#editor .cm-content")
    page.keyboard.type(TYPED_KEYS)
    page.keyboard.press("Control+Enter")
    state = wait_for_run(page)

    assert state == "done"
    assert get_code(page) == TYPED_SOURCE
    assert read_statuses(page) == {name: "passed" for name in TITLES}


def test_code_survives_reload(page):
    source = REFERENCE.read_text(encoding="utf-8") + "\n# kept across a reload\n"
    set_code(page, source)
    page.reload()

    assert get_code(page) == source
