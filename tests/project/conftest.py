"""Run the hidden tests under pytest against every implementation in the library, once per session."""

import concurrent.futures
import os
import subprocess
import sys
import xml.etree.ElementTree as ElementTree

import pytest

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
