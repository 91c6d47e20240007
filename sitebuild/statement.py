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
    try:
        return latex2mathml.converter.convert(latex, display=display)
    except Exception as error:  # latex2mathml raises several unrelated types for bad input.
        raise StatementError(f"The math {latex!r} cannot be converted to MathML: {type(error).__name__}: {error}") from None


def render_plot_block(source):
    try:
        data = json.loads(source)
    except json.JSONDecodeError as error:
        raise StatementError(f"A plot block is not valid JSON ({error}): {source!r}") from None
    if not isinstance(data, dict) or set(data) != PLOT_FIELDS:
        raise StatementError(f"A plot block must be a JSON object with exactly the keys {sorted(PLOT_FIELDS)}, got: {source!r}")
    if len(data["lrs"]) != len(data["losses"]):
        raise StatementError(f"A plot block has {len(data['lrs'])} lrs but {len(data['losses'])} losses.")

    case = {"lrs": data["lrs"], "losses": data["losses"], "expected": data["expected"]}
    return (
        f'<figure class="loss-plot" data-plot-case="{html.escape(json.dumps(case))}">'
        f"<figcaption>{html.escape(data['caption'])}</figcaption></figure>\n"
    )


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
