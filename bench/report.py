"""Render the benchmark's measurements as Markdown: a targets table, a variants table and the method."""

import datetime
import statistics
from pathlib import Path

from bench import variants

FINDINGS = Path(__file__).resolve().parent / "findings.md"


def ratio(numerator, denominator):
    return numerator / denominator if denominator else float("nan")


def verdict(met):
    if met is None:
        return "n/a"
    return "met" if met else "not met"


def target_rows(results):
    """Return (metric, floor, site, ratio or value, target, verdict) rows for the targets table."""
    floor = results["variants"]["floor"]["median"]
    site = results["variants"][variants.FINAL]["median"]
    warm = results["warm"]
    stop = results["stop"]
    rows = []

    cold_ratio = ratio(site["cold"]["ready_ms"], floor["cold"]["ready_ms"])
    rows.append(("Cold visit, navigation to usable (ms)", f"{floor['cold']['ready_ms']:.0f}", f"{site['cold']['ready_ms']:.0f}",
                 f"{cold_ratio:.2f} of floor", "≤ 0.90", verdict(cold_ratio <= 0.90)))
    repeat_ratio = ratio(site["repeat"]["ready_ms"], floor["cold"]["ready_ms"])
    rows.append(("Repeat visit, navigation to usable (ms)", f"{floor['repeat']['ready_ms']:.0f}", f"{site['repeat']['ready_ms']:.0f}",
                 f"{repeat_ratio:.2f} of cold floor", "≤ 0.50", verdict(repeat_ratio <= 0.50)))
    rows.append(("Warm run, click to four verdicts, median (ms)", "", f"{warm['warm_median_ms']:.1f}",
                 f"p95 {warm['warm_p95_ms']:.1f} ms over {warm['warm_runs']} runs", "≤ 15 ms median",
                 verdict(warm["warm_median_ms"] <= 15)))
    bytes_ratio = ratio(site["cold"]["bytes"], floor["cold"]["bytes"])
    rows.append(("Bytes sent, cold visit (MB)", f"{floor['cold']['bytes'] / 1e6:.2f}", f"{site['cold']['bytes'] / 1e6:.2f}",
                 f"{bytes_ratio:.3f} of floor", "≤ 1.03", verdict(bytes_ratio <= 1.03)))
    rows.append(("Bytes sent, repeat visit (kB)", f"{floor['repeat']['bytes'] / 1e3:.1f}", f"{site['repeat']['bytes'] / 1e3:.1f}",
                 f"{site['repeat']['requests']:.0f} requests (floor {floor['repeat']['requests']:.0f})", "", "n/a"))
    for setting in ("isolated", "not isolated"):
        measured = stop.get(setting)
        if measured is None:
            rows.append((f"Stop to ready, {setting} (s)", "", "not available", stop.get("reason", ""),
                         "≤ 0.1 s" if setting == "isolated" else "", "n/a"))
        else:
            met = measured["median_s"] <= 0.1 if setting == "isolated" else None
            rows.append((f"Stop to ready, {setting} (s)", "", f"{measured['median_s']:.3f}",
                         f"median of {measured['runs']}, max {measured['max_s']:.3f} s ({measured['how']})",
                         "≤ 0.1 s" if setting == "isolated" else "", verdict(met)))

    memory = warm["memory"]
    if memory["loaded"] is None:
        rows.append(("Worker wasm memory", "", "not available", "the worker exposes neither pyodide nor lrDiagnostics",
                     "within 10 %", "n/a"))
        return rows
    last_key = max(memory, key=lambda key: int(key.split("_")[1]) if key.startswith("after_") else -1)
    growth = ratio(memory[last_key], memory["after_1"]) - 1
    rows.append(("Worker wasm memory (MB): loaded / after 1 run / " + last_key.replace("after_", "after ") + " runs", "",
                 f"{memory['loaded'] / 1e6:.1f} / {memory['after_1'] / 1e6:.1f} / {memory[last_key] / 1e6:.1f}",
                 f"{growth * 100:+.1f} % vs after 1", "within 10 %", verdict(abs(growth) <= 0.10)))
    return rows


def markdown_table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join("---" for _ in header) + " |"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def render_table(results):
    header = ("metric", "floor", "site", "ratio or detail", "target", "verdict")
    return markdown_table(header, target_rows(results))


def variant_rows(results):
    floor = results["variants"]["floor"]["median"]
    rows = []
    for name, measured in results["variants"].items():
        median = measured["median"]
        rows.append((
            name,
            f"{median['cold']['ready_ms']:.0f}",
            f"{ratio(median['cold']['ready_ms'], floor['cold']['ready_ms']):.2f}",
            f"{median['repeat']['ready_ms']:.0f}",
            f"{ratio(median['repeat']['ready_ms'], floor['cold']['ready_ms']):.2f}",
            f"{median['cold']['bytes'] / 1e6:.2f}",
            f"{ratio(median['cold']['bytes'], floor['cold']['bytes']):.3f}",
            f"{median['repeat']['bytes'] / 1e3:.1f}",
            f"{median['cold']['requests']:.0f} / {median['repeat']['requests']:.0f}",
        ))
    return rows


