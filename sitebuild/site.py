"""Build the static site: check the exercise, render the page, and lay out the Pyodide assets.

The site is written to a staging folder next to the output folder and swapped
in only after every check passed, so a failed build leaves the last good site
in place.
"""

import hashlib
import html
import importlib.util
import json
import shutil
import tomllib
from pathlib import Path

from lr_range_runner import harness
from sitebuild import assets, bundle, delivery, runner_wheel, statement

ROOT = Path(__file__).resolve().parent.parent

# Every input of the build, relative to ROOT.
EXERCISE_TOML = Path("problem/exercise.toml")
STATEMENT = Path("problem/statement.md")
STARTER = Path("problem/starter.py")
REFERENCE = Path("solution/suggest_lr.py")
HIDDEN_TESTS = Path("tests/hidden/test_suggest_lr.py")
RUNNER_DIR = Path("web/runner")
PAGE_TEMPLATE = Path("web/index.html")
STATIC_FILES = [
    Path("web/app.js"),
    Path("web/code-store.js"),
    Path("web/results.js"),
    Path("web/plot.js"),
    Path("web/solution.js"),
    Path("web/runner-client.js"),
    Path("web/worker.js"),
    Path("web/protocol.js"),
    Path("web/fast-boot.js"),
    Path("web/offline.js"),
    Path("web/style.css"),
]

# Failed runs after which the Solution tab opens, unless exercise.toml sets solution_after_failed_runs.
DEFAULT_SOLUTION_AFTER_FAILED_RUNS = 3

# Files the worker downloads with fetch() while it boots, self-hosted; their total
# size is the denominator of the page's download progress.
FETCHED_PYODIDE_FILES = ["pyodide.asm.wasm", "python_stdlib.zip", "pyodide-lock.json"]

# The packages the worker loads, besides the runner itself.
PAGE_PACKAGES = ["numpy"]


class BuildError(Exception):
    """The exercise or its assets are not fit to publish; the message names what to fix."""


def read_input(relative):
    path = ROOT / relative
    if not path.is_file():
        raise BuildError(f"Missing input file {relative}. Restore it (git checkout -- {relative}) and build again.")
    return path.read_text(encoding="utf-8")


def check_python_syntax(relative, source):
    try:
        compile(source, str(relative), "exec")
    except SyntaxError as error:
        raise BuildError(f"{relative}, line {error.lineno}: {type(error).__name__}: {error.msg}. Fix it and build again.") from None


def load_hidden_tests():
    """Import the hidden tests file as a module of its own, as the browser does."""
    path = ROOT / HIDDEN_TESTS
    spec = importlib.util.spec_from_file_location("hidden_tests", path)
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except Exception as error:
        raise BuildError(f"Importing {HIDDEN_TESTS} failed with {type(error).__name__}: {error}") from None
    if not harness.collect_tests(module):
        raise BuildError(f"{HIDDEN_TESTS} defines no titled test_ functions, so there is nothing to run.")
    return module


def check_exercise(tests_module, reference_source, starter_source):
    """Raise BuildError unless the reference passes every hidden test and the starter passes none."""
    reference = harness.run(reference_source, tests_module)
    failing = [test for test in reference["tests"] if test["status"] != "passed"]
    if reference["code_error"] or failing:
        details = reference["code_error"]["message"] if reference["code_error"] else ""
        details += "".join(f"\n- {test['title']}: {test['status']}\n  {test['message']}" for test in failing)
        raise BuildError(f"The reference {REFERENCE} does not pass every hidden test:{details}")

    starter = harness.run(starter_source, tests_module)
    passing = [test["title"] for test in starter["tests"] if test["status"] == "passed"]
    if passing:
        titles = ", ".join(repr(title) for title in passing)
        raise BuildError(f"The starter code {STARTER} passes hidden tests it must fail: {titles}. Make its body not solve the task.")


def split_statement_header(statement_source, exercise):
    """Check the statement's title and difficulty lines against exercise.toml and return the rest.

    The page header shows both, so the rendered statement starts after them.
    """
    expected = [f"# {exercise['title']}", f"**Difficulty:** {exercise['difficulty']}"]
    lines = statement_source.splitlines()
    header = [line.strip() for line in lines if line.strip()][:2]
    if header != expected:
        raise BuildError(
            f"{STATEMENT} must start with the lines {expected[0]!r} and {expected[1]!r}, "
            f"as {EXERCISE_TOML} sets them, but starts with {header!r}. Make the two files agree."
        )
    body_start = lines.index(next(line for line in lines if line.strip() == expected[1])) + 1
    return "\n".join(lines[body_start:]) + "\n"


