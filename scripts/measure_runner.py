"""Measure what the runner's safety costs, in headless Chromium against a built site.

    .venv/bin/python scripts/measure_runner.py [--runs N] [--site DIR]

Prints, for a page served with and without cross-origin isolation:
- the wall time of one run of the reference (page click to rendered summary),
  and the time the harness spent restoring its snapshot per learner call,
  measured in the worker's Python;
- the time from pressing Stop during an endless loop to the runner being ready;
and, once, the time to SHA-256 the four Pyodide core files in the browser,
which is what the worker's integrity checks add to a boot.
The site must be built first (python build.py). Numbers depend on the machine.
"""

import argparse
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "web" / "runner")]

from playwright.sync_api import sync_playwright  # noqa: E402

from sitebuild import server  # noqa: E402
from tests.project.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

REFERENCE = (ROOT / "solution" / "suggest_lr.py").read_text(encoding="utf-8")
LOOP = "def suggest_lr(lrs, losses):\n    while True:\n        pass\n"

# Times the restore of an unchanged snapshot in the worker's interpreter, in ms per call.
# It runs inside a function, because restore() resets __main__'s globals too.
RESTORE_PROBE = """
def probe():
    import time
    from lr_range_runner import sandbox
    restore, reapply, ids = sandbox.take_snapshot()
    started = time.perf_counter()
    for _ in range(20):
        restore()
    return (time.perf_counter() - started) / 20 * 1000

probe()
"""

HASH_PROBE = """async () => {
  const names = ["pyodide.js", "pyodide.asm.js", "pyodide.asm.wasm", "python_stdlib.zip"];
  const folder = JSON.parse(document.getElementById("exercise-config").textContent).pyodide.indexURL;
  const buffers = await Promise.all(names.map(async (name) => (await fetch(folder + name)).arrayBuffer()));
  const started = performance.now();
  for (const buffer of buffers) {
    await crypto.subtle.digest("SHA-256", buffer);
  }
  return performance.now() - started;
}"""


def serve(directory, isolated):
    httpd = server.make_server(directory, 0, verbose=False, isolated=isolated)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd


def wait_ready(page):
    page.wait_for_selector("#runner-status[data-state=ready]", state="attached", timeout=120_000)


def timed_run(page, code):
    page.evaluate("code => window.lrEditor.setCode(code)", code)
    started = time.perf_counter()
    page.click("#run-tests")
    page.wait_for_selector("#summary:is([data-state=done], [data-state=code-error])", state="attached", timeout=60_000)
    return (time.perf_counter() - started) * 1000


def stop_to_ready(page):
    page.evaluate("code => window.lrEditor.setCode(code)", LOOP)
    page.click("#run-tests")
    page.wait_for_timeout(500)
    started = time.perf_counter()
    page.click("#stop-run")
    page.wait_for_selector("#summary[data-state=stopped]", state="attached", timeout=30_000)
    wait_ready(page)
    return (time.perf_counter() - started) * 1000


def measure(browser, url, runs):
    page = browser.new_page()
    page.goto(url)
    wait_ready(page)
    run_ms = [timed_run(page, REFERENCE) for _ in range(runs)]
    stop_ms = []
    for _ in range(3):
        stop_ms.append(stop_to_ready(page))
        wait_ready(page)
    isolated = page.evaluate("crossOriginIsolated")
    hash_ms = page.evaluate(HASH_PROBE)
    page.close()
    return {"isolated": isolated, "run_ms": run_ms, "stop_ms": stop_ms, "hash_ms": hash_ms}


def restore_cost_ms():
    """Time an unchanged restore in Pyodide under Node, the interpreter the worker runs."""
    import json
    import subprocess

    from sitebuild import assets

    asset_dir = assets.ensure_assets(log=lambda message: None)
    script = f"""
const {{ loadPyodide }} = require({json.dumps(str(asset_dir / "pyodide.js"))});
(async () => {{
  const py = await loadPyodide({{ indexURL: {json.dumps(str(asset_dir) + "/")} }});
  await py.loadPackage("numpy", {{ messageCallback: () => {{}} }});
  py.FS.mkdirTree("/m/lr_range_runner");
  for (const name of ["__init__.py", "sandbox.py", "harness.py"]) {{
    py.FS.writeFile("/m/lr_range_runner/" + name, require("fs").readFileSync({json.dumps(str(ROOT / "web/runner/lr_range_runner"))} + "/" + name, "utf8"));
  }}
  py.runPython("import sys, numpy; sys.path.insert(0, '/m')");
  console.log(py.runPython({json.dumps(RESTORE_PROBE)}));
}})();
"""
    completed = subprocess.run(["node", "-e", script], capture_output=True, text=True, timeout=300)
    if completed.returncode != 0 or not completed.stdout.strip():
        raise RuntimeError(f"node failed with status {completed.returncode}: {completed.stderr[-3000:]}")
    return float(completed.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs of the reference per page (default 5)")
    parser.add_argument("--site", type=Path, default=ROOT / "dist", help="built site folder (default dist/)")
    arguments = parser.parse_args()

    print(f"restore of an unchanged snapshot in Pyodide (Node): {restore_cost_ms():.1f} ms per learner call")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        for isolated in (True, False):
            httpd = serve(arguments.site, isolated)
            result = measure(browser, server.site_url(httpd), arguments.runs)
            httpd.shutdown()
            httpd.server_close()
            print(f"crossOriginIsolated={result['isolated']}: run of the reference median "
                  f"{statistics.median(result['run_ms']):.0f} ms (n={len(result['run_ms'])}); "
                  f"Stop to ready median {statistics.median(result['stop_ms']):.0f} ms (n={len(result['stop_ms'])})")
        print(f"SHA-256 of the four Pyodide core files in Chromium: {result['hash_ms']:.0f} ms")
        browser.close()


if __name__ == "__main__":
    main()
