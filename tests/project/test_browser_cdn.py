"""Run the page in `--pyodide-base-url` mode, with a second loopback server standing in for the CDN.

The stand-in serves the real Pyodide 0.27.7 core, its official lock and the
numpy wheel from the asset cache, on another port, so it is another origin and
needs the CORS header that a public CDN sends. The site itself ships only the
runner wheel, which the worker checks against the sha256 in the page's config.
"""

import functools
import http.server
import shutil
import threading

import pytest

from sitebuild import assets, server
from tests.project.implementations import PROJECT_ROOT, REFERENCE

pytestmark = pytest.mark.browser

BOOT_TIMEOUT_MS = 60_000
RUN_TIMEOUT_MS = 30_000


class CrossOriginHandler(server.SiteRequestHandler):
    """Serve files with the CORS header that lets another origin fetch them."""

    def end_headers(self):
        self.send_header("Access-Control-Allow-Origin", "*")
        super().end_headers()


def serve_in_thread(httpd):
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    return thread


@pytest.fixture(scope="module")
def cdn_url():
    """Serve the cached Pyodide assets on 127.0.0.1 at a free port and return the base URL."""
    folder = assets.ensure_assets(log=lambda message: None)
    handler = functools.partial(CrossOriginHandler, directory=str(folder))
    httpd = http.server.ThreadingHTTPServer((server.HOST, 0), handler)
    httpd.verbose = False
    thread = serve_in_thread(httpd)
    yield server.site_url(httpd)
    httpd.shutdown()
    httpd.server_close()
    thread.join()


@pytest.fixture(scope="module")
def cdn_site_url(run_build, tmp_path_factory, cdn_url):
    """Build the site against the stand-in CDN and serve it on another free port."""
    out = tmp_path_factory.mktemp("cdn-site") / "dist"
    completed = run_build(PROJECT_ROOT, "--out", out, "--pyodide-base-url", cdn_url)
    assert completed.returncode == 0, completed.stderr

    httpd = server.make_server(out, 0, verbose=False)
    thread = serve_in_thread(httpd)
    yield server.site_url(httpd)
    httpd.shutdown()
    httpd.server_close()
    thread.join()
    shutil.rmtree(out, ignore_errors=True)


@pytest.fixture(scope="module")
def cdn_page(chromium, cdn_site_url):
    """Open the CDN-mode page, record every request, and wait until the runner is ready."""
    context = chromium.new_context()
    page = context.new_page()
    requests = []
    context.on("request", lambda request: requests.append(request.url))
    page.goto(cdn_site_url)
    page.wait_for_selector("#run-tests:not([disabled])", timeout=BOOT_TIMEOUT_MS)
    yield page, requests
    context.close()


def test_cdn_mode_loads_core_from_cdn(cdn_page, cdn_url, cdn_site_url):
    page, requests = cdn_page
    assert cdn_url + "pyodide.asm.wasm" in requests
    assert cdn_url + assets.NUMPY_WHEEL in requests
    assert not any(url.startswith(cdn_site_url + "pyodide/") for url in requests)


def test_cdn_mode_loads_runner_from_site(cdn_page, cdn_site_url):
    page, requests = cdn_page
    runner_requests = [url for url in requests if url.startswith(cdn_site_url + "runner/")]
    assert len(runner_requests) == 1, requests


def test_cdn_mode_runs_reference(cdn_page):
    page, _ = cdn_page
    page.evaluate("(code) => window.lrEditor.setCode(code)", REFERENCE.read_text(encoding="utf-8"))
    page.click("#run-tests")
    page.wait_for_selector("#summary[data-state=done]", timeout=RUN_TIMEOUT_MS)
    assert page.inner_text("#summary") == "4 of 4 passed."