def render_statement(statement_source, exercise):
    body = split_statement_header(statement_source, exercise)
    try:
        return statement.render_markdown(body)
    except statement.StatementError as error:
        raise BuildError(f"{STATEMENT}: {error}") from None


def solution_rule(exercise):
    """Return the number of failed runs after which the solution opens, from exercise.toml."""
    value = exercise.get("solution_after_failed_runs", DEFAULT_SOLUTION_AFTER_FAILED_RUNS)
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise BuildError(f"{EXERCISE_TOML}: solution_after_failed_runs must be a whole number of at least 1, got {value!r}.")
    return value


def download_bytes(staging, pyodide_config):
    """Return the bytes the worker fetches while it boots, or None when they come from elsewhere."""
    if not pyodide_config["selfHosted"]:
        return None
    pyodide_dir = staging / pyodide_config["indexURL"].rstrip("/")
    lock = json.loads((pyodide_dir / "pyodide-lock.json").read_text(encoding="utf-8"))
    wheels = [entry["file_name"] for entry in lock["packages"].values()]
    return sum((pyodide_dir / name).stat().st_size for name in FETCHED_PYODIDE_FILES + wheels)


def render_page(template, replacements):
    """Fill each {{name}} of the template; every placeholder must be known and used."""
    page = template
    for name, value in replacements.items():
        placeholder = "{{" + name + "}}"
        if placeholder not in page:
            raise BuildError(f"{PAGE_TEMPLATE} has no placeholder {placeholder}.")
        page = page.replace(placeholder, value)
    if "{{" in page:
        start = page.index("{{")
        raise BuildError(f"{PAGE_TEMPLATE} has an unknown placeholder near: {page[start:start + 40]!r}")
    return page


def json_for_html(value):
    """Serialize `value` for a <script type="application/json"> element, which must not contain "</"."""
    return json.dumps(value, indent=1).replace("<", "\\u003c")


def lay_out_self_hosted(staging, asset_dir, exercise_version):
    """Copy the Pyodide core and numpy into staging/pyodide and register the runner in its lock."""
    pyodide_dir = staging / "pyodide"
    pyodide_dir.mkdir()
    for name in assets.PYODIDE_CORE_SHA256:
        if name != "pyodide-lock.json":
            shutil.copy2(asset_dir / name, pyodide_dir / name)
    shutil.copy2(asset_dir / assets.NUMPY_WHEEL, pyodide_dir / assets.NUMPY_WHEEL)

    wheel = runner_wheel.build_runner_wheel(ROOT / RUNNER_DIR, ROOT / HIDDEN_TESTS, exercise_version, pyodide_dir)
    entry = runner_wheel.add_runner_to_lock(asset_dir / "pyodide-lock.json", wheel, PAGE_PACKAGES, pyodide_dir / "pyodide-lock.json")
    return {"indexURL": "pyodide/", "selfHosted": True, "runnerPackage": entry["name"], "runnerWheel": None}


def lay_out_cdn(staging, exercise_version, cdn_base_url):
    """Ship only the runner wheel; the core and numpy come from `cdn_base_url`."""
    runner_dir = staging / "runner"
    runner_dir.mkdir()
    wheel = runner_wheel.build_runner_wheel(ROOT / RUNNER_DIR, ROOT / HIDDEN_TESTS, exercise_version, runner_dir)
    wheel_info = {"url": f"runner/{wheel.name}", "sha256": assets.sha256_of(wheel)}
    return {"indexURL": cdn_base_url, "selfHosted": False, "runnerPackage": runner_wheel.DISTRIBUTION, "runnerWheel": wheel_info}


