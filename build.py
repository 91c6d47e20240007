#!/usr/bin/env python3
"""Build, serve and check the learning-rate range test exercise.

  python build.py [build] [--out DIR] [--pyodide-base-url URL]
  python build.py serve [--out DIR] [--port N]      (also: python build.py --serve)
  python build.py check FILE                        (run the hidden tests against FILE)
"""

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT / "web" / "runner"))
sys.path.insert(0, str(ROOT))

from sitebuild import assets, bundle, runner_wheel, server, site  # noqa: E402

from lr_range_runner import harness  # noqa: E402

DEFAULT_OUT = ROOT / "dist"


def parse_arguments(argv):
    parser = argparse.ArgumentParser(prog="build.py", description="Build, serve or check the learning-rate range test exercise.")
    parser.add_argument("command", nargs="?", choices=["build", "serve", "check"], default="build",
                        help="build the site (default), build and serve it, or check a solution file")
    parser.add_argument("file", nargs="?", type=Path, help="with check: the .py file that defines suggest_lr")
    parser.add_argument("--serve", action="store_true", help="same as the serve command")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="folder to build the site into (default: dist/)")
    parser.add_argument("--port", type=int, default=8000, help="with serve: TCP port on 127.0.0.1 (default 8000; 0 picks a free one)")
    parser.add_argument("--no-isolation", action="store_true",
                        help="with serve: leave out the COOP and COEP headers, so the page is not cross-origin isolated "
                             "and Stop restarts Python instead of interrupting it (as on most static hosts)")
    parser.add_argument("--pyodide-base-url", metavar="URL",
                        help=f"load Pyodide {assets.PYODIDE_VERSION} and numpy from this base URL (a CDN folder ending in /) "
                             "instead of self-hosting them; the harness wheel is still served by the site")
    arguments = parser.parse_args(argv)

    if arguments.serve:
        arguments.command = "serve"
    if arguments.command == "check" and arguments.file is None:
        parser.error("check needs the path of a .py file that defines suggest_lr, e.g. python build.py check problem/starter.py")
    if arguments.command != "check" and arguments.file is not None:
        parser.error(f"unexpected argument {arguments.file}; only check takes a file")
    base_url = arguments.pyodide_base_url
    if base_url and not (base_url.startswith(("https://", "http://")) and base_url.endswith("/")):
        parser.error(f"--pyodide-base-url {base_url!r} must be an http(s) URL ending in /, "
                     f"e.g. https://cdn.jsdelivr.net/pyodide/v{assets.PYODIDE_VERSION}/full/")
    return arguments


def check_file(path):
    """Print the hidden tests' report for `path`; return the exit status (0 only if all passed)."""
    if not path.is_file():
        print(f"error: {path} is not a file. Pass the path of a .py file that defines suggest_lr.", file=sys.stderr)
        return 2
    tests_module = site.load_hidden_tests()
    report = harness.run(path.read_text(encoding="utf-8"), tests_module)
    print(harness.format_report(report))
    summary = report["summary"]
    return 0 if summary["passed"] == summary["total"] else 1


def build(arguments):
    out = arguments.out.resolve()
    try:
        site.build_site(out, cdn_base_url=arguments.pyodide_base_url)
    except (site.BuildError, assets.AssetError, runner_wheel.LockError, bundle.BundleError) as error:
        print(f"Build failed: {error}", file=sys.stderr)
        if out.exists():
            print(f"The previous site in {out} was left in place.", file=sys.stderr)
        return None
    print(f"Built the site in {out}")
    return out


def serve(out, port, isolated=True):
    try:
        httpd = server.make_server(out, port, isolated=isolated)
    except OSError as error:
        print(f"error: cannot listen on 127.0.0.1:{port}: {error.strerror}. Pass another --port, or 0 for a free one.", file=sys.stderr)
        return 2
    print(f"Serving {out} at {server.site_url(httpd)} (Ctrl+C stops)", flush=True)
    try:
        httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        httpd.server_close()
    return 0


def main(argv=None):
    arguments = parse_arguments(argv)
    if arguments.command == "check":
        return check_file(arguments.file)

    out = build(arguments)
    if out is None:
        return 1
    if arguments.command == "serve":
        return serve(out, arguments.port, isolated=not arguments.no_isolation)
    return 0


if __name__ == "__main__":
    sys.exit(main())
