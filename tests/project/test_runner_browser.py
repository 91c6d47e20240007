"""Hostile and broken learner code against the built page, in headless Chromium.

Each case runs through the real page and worker under the page's
Content-Security-Policy: the verdict must be right or the message clear, the
page must stay responsive, and the next run must pass with the reference. The
isolated page (COOP and COEP sent) stops runs through Pyodide's interrupt
buffer; the other one replaces the worker.
"""

import re
import shutil
import urllib.request
from pathlib import Path

import pytest

from sitebuild import server
from tests.project import browser
from tests.project.implementations import REFERENCE

# Attacks that once produced a false pass, kept as files because they are long.
HOSTILE = Path(__file__).resolve().parent / "hostile"

REFERENCE_SOURCE = REFERENCE.read_text(encoding="utf-8")

# Milliseconds to wait for a stopped run to report and for a fresh worker to boot.
STOP_TIMEOUT_MS = 30_000

# Summary states of a finished run.
FINISHED = "#summary:is([data-state=done], [data-state=code-error], [data-state=stopped], [data-state=timed-out], [data-state=internal-error])"

LOOP_IN_FUNCTION = "def suggest_lr(lrs, losses):\n    while True:\n        pass\n"


@pytest.fixture(scope="module")
def served(built_site):
    """Serve the built site twice: cross-origin isolated and not. Yield {"isolated": url, "plain": url}."""
    servers = {"isolated": server.make_server(built_site, 0, verbose=False, isolated=True),
               "plain": server.make_server(built_site, 0, verbose=False, isolated=False)}
    threads = []
    import threading

    for httpd in servers.values():
        thread = threading.Thread(target=httpd.serve_forever, daemon=True)
        thread.start()
        threads.append(thread)
    yield {name: server.site_url(httpd) for name, httpd in servers.items()}
    for httpd in servers.values():
        httpd.shutdown()
        httpd.server_close()
    for thread in threads:
        thread.join()


def open_page(chromium, url):
    context = chromium.new_context()
    page = context.new_page()
    page.csp_violations = []
    page.on("console", lambda message: "Content Security Policy" in message.text and page.csp_violations.append(message.text))
    page.goto(url)
    browser.wait_until_ready(page)
    return page


@pytest.fixture(scope="module")
def page(chromium, served):
    page = open_page(chromium, served["isolated"])
    yield page
    page.context.close()


@pytest.fixture(scope="module")
def plain_page(chromium, served):
    page = open_page(chromium, served["plain"])
    yield page
    page.context.close()


def start_run(page, code):
    browser.wait_until_ready(page)
    page.evaluate("code => window.lrEditor.setCode(code)", code)
    page.click("#run-tests")


def run(page, code):
    """Run `code` on the page and return the summary's data-state once the run finished."""
    start_run(page, code)
    page.wait_for_selector(FINISHED, state="attached", timeout=browser.RUN_TIMEOUT_MS)
    return page.get_attribute("#summary", "data-state")


def statuses(page):
    return page.eval_on_selector_all("#test-list .test", "items => items.map((item) => item.dataset.status)")


def details_text(page):
    return page.inner_text("#test-list")


def code_error(page):
    return page.text_content("#code-error")


def assert_reference_passes(page):
    assert run(page, REFERENCE_SOURCE) == "done"
    assert statuses(page) == ["passed"] * 4


def test_page_is_isolated(page):
    assert page.evaluate("crossOriginIsolated") is True


def test_plain_page_is_not_isolated(plain_page):
    assert plain_page.evaluate("crossOriginIsolated") is False


def test_boot_has_no_csp_violation(page):
    assert page.csp_violations == []


def test_headers_carry_policy(served):
    with urllib.request.urlopen(served["isolated"], timeout=10) as response:
        headers = response.headers

    assert "'wasm-unsafe-eval'" in headers["Content-Security-Policy"]
    assert "'unsafe-eval'" not in headers["Content-Security-Policy"]
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert headers["Cross-Origin-Embedder-Policy"] == "require-corp"


def test_meta_policy_matches_header(served):
    with urllib.request.urlopen(served["plain"], timeout=10) as response:
        header = response.headers["Content-Security-Policy"]
        page_html = response.read().decode("utf-8")

    meta = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)">', page_html)
    assert meta is not None
    assert header.startswith(meta.group(1).replace("&#x27;", "'"))
    assert "Cross-Origin-Embedder-Policy" not in response.headers


