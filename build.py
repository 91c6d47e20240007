#!/usr/bin/env python3
"""Build, serve and check the learning-rate range test exercise.

  python build.py [build] [--out DIR] [--pyodide-base-url URL]
  python build.py serve [--out DIR] [--port N]      (also: python build.py --serve)
  python build.py check FILE                        (run the hidden tests against FILE)
"""

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT / "web" / "runner"))
sys.path.insert(0, str(ROOT))

from sitebuild import assets, bundle, delivery, runner_wheel, server, site  # noqa: E402

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
    if not 0 <= arguments.port <= 65535:
        parser.error(f"--port {arguments.port} is not a TCP port; pass a number from 1 to 65535, or 0 for a free one")
    if arguments.command == "check" and arguments.file is None:
        parser.error("check needs the path of a .py file that defines suggest_lr, e.g. python build.py check problem/starter.py")
    if arguments.command != "check" and arguments.file is not None:
        parser.error(f"unexpected argument {arguments.file}; only check takes a file")
    base_url = arguments.pyodide_base_url
    if base_url and not (base_url.startswith(("https://", "http://")) and base_url.endswith("/")):
        parser.error(f"--pyodide-base-url {base_url!r} must be an http(s) URL ending in /, "
                     f"e.g. https://cdn.jsdelivr.net/pyodide/v{assets.PYODIDE_VERSION}/full/")
    return arguments


def read_solution(path):
    """Return the text of a solution file, or None after printing why it cannot be read."""
    if not path.is_file():
        print(f"error: {path} is not a file. Pass the path of a .py file that defines suggest_lr.", file=sys.stderr)
        return None
    try:
        # utf-8-sig also accepts the byte order mark that some Windows editors write, as Python itself does.
        return path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as error:
        print(f"error: {path} is not UTF-8 text (byte {error.start} is invalid). Save it as UTF-8 and check again.", file=sys.stderr)
    except OSError as error:
        print(f"error: cannot read {path}: {error.strerror}.", file=sys.stderr)
    return None


def check_file(path):
    """Print the hidden tests' report for `path`; return the exit status (0 only if all passed, 2 if unreadable)."""
    source = read_solution(path)
    if source is None:
        return 2
    report = harness.run(source, site.load_hidden_tests())
    print(harness.format_report(report))
    summary = report["summary"]
    return 0 if summary["passed"] == summary["total"] else 1


def build(arguments):
    out = arguments.out.resolve()
    try:
        site.build_site(out, cdn_base_url=arguments.pyodide_base_url)
    except (site.BuildError, assets.AssetError, runner_wheel.LockError, bundle.BundleError, delivery.DeliveryError) as error:
        print(f"Build failed: {error}", file=sys.stderr)
        if out.is_dir() and site.is_built_site(out):
            print(f"The previous site in {out} was left in place.", file=sys.stderr)
        return None
    print(f"Built the site in {out}")
    return out


def listen(out, port, isolated=True):
    """Bind the server before building, so a busy port is reported before a build is spent on it.

    The server looks files up in `out` per request, so the site swapped in later is what it serves.
    """
    try:
        return server.make_server(out, port, isolated=isolated)
    except OSError as error:
        print(f"error: cannot listen on 127.0.0.1:{port}: {error.strerror}. Pass another --port, or 0 for a free one.", file=sys.stderr)
        return None


def serve(httpd, out):
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
        try:
            return check_file(arguments.file)
        except BrokenPipeError:
            # The reader, such as `head`, stopped early; nothing is left to report.
            sys.stdout = open(os.devnull, "w")
            return 1

    httpd = None
    if arguments.command == "serve":
        httpd = listen(arguments.out.resolve(), arguments.port, isolated=not arguments.no_isolation)
        if httpd is None:
            return 2
    try:
        out = build(arguments)
    except KeyboardInterrupt:
        print(f"Build interrupted; {arguments.out.resolve()} was left as it was.", file=sys.stderr)
        return 130
    if out is None:
        if httpd is not None:
            httpd.server_close()
        return 1
    if httpd is not None:
        return serve(httpd, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
