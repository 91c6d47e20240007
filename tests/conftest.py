"""Options shared by the hidden tests and the project's own tests."""

import os


def pytest_addoption(parser):
    parser.addoption(
        "--impl",
        default=os.environ.get("SUGGEST_LR_IMPL", "reference"),
        help=(
            "implementation that the hidden tests check: 'reference' (solution/suggest_lr.py), "
            "'starter' (problem/starter.py) or the path of a .py file that defines suggest_lr; "
            "the SUGGEST_LR_IMPL environment variable sets the default"
        ),
    )