def test_stop_interrupts_loop(page):
    start_run(page, LOOP_IN_FUNCTION)
    page.wait_for_timeout(500)

    # The page stays responsive while Python loops in the worker.
    page.evaluate("code => window.lrEditor.setCode(code)", "# typed during the run\n")
    assert page.evaluate("window.lrEditor.getCode()") == "# typed during the run\n"
    assert page.is_enabled("#stop-run")
    assert page.is_disabled("#run-tests")

    page.click("#stop-run")
    page.wait_for_selector("#summary[data-state=stopped]", state="attached", timeout=STOP_TIMEOUT_MS)
    assert statuses(page) == ["not-run"] * 4
    assert "stopped" in details_text(page)
    assert_reference_passes(page)


def test_stop_keeps_interpreter(page):
    """With isolation, the interrupt lands and no fresh worker boots (no "Restarting" status)."""
    start_run(page, LOOP_IN_FUNCTION)
    page.wait_for_timeout(300)
    page.click("#stop-run")
    page.wait_for_selector("#summary[data-state=stopped]", state="attached", timeout=STOP_TIMEOUT_MS)

    assert page.get_attribute("#runner-status", "data-state") == "ready"


def test_stop_sleep_falls_back(page):
    start_run(page, "import time\n\ndef suggest_lr(lrs, losses):\n    time.sleep(100)\n")
    page.wait_for_timeout(500)
    page.click("#stop-run")
    page.wait_for_selector("#summary[data-state=stopped]", state="attached", timeout=STOP_TIMEOUT_MS)

    assert_reference_passes(page)


def test_stop_swallowed_interrupt_falls_back(page):
    code = "def suggest_lr(lrs, losses):\n    while True:\n        try:\n            while True:\n                pass\n        except BaseException:\n            pass\n"
    start_run(page, code)
    page.wait_for_timeout(500)
    page.click("#stop-run")
    page.wait_for_selector("#summary[data-state=stopped]", state="attached", timeout=STOP_TIMEOUT_MS)

    assert_reference_passes(page)


def test_module_loop_times_out(page):
    assert run(page, "while True:\n    pass\n") == "timed-out"
    assert "timed out after 10 s" in details_text(page)
    assert "Timed out after 10 s" in page.text_content("#summary")
    assert_reference_passes(page)


def test_plain_page_stop_restarts(plain_page):
    start_run(plain_page, LOOP_IN_FUNCTION)
    plain_page.wait_for_timeout(500)
    assert plain_page.is_enabled("#stop-run")
    plain_page.click("#stop-run")
    plain_page.wait_for_selector("#summary[data-state=stopped]", state="attached", timeout=STOP_TIMEOUT_MS)

    assert_reference_passes(plain_page)


