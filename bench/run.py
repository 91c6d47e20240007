#!/usr/bin/env python3
"""Benchmark the exercise page against bare Pyodide, side by side, in headless Chromium.

  .venv/bin/python bench/run.py                 # full run; writes docs/benchmarks.md
  .venv/bin/python bench/run.py --quick --output /tmp/bench.md

One run builds the site once per delivery variant, serves every build and the
floor page (bench/floor/) on 127.0.0.1, and measures for each: the cold visit
(a fresh browser profile) and the repeat visit (the same profile, launched
again) to the moment Python is usable, with the bytes the server sent. The
final variant, the site as build.py makes it, also gets warm runs, memory
readings, Stop-to-ready and an offline reload. Every ratio divides by the floor
measured in the same run.
"""

import argparse
import contextlib
import json
import os
import platform
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "web" / "runner"))
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from bench import browser, report, serving, variants  # noqa: E402

FLOOR_DIR = Path(__file__).resolve().parent / "floor"
DEFAULT_OUTPUT = ROOT / "docs" / "benchmarks.md"
REFERENCE = ROOT / "solution" / "suggest_lr.py"


def parse_arguments(argv):
    parser = argparse.ArgumentParser(prog="bench/run.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--cold-runs", type=int, default=7,
                        help="cold and repeat visits per variant; the table shows their median (default 7)")
    parser.add_argument("--warm-runs", type=int, default=50, help="timed warm runs of the final site (default 50)")
    parser.add_argument("--memory-runs", type=int, default=100,
                        help="runs before the last memory reading (default 100)")
    parser.add_argument("--stop-runs", type=int, default=5, help="Stop-to-ready measurements per setting (default 5)")
    parser.add_argument("--variants", default=",".join(variants.VARIANTS),
                        help=f"comma-separated delivery variants to compare (default: all: {','.join(variants.VARIANTS)})")
    parser.add_argument("--quick", action="store_true",
                        help="one cold run, 3 warm runs, 3 memory runs, 1 Stop run and only the final variant; "
                             "checks that the benchmark works, its numbers mean little")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="Markdown file to write (default docs/benchmarks.md)")
    parser.add_argument("--json", type=Path, help="also write the raw measurements to this JSON file")
    arguments = parser.parse_args(argv)

    if arguments.quick:
        arguments.cold_runs, arguments.warm_runs, arguments.memory_runs, arguments.stop_runs = 1, 3, 3, 1
        if arguments.variants == parser.get_default("variants"):
            arguments.variants = variants.FINAL
    names = [name.strip() for name in arguments.variants.split(",") if name.strip()]
    unknown = [name for name in names if name not in variants.VARIANTS]
    if unknown:
        parser.error(f"unknown variant(s) {', '.join(unknown)}; choose from {', '.join(variants.VARIANTS)}")
    if variants.FINAL not in names:
        names.append(variants.FINAL)
    arguments.variant_names = names
    for option in ("cold_runs", "warm_runs", "memory_runs", "stop_runs"):
        if getattr(arguments, option) < 1:
            parser.error(f"--{option.replace('_', '-')} must be at least 1")
    return arguments


def machine_description():
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory_gib = None
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory_gib = int(line.split()[1]) / (1024 * 1024)
    version = subprocess.run([str(browser.CHROMIUM), "--version"], capture_output=True, text=True).stdout.strip()
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": memory_gib,
        "os": platform.platform(),
        "browser": version,
        "load_average": os.getloadavg(),
    }


def floor_site(scratch, pyodide_dir):
    """Lay out the floor page next to a link to the product's Pyodide folder."""
    site = scratch / "floor-site"
    site.mkdir()
    (site / "floor").symlink_to(FLOOR_DIR, target_is_directory=True)
    (site / "pyodide").symlink_to(pyodide_dir, target_is_directory=True)
    return site


def visit_twice(launcher, profile_dir, server, url, visit):
    """Make a cold and a repeat visit on one profile; return both results with the bytes sent."""
    results = {}
    for kind in ("cold", "repeat"):
        server.counter.reset()
        context = launcher.launch(profile_dir)
        try:
            results[kind] = visit(context, url)
        finally:
            context.close()
        results[kind].update(server.counter.snapshot())
    return results


