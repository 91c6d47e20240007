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

A fourth, "interrupted", is a run that the page stopped (Stop button or time
limit) through Pyodide's interrupt buffer.

Learner code runs only through `sandbox.make_learner_call`, which restores a
snapshot of the interpreter when the code returns, so the tests' checks run
with unpatched builtins, numpy and modules. See sandbox.py for what it covers.
"""

import contextlib
import linecache
import math
import re
import signal
import sys
import time
import traceback
import types

from lr_range_runner import sandbox

# The file name that tracebacks show for the learner's code. Line numbers in it
# equal the editor's, because the code is compiled exactly as typed.
LEARNER_FILENAME = "your_code.py"

FUNCTION_NAME = "suggest_lr"

# Maximum characters of printed output kept per run, over the module level and all tests.
MAX_OUTPUT_CHARS = 10_000

# Maximum characters of the repr of a returned value in a report.
MAX_RETURNED_REPR_CHARS = 200

# Maximum characters of an exception's message, in the verdict and in the traceback's last line.
MAX_EXCEPTION_MESSAGE_CHARS = 1_000

# The line ends that Python's compiler counts. str.splitlines also splits on
# form feeds, U+2028 and others, which would shift the quoted lines.
LINE_END = re.compile(r"(?<=\r\n)|(?<=\n)|(?<=\r)(?!\n)")

# Added to the message of a failed import, because learners cannot see what the browser offers.
AVAILABLE_MODULES = "Available here: the Python standard library (as in Pyodide 0.27.7) and numpy."

# Py_TPFLAGS_HEAPTYPE: set on classes defined in Python, whose methods can run learner code.
HEAP_TYPE_FLAG = 1 << 9

# Exact types whose repr, comparison and float() run no learner code.
PLAIN_TYPES = (float, int, bool, complex, str, bytes, type(None))

# numpy dtype kinds whose arrays hold no Python objects: bool, ints, floats, complex, times, strings.
PLAIN_ARRAY_KINDS = "biufcmMSU"


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
    lines += [shortened(line) for line in traceback.format_exception_only(type(error), error)]
    return "".join(lines)


def last_learner_line(error):
    """Return the editor line of the innermost learner frame of `error`, or None."""
    frames = [frame for frame in traceback.extract_tb(error.__traceback__) if frame.filename == LEARNER_FILENAME]
    return frames[-1].lineno if frames else None


def compile_learner_code(source):
    """Compile the learner's source as typed, so line numbers equal the editor's; raise CodeError on a syntax error."""
    # linecache lets tracebacks quote the learner's lines, which exist only in memory.
    lines = [line for line in LINE_END.split(source) if line]
    linecache.cache[LEARNER_FILENAME] = (len(source), None, lines, LEARNER_FILENAME)
    try:
        return compile(source, LEARNER_FILENAME, "exec")
    except SyntaxError as error:
        kind = type(error).__name__
        where = f" on line {error.lineno}" if error.lineno else ""
        message = f"{kind}{where}: {error.msg}. Fix it and run the tests again; no test ran."
        traceback_text = "".join(traceback.format_exception_only(type(error), error))
        raise CodeError("syntax-error", message, error.lineno, traceback_text) from None


def check_function(namespace):
    """Return the learner's function from `namespace`, or raise CodeError saying what is wrong with it."""
    function = namespace.get(FUNCTION_NAME)
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


def signature_problem(function):
    """Return why `function` cannot be called as f(lrs, losses), or "". Run it through the learner call."""
    import inspect

    try:
        signature = inspect.signature(function)
    except (TypeError, ValueError):
        return ""
    try:
        signature.bind(None, None)
    except TypeError:
        return f"{FUNCTION_NAME}{signature} cannot be called with two arguments"
    return ""


def load_learner_function(source, output):
    """Execute the learner's source in a fresh module and return its `suggest_lr`, unguarded.

    This is for pytest and the command line, where the code is trusted.
    Printed output goes to `output`, or stays on sys.stdout when `output` is None.
    Raises CodeError when the code cannot be tested.
    """
    code = compile_learner_code(source)
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
    return check_function(module.__dict__)


@contextlib.contextmanager
def capture_output(output):
    """Send both sys.stdout and sys.stderr to `output`."""
    with contextlib.redirect_stdout(output), contextlib.redirect_stderr(output):
        yield


