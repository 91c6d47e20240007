"""Unit tests of the harness that runs the hidden tests against a learner's code.

They call `harness.run` on CPython with the hidden tests loaded the way
`build.py check` loads them. The browser runs the same harness under Pyodide.
Line numbers in the learner sources below count from the first line of each
string, as the editor does.
"""

import subprocess
import sys

import pytest

from lr_range_runner import harness
from sitebuild import site
from tests.project.implementations import PROJECT_ROOT, REFERENCE, STARTER

HIDDEN_TESTS = site.load_hidden_tests()

# Each hidden test's expected return value, as its failure message prints it.
EXPECTED_ANSWERS = {
    "test_reference_example": "0.01 (float)",
    "test_returned_lr_is_an_input": "0.0037 (float)",
    "test_picks_steepest_slope": "0.002 (float)",
    "test_differentiates_on_log_scale": "0.001 (float)",
}

# The first learning rate that each hidden test passes, as print() shows it.
FIRST_LEARNING_RATES = {
    "test_reference_example": "0.0001",
    "test_returned_lr_is_an_input": "0.00015",
    "test_picks_steepest_slope": "3e-05",
    "test_differentiates_on_log_scale": "1e-06",
}

# The colon after the signature is missing on line 4.
SYNTAX_ERROR_SOURCE = """\
import numpy as np


def suggest_lr(lrs, losses)
    return float(lrs[0])
"""

# Line 6 is indented deeper than the line before it.
INDENTATION_ERROR_SOURCE = """\
import numpy as np


def suggest_lr(lrs, losses):
    slopes = np.gradient(losses, np.log10(lrs))
        return float(lrs[np.argmin(slopes)])
"""

# json.loads raises inside the standard library, called from line 5, which line 12 calls at load time.
MODULE_LEVEL_EXCEPTION_SOURCE = """\
import json


def read_settings():
    return json.loads("{not json")


def suggest_lr(lrs, losses):
    return float(lrs[0])


SETTINGS = read_settings()
"""

# Line 4 divides by zero on every call.
EXCEPTION_IN_FUNCTION_SOURCE = """\
import numpy as np

def suggest_lr(lrs, losses):
    scale = 1 / (len(lrs) - len(losses))
    return float(lrs[0]) * scale
"""

# The learner's own assert on line 2 fails on every call, because no test passes 100 rates.
LEARNER_ASSERT_SOURCE = """\
def suggest_lr(lrs, losses):
    assert len(lrs) > 100, "expected a long range test"
    return float(lrs[0])
"""

PRINTING_SOURCE = """\
print("loading")


def suggest_lr(lrs, losses):
    print(lrs[0])
    return float(lrs[0])
"""

STDERR_SOURCE = """\
import sys


def suggest_lr(lrs, losses):
    print("to stderr", file=sys.stderr)
    return float(lrs[0])
"""

# One print of 25,000 characters plus its newline per test.
FLOODING_SOURCE = """\
def suggest_lr(lrs, losses):
    print("x" * 25_000)
    return float(lrs[0])
"""


def run_source(source):
    return harness.run(source, HIDDEN_TESTS)


def statuses(report):
    return {test["name"]: test["status"] for test in report["tests"]}


def file_lines(traceback_text):
    """Return the 'File ...' lines of a formatted traceback."""
    return [line.strip() for line in traceback_text.splitlines() if line.strip().startswith("File ")]


def assert_no_test_ran(report):
    for name, status in statuses(report).items():
        assert status == "not-run", f"{name} has status {status!r} after a code error"
    assert report["summary"]["not-run"] == len(EXPECTED_ANSWERS)


def test_reference_passes_all():
    report = run_source(REFERENCE.read_text(encoding="utf-8"))

    assert report["outcome"] == "tests-ran"
    assert report["code_error"] is None
    assert statuses(report) == {name: "passed" for name in EXPECTED_ANSWERS}
    assert report["summary"]["text"] == "4 of 4 passed"