def median_of(runs, kind, field):
    return statistics.median(run[kind][field] for run in runs)


def summarize(runs):
    return {
        kind: {field: median_of(runs, kind, field) for field in ("ready_ms", "bytes", "requests")}
        for kind in ("cold", "repeat")
    }


def run_benchmark(arguments, scratch, log):
    machine = machine_description()
    builds = {}
    for name in arguments.variant_names:
        log(f"Building variant {name}")
        builds[name] = variants.build(name, scratch / "sites" / name)

    final_site = builds[variants.FINAL]
    floor_root = floor_site(scratch, variants.pyodide_folder(final_site))
    results = {"machine": machine, "variants": {}, "command": arguments.command}

    with contextlib.ExitStack() as stack, sync_playwright() as playwright:
        launcher = browser.BrowserLauncher(playwright)
        floor_server = stack.enter_context(serving.BenchServer(floor_root, serving.PlainHandler))
        product_servers = {
            name: stack.enter_context(serving.BenchServer(site, variants.handler_class(name)))
            for name, site in builds.items()
        }
        floor_url = floor_server.url + "floor/index.html"

        contenders = [("floor", floor_server, floor_url, browser.visit_floor)]
        contenders += [(name, server, server.url, browser.visit_product) for name, server in product_servers.items()]
        raw = {name: [] for name, *_ in contenders}
        for run in range(arguments.cold_runs):
            # Rotating the order spreads any drift of the machine's load over every contender.
            shift = run % len(contenders)
            for name, server, url, visit in contenders[shift:] + contenders[:shift]:
                profile = Path(tempfile.mkdtemp(prefix=f"profile-{name}-", dir=scratch))
                raw[name].append(visit_twice(launcher, profile, server, url, visit))
                cold, repeat = raw[name][-1]["cold"], raw[name][-1]["repeat"]
                log(f"run {run + 1}/{arguments.cold_runs} {name}: cold {cold['ready_ms']:.0f} ms, "
                    f"repeat {repeat['ready_ms']:.0f} ms, {cold['bytes'] / 1e6:.2f} MB cold")
        for name in raw:
            results["variants"][name] = {"median": summarize(raw[name]), "runs": raw[name]}

        final_server = product_servers[variants.FINAL]
        log("Measuring warm runs and memory")
        context = launcher.launch(Path(tempfile.mkdtemp(prefix="profile-warm-", dir=scratch)))
        try:
            results["warm"] = browser.measure_warm(
                context, final_server.url, REFERENCE.read_text(encoding="utf-8"),
                arguments.warm_runs, arguments.memory_runs, breakdown_runs=min(arguments.warm_runs, 20),
            )
        finally:
            context.close()

        log("Measuring Stop to ready")
        plain_server = stack.enter_context(serving.BenchServer(
            final_site, variants.handler_class(variants.FINAL), isolated=False))
        results["stop"] = browser.measure_stop(
            launcher, scratch, lambda isolated: final_server.url if isolated else plain_server.url,
            arguments.stop_runs, REFERENCE.read_text(encoding="utf-8"))

        log("Reloading offline")
        profile = Path(tempfile.mkdtemp(prefix="profile-offline-", dir=scratch))
        context = launcher.launch(profile)
        try:
            browser.visit_product(context, final_server.url)
        finally:
            context.close()
        results["offline"] = browser.check_offline_reload(launcher, profile, final_server.url)

    results["load_average_after"] = os.getloadavg()
    return results


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    arguments = parse_arguments(argv)
    arguments.command = shlex.join([".venv/bin/python", "bench/run.py", *argv])
    started = time.monotonic()

    def log(message):
        print(f"[bench {time.monotonic() - started:6.1f} s] {message}", file=sys.stderr, flush=True)

    with tempfile.TemporaryDirectory(prefix="lr-bench-") as scratch:
        results = run_benchmark(arguments, Path(scratch), log)

    markdown = report.render(results, arguments)
    arguments.output.parent.mkdir(parents=True, exist_ok=True)
    arguments.output.write_text(markdown, encoding="utf-8")
    if arguments.json:
        arguments.json.write_text(json.dumps(results, indent=1), encoding="utf-8")
    print(report.render_table(results))
    log(f"Wrote {arguments.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