# (name, code, expected summary state, expected test statuses or None, text the page must show)
CASES = [
    ("sys_exit", "import sys\n\ndef suggest_lr(lrs, losses):\n    sys.exit()\n", "done", ["error"] * 4, "SystemExit"),
    ("module_system_exit", "raise SystemExit(1)\n", "code-error", ["not-run"] * 4, "SystemExit"),
    ("keyboard_interrupt", "def suggest_lr(lrs, losses):\n    raise KeyboardInterrupt\n", "done", ["error"] * 4, "KeyboardInterrupt"),
    ("base_exception", "class Boom(BaseException):\n    pass\n\ndef suggest_lr(lrs, losses):\n    raise Boom()\n",
     "done", ["error"] * 4, "Boom on line 5"),
    ("recursion", "def suggest_lr(lrs, losses):\n    return suggest_lr(lrs, losses)\n", "done", ["error"] * 4, "RecursionError"),
    ("huge_array", "import numpy as np\n\ndef suggest_lr(lrs, losses):\n    return float(np.ones(400_000_000)[0])\n",
     "done", ["error"] * 4, "Your function raised"),
    ("input", "def suggest_lr(lrs, losses):\n    return input()\n", "done", ["error"] * 4, "input() has nothing to read"),
    ("syntax_error", "import numpy as np\n\n\ndef suggest_lr(lrs, losses)\n    return 1.0\n", "code-error", ["not-run"] * 4,
     "SyntaxError on line 4"),
    ("indentation_error", "def suggest_lr(lrs, losses):\n    x = 1\n\n\n\n        return x\n", "code-error", ["not-run"] * 4,
     "IndentationError on line 6"),
    ("no_function", "x = 1\n", "code-error", ["not-run"] * 4, "does not define suggest_lr"),
    ("not_callable", "suggest_lr = 3\n", "code-error", ["not-run"] * 4, "not a function"),
    ("wrong_parameters", "def suggest_lr(lrs):\n    return lrs[0]\n", "code-error", ["not-run"] * 4, "cannot be called with two arguments"),
    ("returns_none", "def suggest_lr(lrs, losses):\n    return None\n", "done", ["failed"] * 4, "None (NoneType)"),
    ("missing_module", "import pandas\n", "code-error", ["not-run"] * 4, "the Python standard library"),
    ("patched_argmin", "import numpy as np\nnp.argmin = lambda values: 0\n\n" + REFERENCE_SOURCE, "done", ["failed"] * 4, "Returned"),
    ("deleted_builtin", "import builtins\ndel builtins.float\n\ndef suggest_lr(lrs, losses):\n    return lrs[0]\n",
     "done", None, "Returned"),
    ("patched_checks", "import builtins\nbuiltins.type = lambda value: float\nbuiltins.isinstance = lambda *a: True\n"
     "builtins.float = lambda value: 0.01\n\ndef suggest_lr(lrs, losses):\n    return 'nope'\n", "done", ["failed"] * 4, "'nope' (str)"),
    ("repr_patches_type", "import builtins\n\nclass Sneaky:\n    def __repr__(self):\n        builtins.type = lambda value: float\n"
     "        return 'sneaky'\n\ndef suggest_lr(lrs, losses):\n    return Sneaky()\n", "done", ["failed"] * 4, "sneaky"),
    ("patched_hidden_tests", "import lr_range_runner.hidden_tests as tests\ntests.check_suggestion = lambda *a, **k: None\n\n"
     "def suggest_lr(lrs, losses):\n    return None\n", "code-error", ["not-run"] * 4, "No verdict"),
    ("settrace", "import sys\nsys.settrace(lambda *a: None)\n\ndef suggest_lr(lrs, losses):\n    return None\n",
     "code-error", ["not-run"] * 4, "sys.settrace"),
    ("frame_walk", "def suggest_lr(lrs, losses):\n    try:\n        raise ValueError\n    except ValueError as error:\n"
     "        error.__traceback__.tb_frame.f_back\n    return None\n", "code-error", ["not-run"] * 4, "tb_frame"),
    ("forged_pass", "import js\njs.postMessage(js.JSON.parse('{\"type\": \"result\", \"id\": 1, \"report\": {\"outcome\": \"tests-ran\"}}'))\n\n"
     "def suggest_lr(lrs, losses):\n    return None\n", "code-error", ["not-run"] * 4, "import js"),
    ("mutates_inputs", REFERENCE_SOURCE + "\n\n_reference = suggest_lr\n\ndef suggest_lr(lrs, losses):\n    answer = _reference(lrs, losses)\n"
     "    lrs[0] = 123.0\n    losses[0] = -1.0\n    return answer\n", "done", ["passed"] * 4, ""),
    ("writes_files", "open('scratch.txt', 'w').write('x')\nopen('/home/pyodide/outside.txt', 'w').write('x')\n\n" + REFERENCE_SOURCE,
     "done", ["passed"] * 4, ""),
    ("closes_stdout", "import sys\n\ndef suggest_lr(lrs, losses):\n    print('before close')\n    sys.stdout.close()\n    sys.stdout = None\n"
     "    return None\n", "done", ["failed"] * 4, "before close"),
    ("html_output", "def suggest_lr(lrs, losses):\n    print('<img src=x onerror=alert(1)>')\n    return None\n",
     "done", ["failed"] * 4, "<img src=x onerror=alert(1)>"),
    ("ten_megabytes", "print('x' * 10_000_000)\n\ndef suggest_lr(lrs, losses):\n    return None\n", "done", ["failed"] * 4,
     "output cut: 9990001 more characters"),
    ("monitoring_callback", (HOSTILE / "monitoring_callback.py").read_text(encoding="utf-8"),
     "code-error", ["not-run"] * 4, "sys.monitoring"),
    ("ctypes_frame_read", (HOSTILE / "ctypes_frame_read.py").read_text(encoding="utf-8"),
     "code-error", ["not-run"] * 4, "ctypes"),
]


@pytest.mark.parametrize("name, code, state, expected_statuses, shown", CASES, ids=[case[0] for case in CASES])
def test_hostile_code(page, name, code, state, expected_statuses, shown):
    assert run(page, code) == state
    if expected_statuses is not None:
        assert statuses(page) == expected_statuses
    assert "passed" not in statuses(page) or name in ("mutates_inputs", "writes_files")
    visible = details_text(page) + code_error(page) + page.text_content("#load-output")
    assert shown in visible
    assert page.eval_on_selector_all("#test-list img, #code-error img, #load-output img", "images => images.length") == 0

    assert_reference_passes(page)


