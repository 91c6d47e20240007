"""The four hidden tests of the learning-rate range test exercise.

Each test takes the implementation under test as its `suggest_lr` argument.
Locally, pytest passes it through the fixture in conftest.py. In the browser,
the harness in web/runner calls each test with the learner's function. A test
passes when it returns and fails when an assertion in this file fails. Any
other exception is an error in the implementation.

The expected answers are written out by hand, not computed by the reference,
so a bug in the reference cannot hide itself.
"""

import numpy as np

# Maximum length of the repr of a returned value in a failure message.
MAX_REPR_CHARS = 200

# One entry per check_suggestion call: {"lrs", "losses", "expected", "returned"},
# where "returned" is missing when suggest_lr raised. The harness empties it
# before each test and reports the entries, so the page can plot each case.
CASE_LOG = []


def titled(title):
    """Attach the title that the page and the reports show for a test."""

    def attach(test):
        test.title = title
        return test

    return attach


def describe(value):
    """Format a returned value with its type, short enough for a message."""
    try:
        text = repr(value)
    except Exception as error:  # A learner's object can break repr; the message must still be built.
        text = f"<repr failed with {type(error).__name__}>"
    if len(text) > MAX_REPR_CHARS:
        text = text[:MAX_REPR_CHARS] + "..."
    kind = type(value)
    type_name = kind.__qualname__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"
    return f"{text} ({type_name})"


def format_sequence(values):
    """Format an input the way the learner would write it in Python."""
    if isinstance(values, np.ndarray):
        return f"np.array({values.tolist()!r})"
    return repr(list(values))


def fresh_copy(values):
    """Copy an input, so a learner who changes it in place cannot change later checks."""
    if isinstance(values, np.ndarray):
        return values.copy()
    return list(values)


def check_suggestion(suggest_lr, lrs, losses, expected, hint):
    """Call `suggest_lr` and assert that it returned exactly `expected`, as a float."""
    call = f"suggest_lr({format_sequence(lrs)}, {format_sequence(losses)})"
    case = {"lrs": fresh_copy(lrs), "losses": fresh_copy(losses), "expected": expected}
    CASE_LOG.append(case)
    result = suggest_lr(fresh_copy(lrs), fresh_copy(losses))
    case["returned"] = result

    report = f"\nCalled:   {call}\nReturned: {describe(result)}\nExpected: {describe(expected)}"

    # Any subclass of float counts, numpy.float64 included. Anything else fails, even
    # when it compares equal, because "==" on arrays, ints and custom objects can say
    # yes to a value that is not a float.
    assert isinstance(result, float), (
        "suggest_lr must return a Python float (numpy.float64 and other subclasses of float count)." + report
    )

    # float.__float__ reads the stored value, so a subclass that overrides __float__
    # or __eq__ cannot make a wrong value look right.
    value = float.__float__(result)
    inputs = [float(lr) for lr in lrs]
    assert value in inputs, (
        "The returned learning rate is not one of the values in lrs. "
        "Return lrs[i] itself, not a value computed from it." + report
    )

    assert value == expected, hint + report


@titled("Reference example")
def test_reference_example(suggest_lr):
    # Slopes against log10(lr): [-0.2, -0.35, -0.65, 0.6, 2.0]. The lowest loss is at 0.1.
    check_suggestion(
        suggest_lr,
        lrs=[1e-4, 1e-3, 1e-2, 1e-1, 1.0],
        losses=[2.5, 2.3, 1.8, 1.0, 3.0],
        expected=0.01,
        hint="This is the example from the statement; work through its table of slopes.",
    )


@titled("Returned LR is one of the inputs")
def test_returned_lr_is_an_input(suggest_lr):
    # Uneven, non-round rates passed as numpy arrays, so an interpolated, rounded or
    # recomputed rate cannot equal an input by accident. Slopes against log10(lr):
    # [-0.671, -0.254, -0.588, -0.777, -0.628, 0.14, 1.294]. np.gradient with
    # edge_order=2 makes the first slope -1.088 and picks 0.00015. Slopes of log(loss)
    # are steepest at 0.011 (-0.725 against -0.545 at 0.0037).
    check_suggestion(
        suggest_lr,
        lrs=np.array([1.5e-4, 4.2e-4, 1.3e-3, 3.7e-3, 1.1e-2, 3.3e-2, 9.6e-2]),
        losses=np.array([2.0, 1.7, 1.8, 1.2, 1.1, 0.6, 1.2]),
        expected=3.7e-3,
        hint="The slope is most negative at lr = 0.0037.",
    )


@titled("Picks the steepest (most negative central-difference) slope")
def test_picks_steepest_slope(suggest_lr):
    # Unevenly spaced logarithms. Central slopes against log10(lr):
    # [-0.2, -0.822, -0.841, -0.962, -0.711, 1.784, 1.803], so the answer is 0.002.
    # Forward differences point at 0.0003, backward differences at 0.001, the slope
    # against the step index at 0.001, argmax at 0.05 and the lowest loss at 0.003.
    check_suggestion(
        suggest_lr,
        lrs=[3e-5, 3e-4, 1e-3, 2e-3, 3e-3, 3e-2, 5e-2],
        losses=[1.7, 1.5, 0.9, 0.7, 0.5, 2.2, 2.6],
        expected=2e-3,
        hint=(
            "Use the most negative central difference, as np.gradient(losses, np.log10(lrs)) "
            "computes it, not a forward or backward difference and not the lowest loss."
        ),
    )

    # The end points have one-sided slopes, and here the last one is the steepest:
    # [-0.3, -0.35, -0.45, -0.85, -1.2]. Skipping the end points, or dropping the
    # last point as diverged, returns 0.1.
    check_suggestion(
        suggest_lr,
        lrs=[1e-4, 1e-3, 1e-2, 1e-1, 1.0],
        losses=[3.0, 2.7, 2.3, 1.8, 0.6],
        expected=1.0,
        hint="The first and last points have slopes too; here the last point's slope is the most negative.",
    )

    # With two points both slopes are (y1 - y0) / (x1 - x0), computed the same way,
    # so they tie exactly in any log base, and a tie goes to the smaller rate.
    check_suggestion(
        suggest_lr,
        lrs=[1e-3, 1e-2],
        losses=[2.0, 1.0],
        expected=1e-3,
        hint="Both slopes are equal, so return the smaller learning rate, as np.argmin does.",
    )


@titled("Differentiates on a log scale (geometric lrs)")
def test_differentiates_on_log_scale(suggest_lr):
    # Rates grow ten-fold per step. Slopes against log10(lr):
    # [-0.1, -0.2, -0.5, -0.55, 0.2, 1.1, 1.4], so the answer is 0.001. Against the raw
    # rate the first step is only 9e-6 wide, its slope is the steepest, and 1e-6 wins.
    check_suggestion(
        suggest_lr,
        lrs=[1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1.0],
        losses=[2.3, 2.2, 1.9, 1.2, 0.8, 1.6, 3.0],
        expected=1e-3,
        hint="Differentiate against np.log10(lrs), not against the raw learning rates.",
    )
