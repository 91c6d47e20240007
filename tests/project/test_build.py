"""Tests of `build.py`: the site it writes, the checks that stop it, and the asset cache.

Each build runs in a subprocess with `--out` pointing into a temporary folder.
Tests that need a broken exercise break a copy of the project tree, never the
real files.
"""

import base64
import fcntl
import hashlib
import html
import json
import os
import re
import shutil
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

from lr_range_runner import harness
from sitebuild import assets, site
from tests.project.implementations import HIDDEN_TESTS, PROJECT_ROOT, STARTER

EXERCISE = tomllib.loads((PROJECT_ROOT / "problem" / "exercise.toml").read_text(encoding="utf-8"))
RUNNER_WHEEL = f"lr_range_runner-{EXERCISE['version']}-py3-none-any.whl"

TITLES = {test["name"]: test["title"] for test in harness.describe_tests(site.load_hidden_tests())}

# Files and folders of the work tree that the build neither reads nor needs in a copy.
COPY_IGNORE = shutil.ignore_patterns(
    ".git", ".venv", "dist", ".dist.*", "__pycache__", ".pytest_cache", "test-results", "node_modules"
)

# A reference whose edge slopes use second-order differences. It fails only
# "Returned LR is one of the inputs", where the first slope becomes the steepest.
SECOND_ORDER_EDGES_SOURCE = """\
import numpy as np


def suggest_lr(lrs, losses):
    slopes = np.gradient(np.asarray(losses, dtype=float), np.log10(lrs), edge_order=2)
    return float(lrs[int(np.argmin(slopes))])
"""

# A starter that passes only "Reference example", which expects 0.01.
CONSTANT_STARTER_SOURCE = """\
def suggest_lr(lrs, losses):
    return 0.01
"""

# Any URL ending in "/" is accepted. The build only writes it into the page's
# config and never requests it, and this test never loads the page.
PYODIDE_BASE_URL = "http://127.0.0.1:9/pyodide/v0.27.7/full/"


def read_config(out):
    """Return the exercise config that the build embedded in out/index.html."""
    page = (out / "index.html").read_text(encoding="utf-8")
    match = re.search(r'<script type="application/json" id="exercise-config">(.*?)</script>', page, re.DOTALL)
    assert match, "index.html has no exercise-config script element"
    return json.loads(match.group(1))


def pyodide_folder(out):
    """Return the built site's Pyodide folder, named pyodide-<content hash> by the build."""
    return out / read_config(out)["pyodide"]["indexURL"].rstrip("/")


def read_lock(out):
    return json.loads((pyodide_folder(out) / "pyodide-lock.json").read_text(encoding="utf-8"))