def option_rows(results):
    """Return, for each single-option variant, its change against the variant with every option off."""
    measured = results["variants"]
    if "none" not in measured:
        return []
    base = measured["none"]["median"]
    rows = []
    for name, variant in measured.items():
        if name in ("floor", "none"):
            continue
        median = variant["median"]
        rows.append((
            name,
            f"{median['cold']['ready_ms'] - base['cold']['ready_ms']:+.0f}",
            f"{median['repeat']['ready_ms'] - base['repeat']['ready_ms']:+.0f}",
            f"{(median['cold']['bytes'] - base['cold']['bytes']) / 1e6:+.2f}",
            f"{median['repeat']['requests'] - base['repeat']['requests']:+.0f}",
        ))
    return rows


def stage_rows(results):
    """Return the final site's runner status changes with their median time over the cold runs."""
    runs = [run["cold"].get("stages", []) for run in results["variants"][variants.FINAL]["runs"]]
    texts = [stage["text"] for stage in runs[0]]
    # Only runs that showed the same statuses in the same order are comparable stage by stage.
    matching = [stages for stages in runs if [stage["text"] for stage in stages] == texts]
    return [(text, f"{statistics.median(stages[index]['at'] for stages in matching):.0f}")
            for index, text in enumerate(texts)]


def render(results, arguments):
    machine = results["machine"]
    warm = results["warm"]
    cold_runs = len(results["variants"]["floor"]["runs"])
    if warm["worker_python_ms"] is None:
        breakdown = "The worker keeps its harness call out of reach, so no breakdown was measured."
    else:
        rest_ms = warm["warm_median_ms"] - warm["worker_python_ms"] - warm["worker_parse_ms"]
        breakdown = (f"Inside the worker, the harness call (Python plus json.dumps) takes {warm['worker_python_ms']:.1f} ms "
                     f"and JSON.parse {warm['worker_parse_ms']:.2f} ms per run; the remaining {rest_ms:.1f} ms are the "
                     "two postMessage hops and the page's rendering.")
    load_before = ", ".join(f"{value:.2f}" for value in machine["load_average"])
    load_after = ", ".join(f"{value:.2f}" for value in results["load_average_after"])
    offline_ok, offline_detail = results["offline"]
    sections = [
        "# Benchmarks",
        "",
        "Generated by `bench/run.py`; rerun it to refresh this page. Every ratio divides by the floor "
        "measured in the same run: bare Pyodide 0.27.7 loading numpy in a Web Worker (bench/floor/), "
        "served from the same files by a plain static server with Cache-Control: no-cache.",
        "",
        f"- Command: `{results['command']}`",
        f"- Date: {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC",
        f"- Machine: {machine['cpu']}, {machine['cores']} cores, {machine['memory_gib']:.1f} GiB RAM, {machine['os']}",
        f"- Browser: {machine['browser']}, headless, loopback server (127.0.0.1)",
        f"- Load average (1, 5, 15 min) before: {load_before}; after: {load_after}. Other engineers' "
        "browsers shared the machine, so single runs vary; the medians are what to compare.",
        f"- Cold and repeat visits: median of {cold_runs} runs per variant, each on a fresh browser profile.",
        "",
        "## Targets",
        "",
        render_table(results),
        "",
        "## Delivery variants",
        "",
        "Each row is the site built with one delivery option (sitebuild/delivery.py); `none` has every "
        "option off and `site` is what build.py builds. Times are ms from navigation start until the "
        "Run button is enabled (numpy and the harness imported); for the floor, until `import numpy` "
        "returned. Bytes are everything the server sent, headers included, the worker's requests too.",
        "",
        markdown_table(("variant", "cold (ms)", "cold ÷ floor", "repeat (ms)", "repeat ÷ cold floor", "cold MB",
                        "cold bytes ÷ floor", "repeat kB", "requests cold / repeat"), variant_rows(results)),
        "",
        "## What each option changes",
        "",
        "Each variant against `none` (every option off), medians of the same runs; negative is better.",
        "",
        markdown_table(("variant", "cold Δ (ms)", "repeat Δ (ms)", "cold bytes Δ (MB)", "repeat requests Δ"),
                       option_rows(results)),
        "",
        "## Warm run",
        "",
        f"Click to the DOM update that shows all four verdicts (paint not included): median "
        f"{warm['warm_median_ms']:.1f} ms, p95 {warm['warm_p95_ms']:.1f} ms over {warm['warm_runs']} runs; "
        f"the first run after loading took {warm['first_run_ms']:.1f} ms. {breakdown}",
        "",
        "## Load stages of the site (median of the cold runs)",
        "",
        markdown_table(("runner status", "at (ms)"), stage_rows(results)),
        "",
        "## Offline reload",
        "",
        f"After one online visit, a reload with the browser offline (Playwright `set_offline`): "
        f"{'works' if offline_ok else 'fails'}, {offline_detail}.",
        "",
        "## Method",
        "",
        "- Memory is the size of the worker's WebAssembly memory, `pyodide._module.HEAPU8.length`, read in "
        "the worker with Playwright. It only grows, so it is the high-water mark of Python's heap.",
        "- A repeat visit launches Chromium again on the profile folder of the cold visit, so it gets the "
        "HTTP cache, V8's code cache and any service worker from that visit.",
        "- Bytes are counted by the benchmark's servers at the socket, so they include responses to the "
        "worker and to the service worker.",
    ]
    if FINDINGS.is_file():
        sections += ["", FINDINGS.read_text(encoding="utf-8").rstrip()]
    return "\n".join(sections) + "\n"
