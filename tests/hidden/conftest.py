"""Supply the hidden tests with the implementation that --impl selects."""

from pathlib import Path

import pytest

from lr_range_runner import harness

PROJECT_ROOT = Path(__file__).resolve().parents[2]

NAMED_IMPLEMENTATIONS = {
    "reference": PROJECT_ROOT / "solution" / "suggest_lr.py",
    "starter": PROJECT_ROOT / "problem" / "starter.py",
}


def resolve_implementation(choice):
    """Map an --impl value to the file it names."""
    if choice in NAMED_IMPLEMENTATIONS:
        return NAMED_IMPLEMENTATIONS[choice]
    path = Path(choice)
    if not path.is_file():
        raise pytest.UsageError(
            f"--impl {choice!r} is neither 'reference', 'starter' nor an existing file. "
            "Pass one of those names or the path of a .py file that defines suggest_lr."
        )
    return path


@pytest.fixture(scope="session")
def suggest_lr(pytestconfig):
    """Load suggest_lr from the file that --impl selects, the way the browser loads typed code."""
    path = resolve_implementation(pytestconfig.getoption("--impl"))
    try:
        return harness.load_learner_function(path.read_text(encoding="utf-8-sig"), output=None)
    except harness.CodeError as error:
        pytest.fail(f"{path}: {error.message}\n{error.traceback_text}", pytrace=False)