def sha256_of(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def snapshot(out):
    """Map each file under `out` to its size and modification time in nanoseconds."""
    return {
        str(path.relative_to(out)): (path.stat().st_size, path.stat().st_mtime_ns)
        for path in sorted(out.rglob("*"))
        if path.is_file()
    }


@pytest.fixture()
def project_copy(tmp_path):
    """Copy the project tree, without build output or caches, into a temporary folder."""
    copy = tmp_path / "project"
    shutil.copytree(PROJECT_ROOT, copy, ignore=COPY_IGNORE)
    return copy


@pytest.fixture()
def previous_site(run_build, project_copy):
    """Build the copy into project/out and return that folder, the old site of a failing rebuild."""
    out = project_copy / "out"
    completed = run_build(project_copy, "--out", out)
    assert completed.returncode == 0, completed.stderr
    return out


def assert_build_failed(completed, out, before, page_before):
    """Check that a build failed and left the site in `out` as it was."""
    assert completed.returncode == 1, completed.stdout + completed.stderr
    assert completed.stderr.startswith("Build failed: ")
    assert f"The previous site in {out} was left in place." in completed.stderr
    assert snapshot(out) == before
    assert (out / "index.html").read_bytes() == page_before
    assert not list(out.parent.glob(f".{out.name}.staging*"))


def test_page_renders_statement(built_site):
    page = (built_site / "index.html").read_text(encoding="utf-8")

    assert "<h2>Task</h2>" in page
    assert "<table>" in page
    assert "<code>suggest_lr(lrs, losses)</code>" in page
    assert "**Difficulty:**" not in page


def test_page_has_starter_code(built_site):
    page = (built_site / "index.html").read_text(encoding="utf-8")
    # The text area inside #editor is the editor until the CodeMirror bundle replaces it.
    match = re.search(r'<div id="editor"[^>]*>\s*<textarea class="editor-fallback"[^>]*>(.*?)</textarea>', page, re.DOTALL)

    assert match, "index.html has no text area inside #editor"
    assert html.unescape(match.group(1)) == STARTER.read_text(encoding="utf-8")
    assert read_config(built_site)["exercise"]["starterCode"] == STARTER.read_text(encoding="utf-8")


@pytest.mark.parametrize("name", list(TITLES))
def test_page_lists_test(built_site, name):
    page = (built_site / "index.html").read_text(encoding="utf-8")
    item = re.search(rf'<li class="test" data-test-name="{name}" data-status="pending">(.*?)</li>', page, re.DOTALL)

    assert item, f"index.html has no pending test item for {name}"
    assert f'<span class="test-title">{html.escape(TITLES[name])}</span>' in item.group(1)


def test_page_config(built_site):
    config = read_config(built_site)

    starter = STARTER.read_text(encoding="utf-8")
    assert config["exercise"] == {
        "slug": "lr-range-test",
        "version": EXERCISE["version"],
        "function": "suggest_lr",
        "starterSha256": hashlib.sha256(starter.encode("utf-8")).hexdigest(),
        "starterCode": starter,
    }
    assert config["solution"] == {"afterFailedRuns": EXERCISE["solution_after_failed_runs"]}
    assert config["pyodide"]["version"] == "0.27.7"
    assert config["pyodide"]["selfHosted"] is True
    assert re.fullmatch(r"pyodide-[0-9a-f]{16}/", config["pyodide"]["indexURL"]), config["pyodide"]["indexURL"]
    assert config["pyodide"]["runnerPackage"] == "lr-range-runner"
    assert config["tests"] == [{"name": name, "title": title} for name, title in TITLES.items()]


def test_served_files_match_hashes(built_site):
    pyodide_dir = pyodide_folder(built_site)
    lock_hashes = {entry["file_name"]: entry["sha256"] for entry in read_lock(built_site)["packages"].values()}
    # The snapshot and numpy's bytecode are made by the build; the page checks them against these integrity values.
    delivery_config = read_config(built_site)["delivery"]
    made_hashes = {
        item["url"].rsplit("/", 1)[1]: base64.b64decode(item["integrity"].removeprefix("sha256-")).hex()
        for item in (delivery_config["snapshot"], delivery_config["bytecode"])
    }
    # The served lock is written by the build, so no pinned hash covers it. Compressed
    # copies (.br, .gz) are checked in test_delivery.py: they decompress to these files.
    served = sorted(path.name for path in pyodide_dir.iterdir()
                    if path.name != "pyodide-lock.json" and path.suffix not in (".br", ".gz"))

    assert served, f"{pyodide_dir} is empty"
    for name in served:
        expected = assets.PYODIDE_CORE_SHA256.get(name) or lock_hashes.get(name) or made_hashes.get(name)
        assert expected, f"{name} is served but has neither a pinned hash, a lock entry nor an integrity value"
        assert sha256_of(pyodide_dir / name) == expected, f"{name} does not match its hash"


def test_lock_files_served(built_site):
    for entry in read_lock(built_site)["packages"].values():
        assert (pyodide_folder(built_site) / entry["file_name"]).is_file(), f"{entry['file_name']} is in the lock but not served"


def test_lock_entries(built_site):
    lock = read_lock(built_site)

    assert set(lock["packages"]) == {"numpy", "lr-range-runner"}
    assert lock["info"]["version"] == "0.27.7"
    assert lock["packages"]["lr-range-runner"]["depends"] == ["numpy"]
    assert lock["packages"]["numpy"]["version"] == "2.0.2"


def test_runner_wheel_contents(built_site):
    wheel = pyodide_folder(built_site) / read_lock(built_site)["packages"]["lr-range-runner"]["file_name"]

    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        hidden_tests = archive.read("lr_range_runner/hidden_tests.py")

    assert "lr_range_runner/harness.py" in names
    assert "lr_range_runner/hidden_tests.py" in names
    assert hidden_tests == HIDDEN_TESTS.read_bytes()


def test_failing_reference_rejected(run_build, previous_site, project_copy):
    before = snapshot(previous_site)
    page_before = (previous_site / "index.html").read_bytes()
    (project_copy / "solution" / "suggest_lr.py").write_text(SECOND_ORDER_EDGES_SOURCE, encoding="utf-8")

    completed = run_build(project_copy, "--out", previous_site)

    assert_build_failed(completed, previous_site, before, page_before)
    assert "does not pass every hidden test" in completed.stderr
    assert "- Returned LR is one of the inputs: failed" in completed.stderr
    assert "- Reference example" not in completed.stderr


def test_passing_starter_rejected(run_build, previous_site, project_copy):
    before = snapshot(previous_site)
    page_before = (previous_site / "index.html").read_bytes()
    (project_copy / "problem" / "starter.py").write_text(CONSTANT_STARTER_SOURCE, encoding="utf-8")

    completed = run_build(project_copy, "--out", previous_site)

    assert_build_failed(completed, previous_site, before, page_before)
    assert "passes hidden tests it must fail: 'Reference example'." in completed.stderr


def test_missing_statement_rejected(run_build, previous_site, project_copy):
    before = snapshot(previous_site)
    page_before = (previous_site / "index.html").read_bytes()
    (project_copy / "problem" / "statement.md").unlink()

    completed = run_build(project_copy, "--out", previous_site)

    assert_build_failed(completed, previous_site, before, page_before)
    assert "Missing input file problem/statement.md" in completed.stderr


def test_statement_title_mismatch_rejected(run_build, previous_site, project_copy):
    before = snapshot(previous_site)
    page_before = (previous_site / "index.html").read_bytes()
    statement = project_copy / "problem" / "statement.md"
    source = statement.read_text(encoding="utf-8")
    statement.write_text(source.replace("**Difficulty:** Medium", "**Difficulty:** Hard", 1), encoding="utf-8")

    completed = run_build(project_copy, "--out", previous_site)

    assert_build_failed(completed, previous_site, before, page_before)
    assert "'**Difficulty:** Medium'" in completed.stderr
    assert "Make the two files agree." in completed.stderr


def test_page_shows_title_once(built_site):
    page = (built_site / "index.html").read_text(encoding="utf-8")

    assert page.count("<h1") == 1
    assert page.count("Difficulty") == 1


def test_reference_syntax_error_rejected(run_build, previous_site, project_copy):
    before = snapshot(previous_site)
    page_before = (previous_site / "index.html").read_bytes()
    reference = project_copy / "solution" / "suggest_lr.py"
    reference.write_text("def suggest_lr(lrs, losses)\n    return 0.01\n", encoding="utf-8")

    completed = run_build(project_copy, "--out", previous_site)

    assert_build_failed(completed, previous_site, before, page_before)
    assert "solution/suggest_lr.py, line 1: SyntaxError" in completed.stderr


def test_corrupt_asset_rejected(run_build, built_site, tmp_path):
    out = tmp_path / "out"
    assert run_build(PROJECT_ROOT, "--out", out).returncode == 0
    before = snapshot(out)
    page_before = (out / "index.html").read_bytes()

    # The session's first build filled the cache, so the copy is complete and nothing is downloaded.
    cache = tmp_path / "cache"
    shutil.copytree(assets.cache_dir(), cache)
    corrupted = cache / f"pyodide-{assets.PYODIDE_VERSION}" / "pyodide.js"
    data = bytearray(corrupted.read_bytes())
    data[len(data) // 2] ^= 0xFF
    corrupted.write_bytes(bytes(data))

    completed = run_build(PROJECT_ROOT, "--out", out, env={**os.environ, "LR_EXERCISE_CACHE": str(cache)})

    assert_build_failed(completed, out, before, page_before)
    assert f"Pyodide core file pyodide.js at {corrupted} has sha256" in completed.stderr
    assert f"expected {assets.PYODIDE_CORE_SHA256['pyodide.js']}" in completed.stderr


def test_rebuild_downloads_nothing(run_build, built_site, tmp_path):
    # Only the interpreter's folder stays on PATH, so npm, which fetches the Pyodide core, is not found.
    env = {**os.environ, "PATH": str(Path(sys.executable).parent)}
    assert shutil.which("npm", path=env["PATH"]) is None

    completed = run_build(PROJECT_ROOT, "--out", tmp_path / "out", env=env)

    assert completed.returncode == 0, completed.stderr
    assert "Downloading" not in completed.stdout


def test_base_url_config(run_build, tmp_path):
    out = tmp_path / "out"
    completed = run_build(PROJECT_ROOT, "--out", out, "--pyodide-base-url", PYODIDE_BASE_URL)
    assert completed.returncode == 0, completed.stderr
    pyodide = read_config(out)["pyodide"]
    wheel = out / pyodide["runnerWheel"]["url"]

    assert pyodide["selfHosted"] is False
    assert pyodide["indexURL"] == PYODIDE_BASE_URL
    assert pyodide["runnerWheel"]["url"] == f"runner/{RUNNER_WHEEL}"
    assert wheel.is_file()
    assert pyodide["runnerWheel"]["sha256"] == sha256_of(wheel)
    assert not list(out.glob("pyodide*"))


def test_base_url_needs_slash(run_build, tmp_path):
    out = tmp_path / "out"
    completed = run_build(PROJECT_ROOT, "--out", out, "--pyodide-base-url", PYODIDE_BASE_URL.rstrip("/"))

    assert completed.returncode == 2
    assert "must be an http(s) URL ending in /" in completed.stderr
    assert not out.exists()


@pytest.mark.parametrize("relative", ["problem/starter.py", "solution/suggest_lr.py", "tests/hidden/test_suggest_lr.py",
                                      "problem/exercise.toml"])
def test_missing_input_rejected(run_build, previous_site, project_copy, relative):
    before = snapshot(previous_site)
    page_before = (previous_site / "index.html").read_bytes()
    (project_copy / relative).unlink()

    completed = run_build(project_copy, "--out", previous_site)

    assert_build_failed(completed, previous_site, before, page_before)
    assert f"Missing input file {relative}" in completed.stderr


@pytest.mark.parametrize("relative", ["problem/starter.py", "tests/hidden/test_suggest_lr.py"])
def test_syntax_error_rejected(run_build, previous_site, project_copy, relative):
    before = snapshot(previous_site)
    page_before = (previous_site / "index.html").read_bytes()
    path = project_copy / relative
    path.write_text(path.read_text(encoding="utf-8") + "\ndef broken(:\n    pass\n", encoding="utf-8")

    completed = run_build(project_copy, "--out", previous_site)

    assert_build_failed(completed, previous_site, before, page_before)
    assert f"{relative}, line" in completed.stderr
    assert "SyntaxError" in completed.stderr


@pytest.mark.parametrize("value", ["0", "-1", '"ten"', "601", "true"])
def test_invalid_time_limit_rejected(run_build, previous_site, project_copy, value):
    before = snapshot(previous_site)
    page_before = (previous_site / "index.html").read_bytes()
    toml = project_copy / "problem" / "exercise.toml"
    text = re.sub(r"(?m)^time_limit_seconds = .*$", f"time_limit_seconds = {value}", toml.read_text(encoding="utf-8"))
    toml.write_text(text, encoding="utf-8")

    completed = run_build(project_copy, "--out", previous_site)

    assert_build_failed(completed, previous_site, before, page_before)
    assert "time_limit_seconds" in completed.stderr


def test_config_has_time_limit(built_site):
    assert read_config(built_site)["runner"]["timeLimitSeconds"] == EXERCISE["time_limit_seconds"]


def test_config_has_integrity(built_site):
    integrity = read_config(built_site)["pyodide"]["integrity"]
    for name in site.VERIFIED_CORE_FILES:
        digest = hashlib.sha256((pyodide_folder(built_site) / name).read_bytes()).digest()
        assert integrity[name] == "sha256-" + base64.b64encode(digest).decode("ascii")
def test_foreign_folder_not_replaced(run_build, tmp_path):
    out = tmp_path / "notes"
    out.mkdir()
    (out / "thesis.txt").write_text("draft", encoding="utf-8")

    completed = run_build(PROJECT_ROOT, "--out", out)

    assert completed.returncode == 1
    assert "is not empty and was not made by this build" in completed.stderr
    assert (out / "thesis.txt").read_text(encoding="utf-8") == "draft"
    assert [path.name for path in out.iterdir()] == ["thesis.txt"]


def test_project_root_not_replaced(run_build, project_copy):
    completed = run_build(project_copy, "--out", project_copy)

    assert completed.returncode == 1
    assert "is the project folder or contains it" in completed.stderr
    assert (project_copy / "build.py").is_file()


def test_file_as_out_rejected(run_build, tmp_path):
    out = tmp_path / "site.txt"
    out.write_text("keep me", encoding="utf-8")

    completed = run_build(PROJECT_ROOT, "--out", out)

    assert completed.returncode == 1
    assert "is a file, not a folder" in completed.stderr
    assert out.read_text(encoding="utf-8") == "keep me"


def test_concurrent_build_rejected(run_build, previous_site):
    before = snapshot(previous_site)
    lock_path = previous_site.with_name(f".{previous_site.name}.lock")

    with open(lock_path, "w") as lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        completed = run_build(PROJECT_ROOT, "--out", previous_site)

    assert completed.returncode == 1
    assert "Another build into" in completed.stderr
    assert snapshot(previous_site) == before


def test_site_has_marker(built_site):
    assert (built_site / site.SITE_MARKER).is_file()


def test_braces_in_statement_kept(run_build, project_copy, tmp_path):
    statement = project_copy / "problem" / "statement.md"
    statement.write_text(statement.read_text(encoding="utf-8") + "\nWrite `{{lr}}` in an f-string.\n", encoding="utf-8")
    out = tmp_path / "site"

    completed = run_build(project_copy, "--out", out)

    assert completed.returncode == 0, completed.stderr
    assert "{{lr}}" in (out / "index.html").read_text(encoding="utf-8")
