"""Drive headless Chromium through the visits the benchmark times.

Every time is read in the page with performance.now(), so it is in ms since
the navigation started. A "visit" is one navigation in a browser launched on a
given profile folder: a fresh folder gives a cold visit, and launching again on
the same folder gives a repeat visit with the HTTP cache, the code cache and
any service worker that the first visit left behind.
"""

import statistics
import time

from sitebuild.chromium import CHROMIUM, CHROMIUM_ARGS

# Milliseconds a page may take to become usable before the visit counts as failed.
# The slowest cold load seen on a loaded 2-core machine was about 8 s.
LOAD_TIMEOUT_MS = 120_000

# Records, in window.__bench, when the Run button is first enabled and each
# runner status the page shows. It runs before the page's own scripts.
PRODUCT_INIT_SCRIPT = """
(() => {
  const marks = (window.__bench = { readyAt: null, stages: [] });
  const observer = new MutationObserver(() => {
    const status = document.getElementById("runner-status");
    if (status) {
      const text = `${status.dataset.state || ""}: ${status.textContent}`;
      const last = marks.stages[marks.stages.length - 1];
      if (!last || last.text !== text) {
        marks.stages.push({ text, at: performance.now() });
      }
    }
    const button = document.getElementById("run-tests");
    if (button && !button.disabled && marks.readyAt === null) {
      marks.readyAt = performance.now();
    }
  });
  observer.observe(document, { subtree: true, childList: true, attributes: true, characterData: true });
})();
"""

PRODUCT_SETTLED = """() => window.__bench && (window.__bench.readyAt !== null ||
  document.getElementById("runner-status")?.dataset.state === "internal-error")"""

FLOOR_SETTLED = """() => document.getElementById("status")?.dataset.state === "result" ||
  document.getElementById("status")?.dataset.state === "error" ||
  document.getElementById("status")?.dataset.state === "wrong-result\""""

# True once a page that asked for a service worker is controlled by it, so the
# worker's cache is complete before the browser closes.
SERVICE_WORKER_SETTLED = """() => {
  const config = document.getElementById("exercise-config");
  const wanted = config && JSON.parse(config.textContent).delivery?.serviceWorker;
  return !wanted || (navigator.serviceWorker && navigator.serviceWorker.controller !== null &&
    document.documentElement.dataset.offlineCache === "ready");
}"""

# Clicks Run `count` times and returns each click-to-verdicts time in ms: from
# just before the click to the DOM mutation that sets the summary to "done",
# which app.js makes after it rendered all four verdicts. Paint is not included.
CLICK_RUNS = """async (count) => {
  const button = document.getElementById("run-tests");
  const summary = document.getElementById("summary");
  const times = [];
  for (let i = 0; i < count; i++) {
    const finished = new Promise((resolve) => {
      const observer = new MutationObserver(() => {
        if (summary.dataset.state !== "running") {
          observer.disconnect();
          resolve(summary.dataset.state);
        }
      });
      observer.observe(summary, { attributes: true, attributeFilter: ["data-state"] });
    });
    const started = performance.now();
    button.click();
    const state = await finished;
    times.push(performance.now() - started);
    if (state !== "done") {
      throw new Error(`run ${i + 1} ended in summary state ${state}: ${summary.textContent}`);
    }
    if (summary.textContent !== "4 of 4 passed.") {
      throw new Error(`run ${i + 1} summary is ${JSON.stringify(summary.textContent)}, expected 4 of 4 passed.`);
    }
  }
  return times;
}"""

# Evaluated in the product's worker: the size of Pyodide's WebAssembly memory, in bytes,
# from the worker's global `pyodide` or, where the worker keeps it in a closure, from
# its read-only self.lrDiagnostics; null when neither exists.
WASM_MEMORY = """() => {
  if (typeof pyodide !== "undefined" && pyodide) {
    return pyodide._module.HEAPU8.length;
  }
  return self.lrDiagnostics ? self.lrDiagnostics.wasmMemoryBytes() : null;
}"""

# Evaluated in the product's worker: where one run's time goes, in ms per run.
WORKER_BREAKDOWN = """(args) => {
  if (typeof runTestsAsJson !== "function") {
    return null;  // The worker keeps its harness call in a closure.
  }
  const [code, count] = args;
  let python = 0, parse = 0;
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    const text = runTestsAsJson(code);
    const afterPython = performance.now();
    JSON.parse(text);
    parse += performance.now() - afterPython;
    python += afterPython - started;
  }
  return { python: python / count, parse: parse / count };
}"""


class BrowserLauncher:
    """Launch Chromium on a profile folder with the benchmark's flags."""

    def __init__(self, playwright):
        self.playwright = playwright

    def launch(self, profile_dir, offline=False):
        context = self.playwright.chromium.launch_persistent_context(
            str(profile_dir), executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS,
        )
        if offline:
            context.set_offline(True)
        return context


def only_page(context):
    return context.pages[0] if context.pages else context.new_page()


def visit_floor(context, url):
    """Load the floor page and return its stage times in ms."""
    page = only_page(context)
    page.goto(url)
    page.wait_for_function(FLOOR_SETTLED, timeout=LOAD_TIMEOUT_MS, polling=20)
    state = page.eval_on_selector("#status", "element => element.dataset.state")
    if state != "result":
        raise RuntimeError(f"The floor page at {url} failed: {page.inner_text('#status')}")
    times = page.evaluate("window.floorTimes")
    return {"ready_ms": times["numpy-imported"], **{f"{stage}_ms": at for stage, at in times.items()}}


