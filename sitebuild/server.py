"""Serve a built site on the loopback interface with the MIME types and headers Pyodide needs.

Every response carries the page's Content-Security-Policy (read from the
<meta> tag of the built index.html, so the header and the tag never differ)
and, unless isolation is turned off, the COOP and COEP headers that make the
page cross-origin isolated. Only an isolated page gets SharedArrayBuffer,
which the Stop button needs to interrupt Python without restarting it.
"""

import functools
import html
import http.server
import re
import sys
from pathlib import Path

HOST = "127.0.0.1"

MIME_TYPES = {
    ".wasm": "application/wasm",  # WebAssembly.instantiateStreaming rejects any other type.
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".json": "application/json",
    ".whl": "application/zip",
    ".zip": "application/zip",
    ".css": "text/css",
    ".html": "text/html; charset=utf-8",
}


ISOLATION_HEADERS = {
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Embedder-Policy": "require-corp",
}

CSP_META = re.compile(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)">')


def read_content_security_policy(directory):
    """Return the policy of the built page's <meta> tag, or None when the page has none."""
    index = Path(directory) / "index.html"
    if not index.is_file():
        return None
    match = CSP_META.search(index.read_text(encoding="utf-8"))
    return html.unescape(match.group(1)) if match else None


class SiteRequestHandler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, **MIME_TYPES}

    def end_headers(self):
        # Revalidate on every load, so a rebuilt site is never mixed with cached files of the old one.
        self.send_header("Cache-Control", "no-cache")
        # Servers made by make_server set both attributes; another server using this handler gets neither header.
        policy = self.server.content_security_policy() if hasattr(self.server, "content_security_policy") else None
        if policy:
            # frame-ancestors works only in a header, not in the <meta> tag.
            self.send_header("Content-Security-Policy", policy + "; frame-ancestors 'none'")
        if getattr(self.server, "isolated", False):
            for name, value in ISOLATION_HEADERS.items():
                self.send_header(name, value)
        super().end_headers()

    def log_message(self, format, *args):
        if self.server.verbose:
            super().log_message(format, *args)


class SiteServer(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        # A browser that reloads or closes the page while Pyodide downloads resets the
        # connection. That is not a server error, so it gets no traceback.
        error = sys.exception()
        if isinstance(error, (ConnectionResetError, BrokenPipeError)):
            if self.verbose:
                print(f"{client_address[0]}:{client_address[1]} closed the connection early: {error}", file=sys.stderr)
            return
        super().handle_error(request, client_address)


def make_server(directory, port=8000, verbose=True, isolated=True):
    """Return an HTTP server for `directory` on 127.0.0.1:`port` (0 picks a free port).

    isolated=False leaves out COOP and COEP, as a static host without them would serve the page.
    """
    handler = functools.partial(SiteRequestHandler, directory=str(directory))
    server = SiteServer((HOST, port), handler)
    server.verbose = verbose
    server.isolated = isolated
    server.content_security_policy = PolicyCache(directory)
    return server


class PolicyCache:
    """The CSP of the page in `directory`, read again whenever index.html changes.

    `build.py serve` binds the server before it builds, so the page may appear or change later.
    """

    def __init__(self, directory):
        self.index = Path(directory) / "index.html"
        self.stamp = None
        self.policy = None

    def __call__(self):
        try:
            stamp = self.index.stat().st_mtime_ns
        except FileNotFoundError:
            return None
        if stamp != self.stamp:
            self.policy = read_content_security_policy(self.index.parent)
            self.stamp = stamp
        return self.policy


def site_url(server):
    host, port = server.server_address[:2]
    return f"http://{host}:{port}/"
