"""Implementations of suggest_lr that the hidden tests must reject (wrong/) or accept (equivalent/).

Each file is learner code: it defines suggest_lr and is loaded the way the
browser loads typed code, never imported as part of this package. Its module
docstring names the mistake it models, or why it is still correct.
"""

from pathlib import Path

IMPLEMENTATIONS_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = IMPLEMENTATIONS_DIR.parents[2]

REFERENCE = PROJECT_ROOT / "solution" / "suggest_lr.py"
STARTER = PROJECT_ROOT / "problem" / "starter.py"
HIDDEN_TESTS_DIR = PROJECT_ROOT / "tests" / "hidden"
HIDDEN_TESTS = HIDDEN_TESTS_DIR / "test_suggest_lr.py"
RUNNER_DIR = PROJECT_ROOT / "web" / "runner" / "lr_range_runner"


def files_in(kind):
    """Return {label: path} for the implementation files in the folder `kind`, sorted by label."""
    return {f"{kind}/{path.stem}": path for path in sorted((IMPLEMENTATIONS_DIR / kind).glob("*.py"))}


WRONG = files_in("wrong")
EQUIVALENT = files_in("equivalent")

# Every implementation whose verdicts the project checks, by label.
ALL = {"reference": REFERENCE, "starter": STARTER, **WRONG, **EQUIVALENT}
