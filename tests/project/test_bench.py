"""Run the benchmark end to end with tiny counts, and check the page's snapshot fallback, in headless Chromium.

No timing is asserted: the numbers depend on the machine. The quick run only
proves that bench/run.py still works against the current page, which includes
a snapshot boot that passes all four hidden tests and an offline reload.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import pytest

from bench import browser
from sitebuild import delivery, server, site

ROOT = Path(__file__).resolve().parents[2]

# Seconds the quick benchmark may take; it took about 40 s on a 2-core machine
# with a warm asset cache, so the limit only catches a hung run.
QUICK_TIMEOUT_S = 900

pytestmark = pytest.mark.browser


def require_chromium():
    if Path(browser.CHROMIUM).is_file():
        return
    reason = f"{browser.CHROMIUM} was not found. Install Chromium (apt-get install chromium)."
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    require_chromium()
    folder = tmp_path_factory.mktemp("bench")
    markdown, raw = folder / "benchmarks.md", folder / "bench.json"
    completed = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "run.py"), "--quick", "--output", str(markdown), "--json", str(raw)],
        capture_output=True, text=True, timeout=QUICK_TIMEOUT_S, cwd=ROOT,
    )
    assert completed.returncode == 0, f"bench/run.py --quick exited with {completed.returncode}:\n{completed.stderr[-5000:]}"
    return markdown.read_text(encoding="utf-8"), json.loads(raw.read_text(encoding="utf-8"))


def test_quick_bench_writes_tables(quick_run):
    markdown, _ = quick_run
    assert "## Targets" in markdown
    assert "## Delivery variants" in markdown
    assert "| Cold visit, navigation to usable (ms) |" in markdown


def test_quick_bench_measures_floor(quick_run):
    _, results = quick_run
    floor = results["variants"]["floor"]["median"]
    assert floor["cold"]["ready_ms"] > 0
    assert floor["cold"]["bytes"] > 10_000_000


def test_quick_bench_warm_runs(quick_run):
    _, results = quick_run
    assert results["warm"]["warm_runs"] == 3
    assert results["warm"]["memory"]["loaded"] > 0


def test_offline_reload_works(quick_run):
    _, results = quick_run
    usable, detail = results["offline"]
    assert usable, detail


def test_bad_snapshot_falls_back(tmp_path):
    """A snapshot that fails its integrity check must not stop the page: the worker boots without it."""
    require_chromium()
    from playwright.sync_api import sync_playwright

    out = tmp_path / "dist"
    site.build_site(out, log=lambda message: None, delivery_options=delivery.Delivery.only("snapshot"))
    snapshot = out / "pyodide" / delivery.SNAPSHOT_FILE
    data = bytearray(snapshot.read_bytes())
    data[len(data) // 2] ^= 0xFF
    snapshot.write_bytes(bytes(data))

    httpd = server.make_server(out, port=0, verbose=False)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    profile = tempfile.mkdtemp(prefix="profile-", dir=tmp_path)
    try:
        with sync_playwright() as playwright:
            context = browser.BrowserLauncher(playwright).launch(profile)
            try:
                visit = browser.visit_product(context, server.site_url(httpd))
                page = browser.only_page(context)
                browser.set_code(page, (ROOT / "solution" / "suggest_lr.py").read_text(encoding="utf-8"))
                times = page.evaluate(browser.CLICK_RUNS, 1)
            finally:
                context.close()
    finally:
        httpd.shutdown()
        httpd.server_close()
        shutil.rmtree(profile, ignore_errors=True)
    assert visit["ready_ms"] > 0
    assert len(times) == 1
