"""Check the build-time parts of the page: statement rendering, the editor bundle and per-test cases."""

import json
import tomllib

import pytest

from lr_range_runner import harness
from sitebuild import bundle, site, statement
from tests.project.implementations import REFERENCE, STARTER


def test_math_becomes_mathml():
    rendered = statement.render_markdown("Slope $s_i$ and\n\n$$\\frac{a}{b}$$\n")
    assert '<math xmlns="http://www.w3.org/1998/Math/MathML" display="inline">' in rendered
    assert 'display="block"' in rendered
    assert "$" not in rendered


def test_code_highlighted_by_pygments():
    rendered = statement.render_markdown("```python\nimport numpy as np\n```\n")
    assert '<div class="highlight">' in rendered
    assert '<span class="kn">import</span>' in rendered


def test_raw_html_is_escaped():
    rendered = statement.render_markdown("<script>alert(1)</script>\n")
    assert "<script>" not in rendered


def test_plot_block_becomes_figure():
    source = '```plot\n{"lrs": [0.1, 1.0], "losses": [2.0, 1.0], "expected": 0.1, "caption": "A <b> caption"}\n```\n'
    rendered = statement.render_markdown(source)
    assert rendered.startswith('<figure class="loss-plot" data-plot-case="')
    assert "<figcaption>A &lt;b&gt; caption</figcaption>" in rendered


def test_plot_block_rejects_missing_key():
    source = '```plot\n{"lrs": [0.1, 1.0], "losses": [2.0, 1.0]}\n```\n'
    try:
        statement.render_markdown(source)
    except statement.StatementError as error:
        assert "exactly the keys" in str(error)
    else:
        raise AssertionError("a plot block without expected and caption was accepted")


def test_statement_renders():
    exercise = tomllib.loads((site.ROOT / site.EXERCISE_TOML).read_text(encoding="utf-8"))
    rendered = site.render_statement((site.ROOT / site.STATEMENT).read_text(encoding="utf-8"), exercise)
    assert rendered.count("<math") >= 3
    assert rendered.count('<figure class="loss-plot"') == 1


def test_bundle_cached_when_unchanged():
    first = bundle.ensure_bundle(log=lambda message: None)
    modified = (first / bundle.BUNDLE_NAME).stat().st_mtime_ns
    second = bundle.ensure_bundle(log=lambda message: None)
    assert second == first
    assert (second / bundle.BUNDLE_NAME).stat().st_mtime_ns == modified


def test_bundle_lists_licenses():
    folder = bundle.ensure_bundle(log=lambda message: None)
    licenses = (folder / bundle.LICENSES_NAME).read_text(encoding="utf-8")
    assert "@codemirror/view" in licenses
    assert "MIT License" in licenses


def test_report_has_case_and_returned():
    report = harness.run(REFERENCE.read_text(encoding="utf-8"), site.load_hidden_tests())
    test = report["tests"][0]
    assert test["case"] == {"lrs": [1e-4, 1e-3, 1e-2, 1e-1, 1.0], "losses": [2.5, 2.3, 1.8, 1.0, 3.0], "expected": 0.01}
    assert test["returned"] == {"repr": "0.01", "type": "float", "number": 0.01}
    json.dumps(report, allow_nan=False)


def test_report_returned_not_float():
    report = harness.run(STARTER.read_text(encoding="utf-8"), site.load_hidden_tests())
    assert report["tests"][0]["returned"] == {"repr": "None", "type": "NoneType", "number": None}


def test_report_case_when_function_raises():
    source = "def suggest_lr(lrs, losses):\n    raise ValueError('no')\n"
    report = harness.run(source, site.load_hidden_tests())
    assert report["tests"][0]["case"]["expected"] == 0.01
    assert report["tests"][0]["returned"] is None


def test_report_without_case_log():
    class Module:
        __file__ = "tests_without_cases.py"

    def test_plain(suggest_lr):
        pass

    test_plain.title = "Plain"
    Module.test_plain = staticmethod(test_plain)
    result = harness.run_test(test_plain, lambda lrs, losses: 0.1, Module)
    assert result["status"] == "passed"
    assert result["case"] is None


BAD_PLOT_BLOCKS = {
    "nan loss": '{"lrs": [0.1, 1.0], "losses": [2.0, NaN], "expected": 0.1, "caption": "c"}',
    "lrs not a list": '{"lrs": 5, "losses": [2.0, 1.0], "expected": 0.1, "caption": "c"}',
    "one point": '{"lrs": [0.1], "losses": [2.0], "expected": 0.1, "caption": "c"}',
    "negative rate": '{"lrs": [-0.1, 1.0], "losses": [2.0, 1.0], "expected": 1.0, "caption": "c"}',
    "decreasing rates": '{"lrs": [1.0, 0.1], "losses": [2.0, 1.0], "expected": 1.0, "caption": "c"}',
    "expected not a rate": '{"lrs": [0.1, 1.0], "losses": [2.0, 1.0], "expected": 0.5, "caption": "c"}',
    "caption not text": '{"lrs": [0.1, 1.0], "losses": [2.0, 1.0], "expected": 0.1, "caption": 2017}',
    "string loss": '{"lrs": [0.1, 1.0], "losses": ["2.0", 1.0], "expected": 0.1, "caption": "c"}',
}


@pytest.mark.parametrize("problem", sorted(BAD_PLOT_BLOCKS))
def test_plot_block_rejected(problem):
    source = f"```plot\n{BAD_PLOT_BLOCKS[problem]}\n```\n"

    with pytest.raises(statement.StatementError) as raised:
        statement.render_markdown(source)

    assert "plot block" in str(raised.value)


@pytest.mark.parametrize("latex", [r"\foo{x}", r"\frac{1}{2", r"\frac{1}"])
def test_broken_math_rejected(latex):
    with pytest.raises(statement.StatementError):
        statement.render_markdown(f"Inline ${latex}$ math.\n")


def test_plot_answer_checked_by_reference():
    source = '```plot\n{"lrs": [1e-4, 1e-3, 1e-2, 1e-1, 1.0], "losses": [2.5, 2.3, 1.8, 1.0, 3.0], "expected": 0.1, "caption": "c"}\n```\n'

    with pytest.raises(site.BuildError) as raised:
        site.check_statement_plots(source, REFERENCE.read_text(encoding="utf-8"))

    assert "marks 0.1 as expected, but the reference returns 0.01" in str(raised.value)