def test_starter_fails_all():
    report = run_source(STARTER.read_text(encoding="utf-8"))

    assert report["outcome"] == "tests-ran"
    assert statuses(report) == {name: "failed" for name in EXPECTED_ANSWERS}
    assert report["summary"]["text"] == "0 of 4 passed"


@pytest.mark.parametrize("name", list(EXPECTED_ANSWERS))
def test_starter_failure_message(name):
    report = run_source(STARTER.read_text(encoding="utf-8"))
    message = next(test["message"] for test in report["tests"] if test["name"] == name)

    assert "Called:   suggest_lr(" in message
    assert "Returned: None (NoneType)" in message
    assert f"Expected: {EXPECTED_ANSWERS[name]}" in message


def test_syntax_error_reported():
    report = run_source(SYNTAX_ERROR_SOURCE)

    assert report["outcome"] == "code-error"
    assert report["code_error"]["kind"] == "syntax-error"
    assert report["code_error"]["line"] == 4
    assert report["code_error"]["message"].startswith("SyntaxError on line 4:")
    assert_no_test_ran(report)


def test_indentation_error_reported():
    report = run_source(INDENTATION_ERROR_SOURCE)

    assert report["outcome"] == "code-error"
    assert report["code_error"]["kind"] == "syntax-error"
    assert report["code_error"]["line"] == 6
    assert report["code_error"]["message"].startswith("IndentationError on line 6: unexpected indent")
    assert_no_test_ran(report)


def test_missing_function_reported():
    report = run_source("def suggest_learning_rate(lrs, losses):\n    return float(lrs[0])\n")

    assert report["outcome"] == "code-error"
    assert report["code_error"]["kind"] == "missing-function"
    assert "does not define suggest_lr" in report["code_error"]["message"]
    assert_no_test_ran(report)


def test_non_callable_reported():
    report = run_source("suggest_lr = 0.01\n")

    assert report["outcome"] == "code-error"
    assert report["code_error"]["kind"] == "not-callable"
    assert "suggest_lr is a float, not a function" in report["code_error"]["message"]
    assert_no_test_ran(report)


def test_module_level_exception():
    report = run_source(MODULE_LEVEL_EXCEPTION_SOURCE)
    error = report["code_error"]

    assert report["outcome"] == "code-error"
    assert error["kind"] == "exception"
    assert error["line"] == 5
    assert "raised JSONDecodeError on line 5" in error["message"]
    assert file_lines(error["traceback"]) == [
        'File "your_code.py", line 12, in <module>',
        'File "your_code.py", line 5, in read_settings',
    ]
    assert error["traceback"].rstrip().splitlines()[-1].startswith("json.decoder.JSONDecodeError:")
    assert_no_test_ran(report)


def test_function_exception_is_error():
    report = run_source(EXCEPTION_IN_FUNCTION_SOURCE)

    assert report["outcome"] == "tests-ran"
    for test in report["tests"]:
        assert test["status"] == "error", f"{test['name']}: {test['status']}"
        assert test["message"].startswith("Your function raised ZeroDivisionError on line 4:"), test["message"]
        assert file_lines(test["traceback"]) == ['File "your_code.py", line 4, in suggest_lr']


def test_learner_assert_is_error():
    report = run_source(LEARNER_ASSERT_SOURCE)

    for test in report["tests"]:
        assert test["status"] == "error", f"{test['name']}: {test['status']}"
        assert test["message"] == "Your function raised AssertionError on line 2: expected a long range test"
    assert report["summary"]["error"] == 4
    assert report["summary"]["failed"] == 0


def test_output_captured_per_test():
    report = run_source(PRINTING_SOURCE)
    outputs = {test["name"]: test["output"] for test in report["tests"]}

    assert outputs == {name: f"{rate}\n" for name, rate in FIRST_LEARNING_RATES.items()}
    assert report["output"] == "loading\n"


def test_stderr_captured():
    report = run_source(STDERR_SOURCE)

    for test in report["tests"]:
        assert test["output"] == "to stderr\n", test["name"]


