#!/usr/bin/env python3
"""Take the README's screenshots: light and dark, wide and narrow, after one failing run.

  .venv/bin/python scripts/screenshots.py [--out docs/]

It builds the site into a temporary folder, serves it on 127.0.0.1 and drives
the system Chromium (/usr/bin/chromium), so it needs what ./run test needs.
"""

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "web" / "runner")]

from playwright.sync_api import sync_playwright  # noqa: E402

from tests.project import browser  # noqa: E402

# Differentiates against the raw learning rate: a typical first attempt, which
# fails three tests and passes one, so the shots show both verdicts and plots.
SAMPLE_CODE = (
    "import numpy as np\n\n\n"
    "def suggest_lr(lrs, losses):\n"
    "    slopes = np.gradient(losses, lrs)\n"
    "    return float(lrs[int(np.argmin(slopes))])\n"
)
VIEWPORTS = {"wide": {"width": 1280, "height": 900}, "narrow": {"width": 360, "height": 780}}


def take_screenshots(out):
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder, browser.serving(browser.build(Path(folder) / "dist")) as url, \
            sync_playwright() as playwright:
        chromium = browser.launch(playwright)
        for scheme in ("light", "dark"):
            for name, viewport in VIEWPORTS.items():
                context = chromium.new_context(viewport=viewport, color_scheme=scheme)
                page = context.new_page()
                page.goto(url)
                browser.wait_until_ready(page)
                page.evaluate("(code) => window.lrEditor.setCode(code)", SAMPLE_CODE)
                page.click("#run-tests")
                browser.wait_for_run(page)
                path = out / f"page-{scheme}-{name}.png"
                if name == "narrow":
                    page.locator(".workspace").screenshot(path=path)
                else:
                    page.screenshot(path=path)
                print(f"Wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
                context.close()
        chromium.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs", help="folder for the PNG files (default: docs/)")
    take_screenshots(parser.parse_args().out.resolve())


if __name__ == "__main__":
    main()