def failed_in_tests(error, tests_module):
    """Tell whether `error` is an assertion of the hidden tests, not one raised by the learner's code."""
    if not issubclass(type(error), AssertionError):
        return False
    frames = traceback.extract_tb(error.__traceback__)
    return bool(frames) and frames[-1].filename == tests_module.__file__


def describe_exception(error):
    """Return (type name, qualified type name, message) of a learner's exception.

    Run it through the learner call: str() and a metaclass may be learner code.
    The qualified name is the one Python's own tracebacks print.
    """
    kind = type(error)
    name = kind.__qualname__
    qualified = name if kind.__module__ in ("builtins", "__main__") else f"{kind.__module__}.{name}"
    try:
        message = str(error)
    except Exception as failure:
        message = f"<str() of the exception failed with {type(failure).__name__}>"
    return name, qualified, shortened(plain_text(message, "<str() of the exception did not return a str>"))


def shortened(text):
    """Cut an exception message to MAX_EXCEPTION_MESSAGE_CHARS and append how many characters were cut."""
    if len(text) <= MAX_EXCEPTION_MESSAGE_CHARS:
        return text
    cut = len(text) - MAX_EXCEPTION_MESSAGE_CHARS
    return text[:MAX_EXCEPTION_MESSAGE_CHARS] + f"... [{cut} more characters not shown]"


def plain_text(value, fallback):
    """Return `value` if it is exactly a str, else `fallback`; learner code may return anything."""
    return value if type(value) is str else fallback


def module_hint(name):
    if name == "ModuleNotFoundError":
        return " " + AVAILABLE_MODULES
    return ""


class LearnerError:
    """A learner's exception, described inside the learner call and formatted outside it."""

    def __init__(self, error, call):
        try:
            described = call(describe_exception, error)
        except sandbox.RunInterrupted:
            raise
        except BaseException:
            described = ("", "", "")
        self.name = plain_text(described[0], "Exception") or "Exception"
        qualified = plain_text(described[1], self.name) or self.name
        self.message = plain_text(described[2], "")
        self.line = last_learner_line(error)
        frames = [frame for frame in traceback.extract_tb(error.__traceback__) if frame.filename == LEARNER_FILENAME]
        lines = ["Traceback (most recent call last):\n"] if frames else []
        lines += traceback.format_list(frames)
        lines.append(f"{qualified}: {self.message}\n" if self.message else f"{qualified}\n")
        self.traceback = "".join(lines)

    def where(self):
        return f" on line {self.line}" if self.line else ""


def is_plain(value):
    """Tell whether the tests can inspect `value` without running any learner code."""
    kind = type(value)
    if kind in PLAIN_TYPES:
        return True
    if kind.__flags__ & HEAP_TYPE_FLAG:
        return False
    numpy = sys.modules.get("numpy")
    if numpy is None:
        return False
    if kind is numpy.ndarray:
        return value.dtype.kind in PLAIN_ARRAY_KINDS
    return issubclass(kind, numpy.generic) and kind.__module__ == "numpy" and value.dtype.kind in PLAIN_ARRAY_KINDS


def describe_value(value):
    """Return (repr, module, qualname) of a returned value. Run it through the learner call."""
    kind = type(value)
    module, qualname = kind.__module__, kind.__qualname__
    try:
        text = repr(value)
    except Exception as error:
        text = f"<repr failed with {type(error).__name__}>"
    return text, module, qualname


def stand_in(value, call):
    """Replace a value whose methods may run learner code by an inert object that prints the same.

    Its type has the learner type's name. It is a float with the same number
    when the original is a float subclass, and no float otherwise, so the
    tests' type check gives the verdict it would give the original.
    """
    try:
        described = call(describe_value, value)
    except sandbox.RunInterrupted:
        raise
    except BaseException:
        described = ("<unprintable value>", "your_code", "object")
    text = plain_text(described[0], "<unprintable value>")[:1000]
    module = plain_text(described[1], "your_code")
    qualname = plain_text(described[2], "object")
    namespace = {"__repr__": lambda self: text, "__module__": module, "__qualname__": qualname}
    name = qualname.rpartition(".")[2] or "object"
    # issubclass on the real type: isinstance would also ask the object's __class__, which is learner code.
    if issubclass(type(value), float):
        # A float subclass counts as a float, so the stand-in is one too. float.__float__
        # reads the stored number in C, without the subclass's own methods.
        return type(name, (float,), namespace)(float.__float__(value))
    return type(name, (), namespace)()


