"""Run the hidden tests against a learner's source code and report structured results.

The same code runs in the browser worker (Pyodide) and in `build.py check`
(CPython), so both show the same verdicts and messages. `run` returns only
plain dicts, lists, strings and numbers, ready for JSON.

Three outcomes are kept apart:
- a test verdict: "passed", "failed" (an assertion of the hidden tests failed)
  or "error" (the learner's function raised);
- a code error: the learner's code does not compile, raises at import, or does
  not define the function, so no test runs;
- an internal error of the runner: `run` raises, and the caller reports it as a bug.
"""

import contextlib
import io
import linecache
import math
import time
import traceback
import types

# The file name that tracebacks show for the learner's code. Line numbers in it
# equal the editor's, because the code is compiled exactly as typed.
LEARNER_FILENAME = "your_code.py"

FUNCTION_NAME = "suggest_lr"

# Maximum characters of printed output kept per test and for the module level.
MAX_OUTPUT_CHARS = 10_000

# Maximum characters of the repr of a returned value in a report.
MAX_RETURNED_REPR_CHARS = 200


def collect_tests(tests_module):
    """Return the module's titled test functions in the order they are defined."""
    tests = [
        value
        for name, value in vars(tests_module).items()
        if name.startswith("test_") and callable(value) and hasattr(value, "title")
    ]
    return sorted(tests, key=lambda test: test.__code__.co_firstlineno)


def describe_tests(tests_module):
    """List each test's name and title, for the page before any run."""
    return [{"name": test.__name__, "title": test.title} for test in collect_tests(tests_module)]


class CodeError(Exception):
    """The learner's code cannot be tested: it does not compile, fails at import or lacks the function."""

    def __init__(self, kind, message, line=None, traceback_text=""):
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.line = line
        self.traceback_text = traceback_text

    def to_dict(self):
        return {"kind": self.kind, "message": self.message, "line": self.line, "traceback": self.traceback_text}


def format_learner_traceback(error):
    """Format `error` with only the frames of the learner's code, numbered as in the editor."""
    frames = [frame for frame in traceback.extract_tb(error.__traceback__) if frame.filename == LEARNER_FILENAME]
    lines = ["Traceback (most recent call last):\n"] if frames else []
    lines += traceback.format_list(frames)
    lines += traceback.format_exception_only(type(error), error)
    return "".join(lines)


def last_learner_line(error):
    """Return the editor line of the innermost learner frame of `error`, or None."""
    frames = [frame for frame in traceback.extract_tb(error.__traceback__) if frame.filename == LEARNER_FILENAME]
    return frames[-1].lineno if frames else None


def capped(text):
    """Cut printed output to MAX_OUTPUT_CHARS and say how much was cut."""
    if len(text) <= MAX_OUTPUT_CHARS:
        return text
    cut = len(text) - MAX_OUTPUT_CHARS
    return text[:MAX_OUTPUT_CHARS] + f"\n[output cut: {cut} more characters not shown]"


def load_learner_function(source, output):
    """Execute the learner's source in a fresh module and return its `suggest_lr`.

    Printed output goes to `output`, or stays on sys.stdout when `output` is None.
    Raises CodeError when the code cannot be tested.
    """
    # linecache lets tracebacks quote the learner's lines, which exist only in memory.
    linecache.cache[LEARNER_FILENAME] = (len(source), None, source.splitlines(True), LEARNER_FILENAME)

    try:
        code = compile(source, LEARNER_FILENAME, "exec")
    except SyntaxError as error:
        kind = type(error).__name__
        detail = error.msg
        where = f" on line {error.lineno}" if error.lineno else ""
        message = f"{kind}{where}: {detail}. Fix it and run the tests again; no test ran."
        traceback_text = "".join(traceback.format_exception_only(type(error), error))
        raise CodeError("syntax-error", message, error.lineno, traceback_text) from None

    module = types.ModuleType("your_code")
    module.__file__ = LEARNER_FILENAME
    capture = contextlib.nullcontext() if output is None else capture_output(output)
    try:
        with capture:
            exec(code, module.__dict__)
    except (Exception, SystemExit) as error:
        line = last_learner_line(error)
        where = f" on line {line}" if line else ""
        message = (
            f"Your code raised {type(error).__name__}{where} while it was being loaded, "
            "before any test ran. Code outside functions runs at load time."
        )
        raise CodeError("exception", message, line, format_learner_traceback(error)) from None

    function = module.__dict__.get(FUNCTION_NAME)
    if function is None:
        message = (
            f"Your code does not define {FUNCTION_NAME}. "
            f"Define it at the top level: def {FUNCTION_NAME}(lrs, losses):"
        )
        raise CodeError("missing-function", message)
    if not callable(function):
        message = (
            f"{FUNCTION_NAME} is a {type(function).__name__}, not a function. "
            f"Define it with: def {FUNCTION_NAME}(lrs, losses):"
        )
        raise CodeError("not-callable", message)
    return function


