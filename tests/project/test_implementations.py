"""Check that the hidden tests reject every wrong implementation and accept every equivalent one.

The verdicts come from real pytest runs of tests/hidden with --impl (see
conftest.py), so they are what a developer sees on the command line.
"""

import ast

import pytest

from lr_range_runner import harness
from tests.project.implementations import EQUIVALENT, HIDDEN_TESTS, WRONG, files_in
from tests.hidden import test_suggest_lr as hidden_tests

# Fewer distinct mistakes than this would leave common learner errors unchecked.
MIN_WRONG_IMPLEMENTATIONS = 12

# Wrong results of the wrong type, and the type name that the failure message must show.
# Each of these returns the right rate in a form that is not a Python float.
TYPE_CASES = {
    "wrong/returns_float32": "numpy.float32",
    "wrong/returns_zero_d_array": "numpy.ndarray",
    "wrong/returns_rounded_int": "(int)",
    "wrong/returns_index": "(int)",
    "wrong/returns_none": "(NoneType)",
    "wrong/returns_always_equal": "AlwaysEqual",
    "wrong/returns_string": "(str)",
    "wrong/returns_list": "(list)",
    "wrong/returns_array": "numpy.ndarray",
}

HIDDEN_TEST_NAMES = [test.__name__ for test in harness.collect_tests(hidden_tests)]


def format_verdicts(verdicts):
    return ", ".join(f"{name}: {'passed' if passed else 'failed'}" for name, passed in verdicts.items())


def test_hidden_tests_count():
    assert len(HIDDEN_TEST_NAMES) == 4, f"{HIDDEN_TESTS} defines {HIDDEN_TEST_NAMES}, expected 4 titled tests."


def test_wrong_library_size():
    assert len(WRONG) >= MIN_WRONG_IMPLEMENTATIONS, (
        f"Only {len(WRONG)} wrong implementations, expected at least {MIN_WRONG_IMPLEMENTATIONS}: {sorted(WRONG)}"
    )


@pytest.mark.parametrize("label", [*WRONG, *EQUIVALENT])
def test_implementation_has_docstring(label):
    path = {**WRONG, **EQUIVALENT}[label]
    docstring = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))
    assert docstring, f"{path} has no module docstring saying what it models."


@pytest.mark.parametrize("label", list(WRONG))
def test_wrong_implementation_caught(label, hidden_test_verdicts):
    verdicts = hidden_test_verdicts[label]
    assert set(verdicts) == set(HIDDEN_TEST_NAMES), f"{label}: pytest reported {sorted(verdicts)}"
    assert not all(verdicts.values()), f"{label} passed every hidden test: {format_verdicts(verdicts)}"


@pytest.mark.parametrize("label", list(EQUIVALENT))
def test_equivalent_implementation_passes(label, hidden_test_verdicts):
    verdicts = hidden_test_verdicts[label]
    assert set(verdicts) == set(HIDDEN_TEST_NAMES), f"{label}: pytest reported {sorted(verdicts)}"
    assert all(verdicts.values()), f"{label} failed a hidden test: {format_verdicts(verdicts)}"


def test_reference_passes(hidden_test_verdicts):
    verdicts = hidden_test_verdicts["reference"]
    assert set(verdicts) == set(HIDDEN_TEST_NAMES), f"reference: pytest reported {sorted(verdicts)}"
    assert all(verdicts.values()), f"The reference failed a hidden test: {format_verdicts(verdicts)}"


def test_starter_fails_every_test(hidden_test_verdicts):
    verdicts = hidden_test_verdicts["starter"]
    assert set(verdicts) == set(HIDDEN_TEST_NAMES), f"starter: pytest reported {sorted(verdicts)}"
    assert not any(verdicts.values()), f"The starter stub passed a hidden test: {format_verdicts(verdicts)}"


def test_equivalent_library_covers_cases():
    expected = {"natural_log", "log2", "manual_central_differences", "list_input_float", "pure_python"}
    present = {label.split("/", 1)[1] for label in files_in("equivalent")}
    assert expected <= present, f"Missing equivalent implementations: {sorted(expected - present)}"


@pytest.mark.parametrize("label", list(TYPE_CASES))
def test_type_rejection_message(label):
    path = WRONG[label]
    report = harness.run(path.read_text(encoding="utf-8"), hidden_tests)
    expected_type = TYPE_CASES[label]

    assert report["outcome"] == "tests-ran", f"{label}: harness outcome {report['outcome']}: {report['code_error']}"
    for test in report["tests"]:
        assert test["status"] == "failed", f"{label}, {test['name']}: status {test['status']}, expected failed"
        assert "must return a Python float" in test["message"], (
            f"{label}, {test['name']}: the message does not say a float is required:\n{test['message']}"
        )
        assert expected_type in test["message"], (
            f"{label}, {test['name']}: the message does not name the returned type {expected_type}:\n{test['message']}"
        )
