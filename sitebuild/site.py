"""Build the static site: check the exercise, render the page, and lay out the Pyodide assets.

The site is written to a staging folder next to the output folder and swapped
in only after every check passed, so a failed build leaves the last good site
in place.
"""

import base64
import binascii
import hashlib
import html
import importlib.util
import json
import shutil
import tomllib
from pathlib import Path

from lr_range_runner import harness
from sitebuild import assets, bundle, runner_wheel, statement

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
    Path("web/style.css"),
]

# Failed runs after which the Solution tab opens, unless exercise.toml sets solution_after_failed_runs.
DEFAULT_SOLUTION_AFTER_FAILED_RUNS = 3

# Files the worker downloads with fetch() while it boots, self-hosted; their total
# size is the denominator of the page's download progress.
FETCHED_PYODIDE_FILES = ["pyodide.asm.wasm", "python_stdlib.zip", "pyodide-lock.json"]

# The packages the worker loads, besides the runner itself.
PAGE_PACKAGES = ["numpy"]

# The Pyodide files that the worker fetches itself and checks with Subresource Integrity.
VERIFIED_CORE_FILES = ["pyodide.js", "pyodide.asm.js", "pyodide.asm.wasm", "python_stdlib.zip", "pyodide-lock.json"]

# Seconds a run may take when exercise.toml sets no time_limit_seconds.
DEFAULT_TIME_LIMIT_S = 10

# The page's Content-Security-Policy, also sent as a header by sitebuild/server.py.
# - script-src: the page's own files, and blob: because the worker runs pyodide.js and
#   pyodide.asm.js from blobs of bytes whose SHA-256 it checked. 'wasm-unsafe-eval' lets
#   Pyodide compile WebAssembly; Pyodide 0.27.7 boots, loads numpy and runs the tests
#   without 'unsafe-eval' (tests/project/test_runner_browser.py runs under this policy).
# - connect-src: the fetches of Pyodide's files and wheels, from this origin or the CDN.
#   NOTE: the built-in server also sends COEP require-corp, so a real CDN must answer these
#   fetches with CORS headers; only a loopback stand-in that sends them was tested.
# - style-src 'unsafe-inline': the editor (CodeMirror) adds <style> elements and style attributes.
CSP_TEMPLATE = (
    "default-src 'none'; script-src 'self' blob: 'wasm-unsafe-eval'; worker-src 'self'; "
    "connect-src 'self'{extra_connect}; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "base-uri 'none'; form-action 'none'; object-src 'none'"
)


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


def time_limit_seconds(exercise):
    """Return the per-run time limit from exercise.toml, a number of seconds in (0, 600]."""
    value = exercise.get("time_limit_seconds", DEFAULT_TIME_LIMIT_S)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= 600:
        raise BuildError(f"{EXERCISE_TOML}: time_limit_seconds = {value!r} is invalid. Set a number of seconds "
                         f"above 0 and at most 600, e.g. time_limit_seconds = {DEFAULT_TIME_LIMIT_S}.")
    return value


def subresource_integrity(sha256_hex):
    """Turn a hex SHA-256 into the "sha256-<base64>" form that fetch's integrity option takes."""
    return "sha256-" + base64.b64encode(binascii.unhexlify(sha256_hex)).decode("ascii")


def content_security_policy(cdn_base_url):
    extra = ""
    if cdn_base_url:
        scheme, _, rest = cdn_base_url.partition("://")
        extra = f" {scheme}://{rest.split('/', 1)[0]}"
    return CSP_TEMPLATE.format(extra_connect=extra)


def render_statement(statement_source):
    try:
        return statement.render_markdown(statement_source)
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
    pyodide_dir = staging / "pyodide"
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
    # The served lock is written here, so its hash is taken from the file, not the pinned list.
    integrity = {name: subresource_integrity(assets.sha256_of(pyodide_dir / name)) for name in VERIFIED_CORE_FILES}
    return {"indexURL": "pyodide/", "selfHosted": True, "runnerPackage": entry["name"], "runnerWheel": None,
            "integrity": integrity}


def lay_out_cdn(staging, exercise_version, cdn_base_url):
    """Ship only the runner wheel; the core and numpy come from `cdn_base_url`."""
    runner_dir = staging / "runner"
    runner_dir.mkdir()
    wheel = runner_wheel.build_runner_wheel(ROOT / RUNNER_DIR, ROOT / HIDDEN_TESTS, exercise_version, runner_dir)
    wheel_info = {"url": f"runner/{wheel.name}", "sha256": assets.sha256_of(wheel)}
    integrity = {name: subresource_integrity(assets.PYODIDE_CORE_SHA256[name]) for name in VERIFIED_CORE_FILES}
    return {"indexURL": cdn_base_url, "selfHosted": False, "runnerPackage": runner_wheel.DISTRIBUTION, "runnerWheel": wheel_info,
            "integrity": integrity}


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


def build_site(out, cdn_base_url=None, log=print):
    """Check the exercise and build the site into `out`; raise BuildError and keep `out` as it was on failure."""
    try:
        exercise = tomllib.loads(read_input(EXERCISE_TOML))
    except tomllib.TOMLDecodeError as error:
        raise BuildError(f"{EXERCISE_TOML} is not valid TOML: {error}. Fix it and build again.") from None
    time_limit = time_limit_seconds(exercise)
    statement_source = read_input(STATEMENT)
    starter_source = read_input(STARTER)
    reference_source = read_input(REFERENCE)
    hidden_source = read_input(HIDDEN_TESTS)
    template = read_input(PAGE_TEMPLATE)
    for relative in STATIC_FILES:
        read_input(relative)

    for relative, source in [(STARTER, starter_source), (REFERENCE, reference_source), (HIDDEN_TESTS, hidden_source)]:
        check_python_syntax(relative, source)
    statement_html = render_statement(statement_source)
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
            "runner": {"timeLimitSeconds": time_limit},
            "tests": tests,
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
            "content_security_policy": html.escape(content_security_policy(cdn_base_url)),
        })
        (staging / "index.html").write_text(page, encoding="utf-8")
        for relative in STATIC_FILES:
            shutil.copy2(ROOT / relative, staging / relative.name)
        for name in (bundle.BUNDLE_NAME, bundle.LICENSES_NAME):
            shutil.copy2(editor_bundle / name, staging / name)

        swap_in(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return out