@contextlib.contextmanager
def capture_output(output):
    """Send both sys.stdout and sys.stderr to `output`."""
    with contextlib.redirect_stdout(output), contextlib.redirect_stderr(output):
        yield


def failed_in_tests(error, tests_module):
    """Tell whether `error` is an assertion of the hidden tests, not one raised by the learner's code."""
    if not isinstance(error, AssertionError):
        return False
    frames = traceback.extract_tb(error.__traceback__)
    return bool(frames) and frames[-1].filename == tests_module.__file__


def json_number(value):
    """Return `value` as a float, or None when it is not a finite real number (JSON has no NaN)."""
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return number if math.isfinite(number) else None


def describe_returned(value):
    """Describe a value the learner's function returned: its repr and, for a float, its number."""
    try:
        text = repr(value)
    except Exception as error:  # A learner's object can break repr; the report must still be built.
        text = f"<repr failed with {type(error).__name__}>"
    if len(text) > MAX_RETURNED_REPR_CHARS:
        text = text[:MAX_RETURNED_REPR_CHARS] + "..."
    number = json_number(value) if isinstance(value, float) else None
    return {"repr": text, "type": type(value).__name__, "number": number}


def describe_case(entry):
    """Convert one entry of the tests' CASE_LOG into plain JSON-safe data."""
    case = {
        "lrs": [json_number(value) for value in entry["lrs"]],
        "losses": [json_number(value) for value in entry["losses"]],
        "expected": json_number(entry["expected"]),
    }
    returned = describe_returned(entry["returned"]) if "returned" in entry else None
    return case, returned


def run_test(test, function, tests_module):
    """Run one hidden test against `function` and return its result as a dict.

    When the tests module has a CASE_LOG list, one case the test checked is
    reported, the first if it passed and the failing one if not, as "case"
    (lrs, losses, expected) and "returned" (what the
    learner's function returned, None when it raised or was not called).
    """
    output = io.StringIO()
    result = {"name": test.__name__, "title": test.title, "status": "passed", "message": "", "traceback": "",
              "case": None, "returned": None}
    case_log = getattr(tests_module, "CASE_LOG", None)
    if isinstance(case_log, list):
        case_log.clear()
    started = time.perf_counter()

    try:
        with capture_output(output):
            test(function)
    except (Exception, SystemExit) as error:
        if failed_in_tests(error, tests_module):
            result["status"] = "failed"
            result["message"] = str(error).strip()
        else:
            result["status"] = "error"
            line = last_learner_line(error)
            where = f" on line {line}" if line else ""
            result["message"] = f"Your function raised {type(error).__name__}{where}: {error}"
            result["traceback"] = format_learner_traceback(error)

    result["duration_ms"] = (time.perf_counter() - started) * 1000
    result["output"] = capped(output.getvalue())
    if isinstance(case_log, list) and case_log:
        # A failing test reports the case that failed, which is the last one it checked.
        checked = case_log[-1] if result["status"] != "passed" else case_log[0]
        result["case"], result["returned"] = describe_case(checked)
    return result


def summarize(tests):
    """Count the verdicts and phrase them as the page's summary line."""
    counts = {status: sum(1 for test in tests if test["status"] == status) for status in ("passed", "failed", "error", "not-run")}
    total = len(tests)
    counts["total"] = total
    counts["text"] = f"{counts['passed']} of {total} passed"
    return counts


def run(source, tests_module):
    """Run every hidden test in `tests_module` against the learner's `source`."""
    tests = collect_tests(tests_module)
    load_output = io.StringIO()

    try:
        function = load_learner_function(source, load_output)
    except CodeError as error:
        results = [
            {"name": test.__name__, "title": test.title, "status": "not-run", "message": "", "traceback": "", "output": "",
             "duration_ms": 0, "case": None, "returned": None}
            for test in tests
        ]
        return {
            "outcome": "code-error",
            "code_error": error.to_dict(),
            "output": capped(load_output.getvalue()),
            "tests": results,
            "summary": summarize(results),
        }

    results = [run_test(test, function, tests_module) for test in tests]
    return {
        "outcome": "tests-ran",
        "code_error": None,
        "output": capped(load_output.getvalue()),
        "tests": results,
        "summary": summarize(results),
    }


def format_report(report):
    """Render a `run` report as plain text, the way `build.py check` prints it."""
    lines = []
    if report["code_error"]:
        lines.append(report["code_error"]["message"])
        if report["code_error"]["traceback"]:
            lines.append(report["code_error"]["traceback"].rstrip())
    if report["output"]:
        lines.append("Output while loading your code:\n" + report["output"].rstrip())

    for test in report["tests"]:
        lines.append(f"[{test['status'].upper()}] {test['title']}")
        for field in ("message", "traceback"):
            if test[field]:
                lines.append("    " + test[field].rstrip().replace("\n", "\n    "))
        if test["output"]:
            lines.append("    Output:\n      " + test["output"].rstrip().replace("\n", "\n      "))

    lines.append(report["summary"]["text"])
    return "\n".join(lines)
