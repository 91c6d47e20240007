"""Build the static site: check the exercise, render the page, and lay out the Pyodide assets.

The site is written to a staging folder next to the output folder and swapped
in only after every check passed, so a failed build leaves the last good site
in place.
"""

import base64
import binascii
import contextlib
import dataclasses
import fcntl
import hashlib
import html
import importlib.util
import io
import json
import re
import shutil
import tempfile
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


# A file in every built site. Only a folder with it, a new one or an empty one is replaced by a build.
SITE_MARKER = ".lr-exercise-site"

PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")


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


def check_statement_plots(statement_source, reference_source):
    """Raise BuildError unless the reference returns the expected rate of every plot in the statement."""
    try:
        blocks = statement.plot_blocks(statement_source)
    except statement.StatementError as error:
        raise BuildError(f"{STATEMENT}: {error}") from None
    reference = harness.load_learner_function(reference_source, output=io.StringIO())
    for block in blocks:
        answer = reference(block["lrs"], block["losses"])
        if answer != block["expected"]:
            raise BuildError(
                f"{STATEMENT}: the plot {block['caption']!r} marks {block['expected']!r} as expected, "
                f"but the reference returns {answer!r} for its lrs and losses. Fix the plot's expected value."
            )


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
    """Fill each {{name}} of the template in one pass; every placeholder must be known and used.

    Only the template is searched, so "{{" inside the statement, the code or the
    solution is left as it is.
    """
    used = set(PLACEHOLDER.findall(template))
    unknown = sorted(used - set(replacements))
    if unknown:
        raise BuildError(f"{PAGE_TEMPLATE} has unknown placeholders: {unknown}. Known ones: {sorted(replacements)}.")
    missing = sorted(set(replacements) - used)
    if missing:
        raise BuildError(f"{PAGE_TEMPLATE} has no placeholder for: {missing}.")
    return PLACEHOLDER.sub(lambda match: replacements[match.group(1)], template)


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


def check_out_dir(out):
    """Raise BuildError unless `out` is safe to replace: new, empty, or a site that a build made.

    Replacing deletes the old folder, so a folder of anything else, the project
    itself or a folder that contains it is refused.
    """
    if out == ROOT or out in ROOT.parents:
        raise BuildError(f"--out {out} is the project folder or contains it, and the build replaces --out whole. Pass a folder of its own, such as dist/.")
    if out.exists() and not out.is_dir():
        raise BuildError(f"--out {out} is a file, not a folder. Pass a new or empty folder, or one that an earlier build made.")
    if out.is_dir() and any(out.iterdir()) and not is_built_site(out):
        raise BuildError(
            f"--out {out} is not empty and was not made by this build (it has no {SITE_MARKER} file), "
            "and the build would delete its contents. Pass a new or empty folder, or one that an earlier build made."
        )


def is_built_site(folder):
    # Sites built before the marker existed are recognised by two of their own files.
    return (folder / SITE_MARKER).is_file() or ((folder / "index.html").is_file() and (folder / "protocol.js").is_file())


@contextlib.contextmanager
def build_lock(out):
    """Hold an exclusive lock for building `out`, so two builds into one folder cannot mix their files."""
    lock_path = out.with_name(f".{out.name}.lock")
    with open(lock_path, "w") as lock_file:
        try:
            fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BuildError(f"Another build into {out} is running (it has locked {lock_path}). Wait for it to finish and build again.") from None
        yield


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
    statement_html = render_statement(statement_source, exercise)
    failed_runs_before_solution = solution_rule(exercise)

    tests_module = load_hidden_tests()
    check_exercise(tests_module, reference_source, starter_source)
    check_statement_plots(statement_source, reference_source)
    log(f"Checked: the reference passes all {len(harness.collect_tests(tests_module))} hidden tests and the starter code passes none.")

    content = SiteContent(exercise, tests_module, statement_html, starter_source, reference_source,
                          template, failed_runs_before_solution, time_limit)
    check_out_dir(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with build_lock(out):
        lay_out_site(out, content, cdn_base_url, log, delivery_options)
    return out


@dataclasses.dataclass(frozen=True)
class SiteContent:
    """The checked inputs that the page is made from."""

    exercise: dict
    tests_module: object
    statement_html: str
    starter_source: str
    reference_source: str
    template: str
    failed_runs_before_solution: int
    time_limit_seconds: float


def lay_out_site(out, content, cdn_base_url, log, delivery_options):
    """Write the whole site into a fresh staging folder next to `out`, then swap it in."""
    exercise = content.exercise
    starter_source = content.starter_source
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.staging-", dir=out.parent))
    # mkdtemp makes the folder private (0o700); a site is for serving, so it gets the usual mode.
    staging.chmod(0o755)
    try:
        version = str(exercise["version"])
        if cdn_base_url:
            pyodide_config = lay_out_cdn(staging, version, cdn_base_url)
        else:
            pyodide_config = lay_out_self_hosted(staging, assets.ensure_assets(log), version)
        verify_served_assets(staging)
        delivery_config = delivery.prepare_assets(staging, pyodide_config, delivery_options, log)
        editor_bundle = bundle.ensure_bundle(log)

        tests = harness.describe_tests(content.tests_module)
        config = {
            "exercise": {
                "slug": exercise["slug"],
                "version": version,
                "function": exercise["function"],
                # The page stores the learner's code with this hash, to tell them when the starter code changed.
                "starterSha256": hashlib.sha256(starter_source.encode("utf-8")).hexdigest(),
                "starterCode": starter_source,
            },
            "solution": {"afterFailedRuns": content.failed_runs_before_solution},
            "pyodide": {"version": assets.PYODIDE_VERSION, "downloadBytes": download_bytes(staging, pyodide_config),
                        **pyodide_config},
            "runner": {"timeLimitSeconds": content.time_limit_seconds},
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
        page = render_page(content.template, {
            "title": html.escape(exercise["title"]),
            "difficulty": html.escape(exercise["difficulty"]),
            "statement": content.statement_html,
            "starter_code": html.escape(starter_source),
            "solution_html": statement.render_python(content.reference_source),
            "test_items": test_items,
            "config_json": json_for_html(config),
            "content_security_policy": html.escape(content_security_policy(cdn_base_url)),
        })
        (staging / "index.html").write_text(page, encoding="utf-8")
        for relative in STATIC_FILES:
            shutil.copy2(ROOT / relative, staging / relative.name)
        for name in (bundle.BUNDLE_NAME, bundle.LICENSES_NAME):
            shutil.copy2(editor_bundle / name, staging / name)
        delivery.finish(staging, delivery_options, log)

        (staging / SITE_MARKER).write_text("This folder was made by build.py, which may replace it whole.\n", encoding="utf-8")
        swap_in(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