def guard_function(function, call):
    """Wrap the learner's function for the tests: run it through `call`, hand back only inert values."""

    def guarded(*arguments):
        result = call(function, *arguments)
        return result if is_plain(result) else stand_in(result, call)

    guarded.__name__ = FUNCTION_NAME
    return guarded


class RunOutput:
    """Printed output of one run, cut at MAX_OUTPUT_CHARS over the whole run."""

    def __init__(self):
        self.buffer = sandbox.OutputBuffer(MAX_OUTPUT_CHARS)
        self.reported_drop = 0

    def take(self):
        """Return the output since the last take, with a note when the run's limit cut some of it."""
        text = self.buffer.take()
        dropped = self.buffer.dropped - self.reported_drop
        self.reported_drop = self.buffer.dropped
        if dropped:
            text += f"\n[output cut: {dropped} more characters not shown; a run shows at most {MAX_OUTPUT_CHARS}]"
        return text


def json_number(value):
    """Return `value` as a float, or None when it is not a finite real number (JSON has no NaN)."""
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return number if math.isfinite(number) else None


def describe_returned(value):
    """Describe a value the learner's function returned: its repr and, for a float, its number.

    `value` is what the guarded function handed back (a plain value or an inert
    stand-in), so its repr runs no learner code.
    """
    try:
        text = repr(value)
    except Exception as error:
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


def call_directly(function, *arguments):
    return function(*arguments)


def run_test(test, guarded, tests_module, output=None):
    """Run one hidden test against the guarded learner function and return its result as a dict.

    When the tests module has a CASE_LOG list, one case the test checked is
    reported, the first if it passed and the failing one if not, as "case"
    (lrs, losses, expected) and "returned" (what the
    learner's function returned, None when it raised or was not called).
    Without `output`, printed output is not captured.
    """
    output = output or RunOutput()
    result = {"name": test.__name__, "title": test.title, "status": "passed", "message": "", "traceback": "",
              "case": None, "returned": None}
    case_log = getattr(tests_module, "CASE_LOG", None)
    if isinstance(case_log, list):
        case_log.clear()
    started = time.perf_counter()

    try:
        test(guarded)
    except sandbox.RunInterrupted:
        raise
    except BaseException as error:
        if failed_in_tests(error, tests_module):
            result["status"] = "failed"
            result["message"] = plain_text(error.args[0], "").strip() if error.args else ""
        else:
            described = LearnerError(error, getattr(guarded, "call", call_directly))
            result["status"] = "error"
            result["message"] = (
                f"Your function raised {described.name}{described.where()}: {described.message}{module_hint(described.name)}"
            )
            result["traceback"] = described.traceback

    result["duration_ms"] = (time.perf_counter() - started) * 1000
    result["output"] = output.take()
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


def not_run(tests):
    return [
        {"name": test.__name__, "title": test.title, "status": "not-run", "message": "", "traceback": "", "output": "",
         "duration_ms": 0, "case": None, "returned": None}
        for test in tests
    ]


def report_of(outcome, tests, results, output_text, code_error=None):
    return {
        "outcome": outcome,
        "code_error": code_error,
        "output": output_text,
        "tests": results,
        "summary": summarize(results),
    }


def load_guarded(source, call, output):
    """Run the learner's module code through `call` and return the guarded function; raise CodeError."""
    code = compile_learner_code(source)
    namespace = {"__name__": "your_code", "__file__": LEARNER_FILENAME, "__builtins__": __builtins__}
    try:
        call(exec, code, namespace)
    except sandbox.RunInterrupted:
        raise
    except BaseException as error:
        described = LearnerError(error, call)
        message = (
            f"Your code raised {described.name}{described.where()} while it was being loaded, "
            f"before any test ran. Code outside functions runs at load time.{module_hint(described.name)}"
        )
        raise CodeError("exception", message, described.line, described.traceback) from None

    function = check_function(namespace)
    try:
        problem = plain_text(call(signature_problem, function), "")
    except sandbox.RunInterrupted:
        raise
    except BaseException:
        problem = ""
    if problem:
        raise CodeError("wrong-parameters", f"{problem}. The tests call it as {FUNCTION_NAME}(lrs, losses).")

    guarded = guard_function(function, call)
    guarded.call = call
    return guarded


