"""Render Markdown to HTML at build time: math to MathML, code highlighted by Pygments.

The page then needs no Markdown, math or highlighting JavaScript. Three
additions to CommonMark with GFM tables:
- `$...$` and `$$...$$` are LaTeX math, converted to MathML by latex2mathml;
- a fenced block with a language is highlighted by Pygments as CSS classes
  (`.highlight .k` and so on), which style.css colours for both themes;
- a fenced block of language `plot` holds a JSON object with `lrs`, `losses`,
  `expected` and `caption`, and becomes a figure that plot.js draws.
"""

import html
import json
import math
import xml.etree.ElementTree as ElementTree

import latex2mathml.converter
from markdown_it import MarkdownIt
from mdit_py_plugins.dollarmath import dollarmath_plugin
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound

PLOT_FIELDS = {"lrs", "losses", "expected", "caption"}


class StatementError(Exception):
    """The Markdown contains math, code or a plot block that cannot be rendered."""


def render_math(latex, options):
    display = "block" if options.get("display_mode") else "inline"
    if latex.count("{") != latex.count("}"):
        raise StatementError(f"The math {latex!r} has unbalanced braces.")
    try:
        mathml = latex2mathml.converter.convert(latex, display=display)
    except Exception as error:  # latex2mathml raises several unrelated types for bad input.
        raise StatementError(f"The math {latex!r} cannot be converted to MathML: {type(error).__name__}: {error}") from None

    # latex2mathml keeps a command it does not know as literal text, such as <mi>\foo</mi>.
    if "\\" in mathml:
        raise StatementError(f"The math {latex!r} uses a command that latex2mathml does not know; its MathML is {mathml!r}.")
    check_mathml_arity(latex, mathml)
    return mathml


# MathML elements that take a fixed number of children, such as a fraction's numerator and denominator.
MATHML_ARITY = {"mfrac": 2, "msub": 2, "msup": 2, "mroot": 2, "munder": 2, "mover": 2, "msubsup": 3, "munderover": 3}


def check_mathml_arity(latex, mathml):
    """Raise StatementError when a fraction, script or root lacks an argument, as in \\frac{1}."""
    for element in ElementTree.fromstring(mathml).iter():
        name = element.tag.rsplit("}", 1)[-1]
        expected = MATHML_ARITY.get(name)
        if expected is not None and len(element) != expected:
            raise StatementError(
                f"The math {latex!r} gives a <{name}> with {len(element)} parts, expected {expected}. Check its arguments."
            )


def is_finite_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def parse_plot_block(source):
    """Parse and check a plot block's JSON; return its data or raise StatementError naming the problem."""
    try:
        data = json.loads(source, parse_constant=reject_constant)
    except (json.JSONDecodeError, StatementError) as error:
        raise StatementError(f"A plot block is not valid JSON ({error}): {source!r}") from None
    if not isinstance(data, dict) or set(data) != PLOT_FIELDS:
        raise StatementError(f"A plot block must be a JSON object with exactly the keys {sorted(PLOT_FIELDS)}, got: {source!r}")

    lrs, losses, expected, caption = data["lrs"], data["losses"], data["expected"], data["caption"]
    for name, values in (("lrs", lrs), ("losses", losses)):
        if not isinstance(values, list) or len(values) < 2 or not all(map(is_finite_number, values)):
            raise StatementError(f"A plot block's {name} must be a list of at least 2 finite numbers, got {values!r}.")
    if len(lrs) != len(losses):
        raise StatementError(f"A plot block has {len(lrs)} lrs but {len(losses)} losses.")
    if lrs[0] <= 0 or any(later <= earlier for earlier, later in zip(lrs, lrs[1:])):
        raise StatementError(f"A plot block's lrs must be positive and strictly increasing, got {lrs!r}.")
    if expected not in lrs:
        raise StatementError(f"A plot block's expected value {expected!r} is not one of its lrs {lrs!r}.")
    if not isinstance(caption, str):
        raise StatementError(f"A plot block's caption must be a string, got {caption!r}.")
    return data


def reject_constant(name):
    raise StatementError(f"{name} is not a finite number")


def render_plot_block(source):
    data = parse_plot_block(source)
    case = {"lrs": data["lrs"], "losses": data["losses"], "expected": data["expected"]}
    return (
        f'<figure class="loss-plot" data-plot-case="{html.escape(json.dumps(case, allow_nan=False))}">'
        f"<figcaption>{html.escape(data['caption'])}</figcaption></figure>\n"
    )


def plot_blocks(source):
    """Return the checked data of every plot block in the Markdown `source`."""
    tokens = MarkdownIt("commonmark").parse(source)
    return [
        parse_plot_block(token.content)
        for token in tokens
        if token.type == "fence" and token.info.strip().split(maxsplit=1)[:1] == ["plot"]
    ]


def highlight_code(source, language):
    """Return `source` as highlighted HTML, or escaped in a plain <pre> for an unknown or missing language."""
    try:
        lexer = get_lexer_by_name(language)
    except ClassNotFound:
        return f"<pre><code>{html.escape(source)}</code></pre>\n"
    return highlight(source, lexer, HtmlFormatter(cssclass="highlight"))


def make_renderer():
    markdown = MarkdownIt("commonmark", {"html": False, "typographer": False}).enable("table")
    markdown.use(dollarmath_plugin, allow_digits=False, renderer=render_math)

    default_fence = markdown.renderer.rules["fence"]

    def fence(renderer, tokens, index, options, env):
        token = tokens[index]
        language = token.info.strip().split(maxsplit=1)[0] if token.info.strip() else ""
        if language == "plot":
            return render_plot_block(token.content)
        if language:
            return highlight_code(token.content, language)
        return default_fence(tokens, index, options, env)

    markdown.add_render_rule("fence", fence)
    return markdown


def render_markdown(source):
    """Render the statement's Markdown to HTML; raise StatementError on bad math or plot blocks."""
    return make_renderer().render(source)


def render_python(source):
    """Highlight a Python file, such as the reference solution, as HTML."""
    return highlight_code(source, "python")