def test_line_numbers_match_editor(page):
    code = "import numpy as np\n\n\ndef helper(values):\n    return values[10]\n\n\ndef suggest_lr(lrs, losses):\n    return helper(lrs)\n"
    assert run(page, code) == "done"

    text = details_text(page)
    assert 'File "your_code.py", line 9, in suggest_lr' in text
    assert 'File "your_code.py", line 5, in helper' in text
    assert "harness.py" not in text
    assert "hidden_tests" not in text


def test_forged_message_ignored(page):
    """A message the page did not get from its run, with a guessed id and no secret, changes nothing."""
    start_run(page, LOOP_IN_FUNCTION)
    page.wait_for_timeout(300)
    forged = {"type": "result", "id": 0, "report": {"outcome": "tests-ran", "tests": [], "summary": {"text": "4 of 4 passed"}}}
    for request_id in range(0, 50):
        forged["id"] = request_id
        page.evaluate("message => document.dispatchEvent(new CustomEvent('noop', {detail: message}))", forged)
    assert page.get_attribute("#summary", "data-state") == "running"
    page.click("#stop-run")
    page.wait_for_selector("#summary[data-state=stopped]", state="attached", timeout=STOP_TIMEOUT_MS)


def test_state_does_not_leak(page):
    """Patches left by one run change nothing in the next."""
    leaky = ("import builtins, os, sys\nimport numpy as np\nnp.gradient = lambda *a, **k: None\nnp.argmin = lambda a: 0\n"
             "builtins.len = None\ndel sys.modules['numpy']\nsys.setrecursionlimit(50)\nos.chdir('/')\n"
             "def suggest_lr(lrs, losses):\n    return None\n")
    assert run(page, leaky) == "done"
    assert_reference_passes(page)


@pytest.fixture
def tampered_site(built_site, tmp_path):
    """A copy of the built site whose pyodide.asm.js was changed after the build."""
    copy = tmp_path / "site"
    shutil.copytree(built_site, copy)
    folders = [folder for folder in copy.glob("pyodide*") if folder.is_dir()]
    assert len(folders) == 1, f"expected one Pyodide folder in {copy}, found {folders}"
    # Appending makes the file newer than its .br and .gz copies, so the server sends the changed file.
    with open(folders[0] / "pyodide.asm.js", "a", encoding="utf-8") as script:
        script.write("\n// changed after the build\n")
    with browser.serving(copy) as url:
        yield url


def test_changed_asset_is_refused(chromium, tampered_site):
    context = chromium.new_context()
    page = context.new_page()
    page.goto(tampered_site)
    page.wait_for_selector("#runner-status[data-state=internal-error]", state="attached", timeout=browser.BOOT_TIMEOUT_MS)

    assert "SHA-256" in page.text_content("#load-progress-text")
    assert page.is_disabled("#run-tests")
    context.close()


def site_without(built_site, tmp_path, pattern):
    """Copy the built site and delete every file in its Pyodide folder matching `pattern`, compressed copies too."""
    copy = tmp_path / "site"
    shutil.copytree(built_site, copy)
    folders = [folder for folder in copy.glob("pyodide*") if folder.is_dir()]
    assert len(folders) == 1, f"expected one Pyodide folder in {copy}, found {folders}"
    removed = list(folders[0].glob(pattern))
    assert removed, f"no file matches {pattern} in {folders[0]}"
    for path in removed:
        path.unlink()
    return copy


@pytest.mark.parametrize(
    ("pattern", "named_file"),
    [("pyodide.asm.wasm*", "pyodide.asm.wasm"), ("numpy-*.whl*", "numpy-2.0.2")],
    ids=["runtime", "numpy"],
)
def test_missing_asset_reported(chromium, built_site, tmp_path, pattern, named_file):
    # Pyodide 0.27.7 never settles loadPyodide when the WebAssembly binary is missing,
    # so without the worker's own check this page would stay at loading.
    site_copy = site_without(built_site, tmp_path, pattern)
    context = chromium.new_context()
    page = context.new_page()

    with browser.serving(site_copy) as url:
        page.goto(url)
        page.wait_for_selector("#runner-status[data-state=internal-error]", state="attached", timeout=browser.BOOT_TIMEOUT_MS)
        text = page.text_content("#load-progress-text")

    assert named_file in text
    assert "its maintainer must rebuild it (python build.py)" in text
    assert page.is_visible("#retry-load")
    context.close()