def visit_product(context, url):
    """Load the product page, wait until Run is usable, and return when that was, in ms."""
    context.add_init_script(PRODUCT_INIT_SCRIPT)
    page = only_page(context)
    page.goto(url)
    page.wait_for_function(PRODUCT_SETTLED, timeout=LOAD_TIMEOUT_MS, polling=20)
    marks = page.evaluate("window.__bench")
    if marks["readyAt"] is None:
        raise RuntimeError(f"The product page at {url} reported an internal error: {page.inner_text('#code-error')}")
    page.wait_for_function(SERVICE_WORKER_SETTLED, timeout=LOAD_TIMEOUT_MS, polling=50)
    return {"ready_ms": marks["readyAt"], "stages": marks["stages"]}


def set_code(page, code):
    """Replace the editor's text through the page's editor API (window.lrEditor), as typing would."""
    page.evaluate("(code) => window.lrEditor.setCode(code)", code)


def product_worker(page):
    """Return the page's dedicated worker that runs Python."""
    deadline = time.monotonic() + 10
    while not page.workers:
        if time.monotonic() > deadline:
            raise RuntimeError("The product page started no worker.")
        page.wait_for_timeout(50)
    return page.workers[0]


def percentile(values, fraction):
    """Return the nearest-rank percentile of `values` (fraction 0.95 for p95)."""
    ordered = sorted(values)
    rank = max(1, round(fraction * len(ordered) + 0.5 - 1e-9))
    return ordered[min(rank, len(ordered)) - 1]


def measure_warm(context, url, code, warm_runs, memory_runs, breakdown_runs):
    """Time warm runs and read the worker's memory after loading, one run and `memory_runs` runs."""
    visit = visit_product(context, url)
    page = only_page(context)
    worker = product_worker(page)
    set_code(page, code)

    memory = {"loaded": worker.evaluate(WASM_MEMORY)}
    first = page.evaluate(CLICK_RUNS, 1)[0]
    memory["after_1"] = worker.evaluate(WASM_MEMORY)
    times = page.evaluate(CLICK_RUNS, warm_runs)
    remaining = memory_runs - 1 - warm_runs
    if remaining > 0:
        page.evaluate(CLICK_RUNS, remaining)
    memory[f"after_{max(memory_runs, warm_runs + 1)}"] = worker.evaluate(WASM_MEMORY)

    breakdown = worker.evaluate(WORKER_BREAKDOWN, [code, breakdown_runs]) or {"python": None, "parse": None}
    return {
        "ready_ms": visit["ready_ms"],
        "first_run_ms": first,
        "warm_median_ms": statistics.median(times),
        "warm_p95_ms": percentile(times, 0.95),
        "warm_runs": len(times),
        "worker_python_ms": breakdown["python"],
        "worker_parse_ms": breakdown["parse"],
        "memory": memory,
    }


def check_offline_reload(launcher, profile_dir, url):
    """Reload the product page with the network off; return (usable, detail)."""
    context = launcher.launch(profile_dir, offline=True)
    try:
        visit = visit_product(context, url)
        return True, f"Run usable after {visit['ready_ms']:.0f} ms"
    except Exception as error:  # noqa: BLE001 - any failure means the offline visit did not work.
        return False, f"{type(error).__name__}: {str(error).splitlines()[0]}"
    finally:
        context.close()


# A suggest_lr that never returns, so a run lasts until Stop ends it.
ENDLESS_CODE = """def suggest_lr(lrs, losses):
    while True:
        pass
"""

# Seconds a run of ENDLESS_CODE goes on before Stop is pressed, so Python is deep in the loop.
STOP_AFTER_S = 0.5

# Clicks Stop and returns the ms until the Run button is enabled again with the runner ready.
CLICK_STOP = """async () => {
  const button = document.getElementById("run-tests");
  const status = document.getElementById("runner-status");
  const isReady = () => !button.disabled && status.dataset.state === "ready";
  const ready = new Promise((resolve) => {
    const observer = new MutationObserver(() => {
      if (isReady()) {
        observer.disconnect();
        resolve();
      }
    });
    observer.observe(document.body, { subtree: true, attributes: true, childList: true, characterData: true });
  });
  const started = performance.now();
  document.getElementById("stop-run").click();
  await ready;
  return performance.now() - started;
}"""


def measure_stop(launcher, scratch, url_for_isolation, runs, code):
    """Time Stop to ready, isolated and not, where the page has a Stop button (#stop-run).

    `url_for_isolation(isolated)` returns the URL of a server with or without the
    COOP and COEP headers. Each measurement runs ENDLESS_CODE, waits STOP_AFTER_S,
    presses Stop and waits until Run is enabled again.
    """
    results = {}
    for isolated, setting in [(True, "isolated"), (False, "not isolated")]:
        profile = scratch / f"profile-stop-{'on' if isolated else 'off'}"
        context = launcher.launch(profile)
        try:
            visit_product(context, url_for_isolation(isolated))
            page = only_page(context)
            if page.query_selector("#stop-run") is None:
                return {"reason": "the page has no Stop button (#stop-run)"}
            page_isolated = page.evaluate("() => self.crossOriginIsolated")
            set_code(page, ENDLESS_CODE)
            times = []
            for _ in range(runs):
                page.click("#run-tests")
                page.wait_for_timeout(STOP_AFTER_S * 1000)
                times.append(page.evaluate(CLICK_STOP) / 1000)
            set_code(page, code)
            page.evaluate(CLICK_RUNS, 1)
        finally:
            context.close()
        results[setting] = {
            "median_s": statistics.median(times),
            "max_s": max(times),
            "runs": len(times),
            "how": f"page crossOriginIsolated={str(page_isolated).lower()}",
        }
    return results