def test_output_capped():
    """The cap is per run: the first test's output fills it, and each later test shows only what was cut."""
    report = run_source(FLOODING_SOURCE)
    printed = 25_001
    limit = harness.MAX_OUTPUT_CHARS
    first, *later = report["tests"]

    first_note = f"\n[output cut: {printed - limit} more characters not shown; a run shows at most {limit}]"
    assert first["output"].startswith("x" * limit)
    assert first["output"].endswith(first_note), first["output"][-120:]
    assert len(first["output"]) == limit + len(first_note)

    later_note = f"\n[output cut: {printed} more characters not shown; a run shows at most {limit}]"
    for test in later:
        assert test["output"] == later_note, test["name"]


def run_check(path):
    return subprocess.run(
        [sys.executable, str(PROJECT_ROOT / "build.py"), "check", str(path)],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(("path", "status"), [(REFERENCE, 0), (STARTER, 1)], ids=["reference", "starter"])
def test_check_command(path, status):
    completed = run_check(path)
    report = run_source(path.read_text(encoding="utf-8"))

    assert completed.returncode == status, completed.stderr
    assert completed.stdout == harness.format_report(report) + "\n"


def test_check_missing_file(tmp_path):
    completed = run_check(tmp_path / "absent.py")

    assert completed.returncode == 2
    assert "absent.py is not a file" in completed.stderr


def test_long_exception_message_cut():
    report = run_source("def suggest_lr(lrs, losses):\n    raise ValueError('x' * 5000)\n")
    first = report["tests"][0]

    assert first["status"] == "error"
    assert len(first["message"]) < 1200
    assert "[4000 more characters not shown]" in first["message"]
    assert len(first["traceback"]) < 1500


def test_unusual_line_separator_keeps_quoted_line():
    # U+2028 inside a comment is not a line end for Python, so line 4 is still the raise.
    source = "import numpy as np\n# pasted \u2028 text\ndef suggest_lr(lrs, losses):\n    raise ValueError('boom')\n"
    report = run_source(source)
    traceback_text = report["tests"][0]["traceback"]

    assert 'line 4, in suggest_lr\n    raise ValueError(\'boom\')' in traceback_text


def test_exception_str_failure_is_error():
    source = (
        "class Broken(Exception):\n"
        "    def __str__(self):\n"
        "        raise RuntimeError('no text')\n"
        "\n"
        "def suggest_lr(lrs, losses):\n"
        "    raise Broken()\n"
    )
    report = run_source(source)
    first = report["tests"][0]

    assert report["outcome"] == "tests-ran"
    assert first["status"] == "error"
    assert "str() of the exception failed with RuntimeError" in first["message"]


def test_check_reads_byte_order_mark(tmp_path):
    path = tmp_path / "with_bom.py"
    path.write_bytes(b"\xef\xbb\xbf" + REFERENCE.read_bytes())

    completed = run_check(path)

    assert completed.returncode == 0, completed.stdout + completed.stderr


def test_check_rejects_non_utf8(tmp_path):
    path = tmp_path / "latin1.py"
    path.write_bytes(b'x = "\xe9"\n')

    completed = run_check(path)

    assert completed.returncode == 2
    assert "is not UTF-8 text" in completed.stderr


def test_check_syntax_error_summary(tmp_path):
    path = tmp_path / "broken.py"
    path.write_text("def suggest_lr(lrs, losses)\n    pass\n", encoding="utf-8")

    completed = run_check(path)

    assert completed.returncode == 1
    assert completed.stdout.rstrip().endswith("No test ran: fix the error in your code shown above, then run again.")
    assert "SyntaxError on line 1" in completed.stdout


@pytest.mark.parametrize("name", ["monitoring_callback", "ctypes_frame_read"])
def test_hostile_attack_gets_no_verdict(name):
    source = (PROJECT_ROOT / "tests" / "project" / "hostile" / f"{name}.py").read_text(encoding="utf-8")

    report = run_source(source)

    assert report["outcome"] == "code-error"
    assert report["code_error"]["kind"] == "untrusted"
    assert all(test["status"] == "not-run" for test in report["tests"])
