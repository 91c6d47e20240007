"""Build a site, serve it on 127.0.0.1 and drive it with the system Chromium.

Helpers for test_page.py and scripts/screenshots.py. Chromium runs with the
flags of conftest.py, which limit it to loopback.
"""

import contextlib
import threading

from sitebuild import server, site
from tests.project.conftest import CHROMIUM, CHROMIUM_ARGS

# Milliseconds the page may take to boot Pyodide, numpy and the harness. A boot
# takes a few seconds; the limit only stops a hung page.
BOOT_TIMEOUT_MS = 120_000
# Milliseconds one run of the four hidden tests may take before a wait gives up.
RUN_TIMEOUT_MS = 60_000


def build(out, cdn_base_url=None):
    """Build the site into `out` and return it."""
    return site.build_site(out, cdn_base_url=cdn_base_url, log=lambda message: None)


@contextlib.contextmanager
def serving(directory):
    """Serve `directory` on a free port of 127.0.0.1 and yield its URL."""
    httpd = server.make_server(directory, 0, verbose=False)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.site_url(httpd)
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()


def launch(playwright):
    """Start the system Chromium, headless and limited to loopback."""
    return playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)


def wait_until_ready(page):
    page.wait_for_selector("#runner-status[data-state=ready]", state="attached", timeout=BOOT_TIMEOUT_MS)


def wait_for_run(page):
    """Wait until the summary shows a finished run: all tests ran, or a code error stopped them."""
    page.wait_for_selector("#summary:is([data-state=done], [data-state=code-error])", state="attached", timeout=RUN_TIMEOUT_MS)