def untrusted_error(reasons):
    listed = "; ".join(reasons)
    message = (
        f"No verdict: your code used {listed}. That lets code change how the tests check it, "
        "so this run cannot be trusted. Remove it and run the tests again."
    )
    return CodeError("untrusted", message).to_dict()


def make_runner(tests_module, baseline=True, interruptible=False):
    """Return `run(source) -> report` for `tests_module`, with its own audit hook.

    baseline=True (the browser): the snapshot is taken once, now, and every run
    starts by restoring it, so state left by an earlier run cannot change a
    later verdict. baseline=False (CPython, pytest): each run takes its own
    snapshot, because the host process changes between runs.
    interruptible=True makes SIGINT, which Pyodide's interrupt buffer raises,
    stop the run with sandbox.RunInterrupted.
    """
    set_recording, take_events, note_recycle, watch_functions = sandbox.install_audit_hook()
    if interruptible:
        signal.signal(signal.SIGINT, sandbox.raise_run_interrupted)
    tests = tuple(collect_tests(tests_module))
    baseline_snapshot = sandbox.take_snapshot() if baseline else None

    def run(source):
        restore, reapply, function_ids = baseline_snapshot or sandbox.take_snapshot()
        set_recording(False)
        watch_functions(function_ids)
        between_runs, _ = take_events()
        restore()
        output = RunOutput()
        scratch_dir = sandbox.make_scratch_dir()
        call = sandbox.make_learner_call(restore, reapply, set_recording, note_recycle, output.buffer, scratch_dir)
        try:
            report = run_tests(source, tests, tests_module, call, output)
        except sandbox.RunInterrupted:
            report = report_of("interrupted", tests, not_run(tests), output.take())
        finally:
            set_recording(False)
            restore()
            sandbox.remove_scratch_dir(scratch_dir)

        untrusted, recycle = take_events()
        untrusted = between_runs + untrusted
        if untrusted and report["outcome"] != "interrupted":
            report = report_of("code-error", tests, not_run(tests), report["output"], untrusted_error(untrusted))
        report["untrusted"] = untrusted
        report["recycle"] = recycle + untrusted
        # In the browser, only learner callbacks (timers, finalizers) run Python between
        # runs. In CPython the host (pytest, build.py) runs its own code, so nothing is recorded.
        set_recording(baseline)
        return report

    return run


def run_tests(source, tests, tests_module, call, output):
    try:
        guarded = load_guarded(source, call, output)
    except CodeError as error:
        return report_of("code-error", tests, not_run(tests), output.take(), error.to_dict())

    load_output = output.take()
    results = [run_test(test, guarded, tests_module, output) for test in tests]
    return report_of("tests-ran", tests, results, load_output)


_cpython_runners = {}


def run(source, tests_module):
    """Run every hidden test in `tests_module` against the learner's `source` (CPython: build, check, pytest)."""
    runner = _cpython_runners.get(id(tests_module))
    if runner is None:
        runner = _cpython_runners[id(tests_module)] = make_runner(tests_module, baseline=False)
    return runner(source)


def to_json(value):
    """Serialize a report to JSON with builtins only, so a patched json module cannot forge it."""
    kind = type(value)
    if value is None:
        return "null"
    if kind is bool:
        return "true" if value else "false"
    if kind is int:
        return int.__repr__(value)
    if kind is float:
        return float.__repr__(value) if math.isfinite(value) else "null"
    if kind is str:
        return json_string(value)
    if kind in (list, tuple):
        return "[" + ",".join(to_json(item) for item in value) + "]"
    if kind is dict:
        return "{" + ",".join(json_string(str(key)) + ":" + to_json(item) for key, item in value.items()) + "}"
    raise TypeError(f"to_json cannot serialize {kind.__name__}")


# Control characters, quotes, backslashes and lone surrogates (which no UTF-8 or UTF-16 text can carry) are escaped.
JSON_ESCAPES = {
    **{code: f"\\u{code:04x}" for code in [*range(0x20), *range(0xD800, 0xE000), 0x2028, 0x2029]},
    ord('"'): '\\"',
    ord("\\"): "\\\\",
}


def json_string(text):
    return '"' + str.translate(text, JSON_ESCAPES) + '"'


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

    # The same closing line as the page's summary.
    if report["code_error"]:
        lines.append("No test ran: fix the error in your code shown above, then run again.")
    else:
        lines.append(f"{report['summary']['text']}.")
    return "\n".join(lines)