def verify_served_assets(staging):
    """Check every served Pyodide file against its pinned hash or its lock entry."""
    pyodide_dir = staging / "pyodide"
    if not pyodide_dir.is_dir():
        return
    for name, expected in assets.PYODIDE_CORE_SHA256.items():
        if name != "pyodide-lock.json":
            assets.verify(pyodide_dir / name, expected, f"served Pyodide file {name}")
    lock = json.loads((pyodide_dir / "pyodide-lock.json").read_text(encoding="utf-8"))
    for entry in lock["packages"].values():
        assets.verify(pyodide_dir / entry["file_name"], entry["sha256"], f"served wheel of {entry['name']}")


def swap_in(staging, out):
    """Replace `out` with `staging`, keeping the old site until the new one is in place."""
    previous = out.with_name(f".{out.name}.previous")
    if previous.exists():
        shutil.rmtree(previous)
    if out.exists():
        out.rename(previous)
    try:
        staging.rename(out)
    except OSError:
        if previous.exists():
            previous.rename(out)
        raise
    if previous.exists():
        shutil.rmtree(previous)


def build_site(out, cdn_base_url=None, log=print, delivery_options=None):
    """Check the exercise and build the site into `out`; raise BuildError and keep `out` as it was on failure.

    `delivery_options` (a delivery.Delivery; default: every option on) sets how the files reach the browser.
    """
    delivery_options = delivery.Delivery() if delivery_options is None else delivery_options
    exercise = tomllib.loads(read_input(EXERCISE_TOML))
    statement_source = read_input(STATEMENT)
    starter_source = read_input(STARTER)
    reference_source = read_input(REFERENCE)
    hidden_source = read_input(HIDDEN_TESTS)
    template = read_input(PAGE_TEMPLATE)
    for relative in STATIC_FILES:
        read_input(relative)

    for relative, source in [(STARTER, starter_source), (REFERENCE, reference_source), (HIDDEN_TESTS, hidden_source)]:
        check_python_syntax(relative, source)
    statement_html = render_statement(statement_source, exercise)
    failed_runs_before_solution = solution_rule(exercise)

    tests_module = load_hidden_tests()
    check_exercise(tests_module, reference_source, starter_source)
    log(f"Checked: the reference passes all {len(harness.collect_tests(tests_module))} hidden tests and the starter code passes none.")

    staging = out.with_name(f".{out.name}.staging")
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir(parents=True)
    try:
        version = str(exercise["version"])
        if cdn_base_url:
            pyodide_config = lay_out_cdn(staging, version, cdn_base_url)
        else:
            pyodide_config = lay_out_self_hosted(staging, assets.ensure_assets(log), version)
        verify_served_assets(staging)
        delivery_config = delivery.prepare_assets(staging, pyodide_config, delivery_options, log)
        editor_bundle = bundle.ensure_bundle(log)

        tests = harness.describe_tests(tests_module)
        config = {
            "exercise": {
                "slug": exercise["slug"],
                "version": version,
                "function": exercise["function"],
                # The page stores the learner's code with this hash, to tell them when the starter code changed.
                "starterSha256": hashlib.sha256(starter_source.encode("utf-8")).hexdigest(),
                "starterCode": starter_source,
            },
            "solution": {"afterFailedRuns": failed_runs_before_solution},
            "pyodide": {"version": assets.PYODIDE_VERSION, "downloadBytes": download_bytes(staging, pyodide_config),
                        **pyodide_config},
            "tests": tests,
            "delivery": delivery_config,
        }
        test_items = "\n".join(
            f'<li class="test" data-test-name="{html.escape(test["name"])}" data-status="pending">'
            f'<div class="test-head"><span class="test-title">{html.escape(test["title"])}</span> '
            f'<span class="test-verdict" data-role="verdict">not run</span></div>'
            f'<div class="test-details" data-role="details" hidden></div></li>'
            for test in tests
        )
        page = render_page(template, {
            "title": html.escape(exercise["title"]),
            "difficulty": html.escape(exercise["difficulty"]),
            "statement": statement_html,
            "starter_code": html.escape(starter_source),
            "solution_html": statement.render_python(reference_source),
            "test_items": test_items,
            "config_json": json_for_html(config),
        })
        (staging / "index.html").write_text(page, encoding="utf-8")
        for relative in STATIC_FILES:
            shutil.copy2(ROOT / relative, staging / relative.name)
        for name in (bundle.BUNDLE_NAME, bundle.LICENSES_NAME):
            shutil.copy2(editor_bundle / name, staging / name)
        delivery.finish(staging, delivery_options, log)

        swap_in(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return out
