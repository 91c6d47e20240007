"""Check that Pyodide in the browser and pytest on CPython give every implementation the same verdicts.

pyodide_parity.mjs boots Pyodide 0.27.7 with numpy 2.0.2 once in Node.js and
runs the harness on every implementation. A test passes in Pyodide when the
harness reports "passed" and on CPython when pytest reports it passed.
"""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from sitebuild import assets
from tests.project.implementations import ALL, HIDDEN_TESTS, RUNNER_DIR

PARITY_SCRIPT = Path(__file__).resolve().parent / "pyodide_parity.mjs"

# Seconds the Node run may take. It took about 2.5 s on a 2-core machine, mostly the
# Pyodide boot, so the limit only catches a hung run.
NODE_TIMEOUT_S = 300

EXPECTED_VERSIONS = {"pyodide": "0.27.7", "numpy": "2.0.2"}


def running_in_ci():
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def unavailable(reason):
    """Fail in CI, where parity must always be checked, and skip elsewhere."""
    if running_in_ci():
        pytest.fail(f"The Pyodide parity check cannot run in CI: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def pyodide_run(tmp_path_factory):
    """Run pyodide_parity.mjs on every implementation and return its JSON report."""
    node = shutil.which("node")
    if node is None:
        unavailable("node was not found on PATH. Install Node.js 18 or newer.")

    try:
        asset_dir = assets.ensure_assets(log=lambda message: None)
    except (assets.AssetError, OSError) as error:
        unavailable(f"the Pyodide assets are missing and could not be fetched: {error}")

    manifest = {
        "assetDir": str(asset_dir),
        "runnerDir": str(RUNNER_DIR),
        "tests": str(HIDDEN_TESTS),
        "implementations": [{"name": label, "path": str(path)} for label, path in ALL.items()],
    }
    manifest_path = tmp_path_factory.mktemp("parity") / "manifest.json"
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")

    completed = subprocess.run(
        [node, str(PARITY_SCRIPT), str(manifest_path)], capture_output=True, text=True, timeout=NODE_TIMEOUT_S
    )

    assert completed.returncode == 0, (
        f"{PARITY_SCRIPT.name} exited with status {completed.returncode}:\n{completed.stderr[-5000:]}"
    )
    return json.loads(completed.stdout)


@pytest.mark.parametrize("component", list(EXPECTED_VERSIONS))
def test_pyodide_versions(component, pyodide_run):
    actual = pyodide_run[component]
    expected = EXPECTED_VERSIONS[component]
    assert actual == expected, f"Pyodide run used {component} {actual}, expected {expected}"


def test_pyodide_covers_every_implementation(pyodide_run):
    reported = set(pyodide_run["results"])
    assert reported == set(ALL), f"Pyodide reported {sorted(reported)}, expected {sorted(ALL)}"


@pytest.mark.parametrize("label", list(ALL))
def test_verdicts_match(label, pyodide_run, hidden_test_verdicts):
    result = pyodide_run["results"][label]
    pyodide_verdicts = {name: status == "passed" for name, status in result["tests"].items()}
    cpython_verdicts = hidden_test_verdicts[label]

    assert set(pyodide_verdicts) == set(cpython_verdicts), (
        f"{label}: Pyodide ran {sorted(pyodide_verdicts)}, pytest ran {sorted(cpython_verdicts)}"
    )
    assert pyodide_verdicts == cpython_verdicts, (
        f"{label}: Pyodide statuses {result['tests']} (outcome {result['outcome']}), "
        f"pytest passed {cpython_verdicts}"
    )
