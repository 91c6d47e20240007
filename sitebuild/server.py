"""Serve a built site on the loopback interface with the MIME types and headers Pyodide needs.

Every response carries the page's Content-Security-Policy (read from the
<meta> tag of the built index.html, so the header and the tag never differ)
and, unless isolation is turned off, the COOP and COEP headers that make the
page cross-origin isolated. Only an isolated page gets SharedArrayBuffer,
which the Stop button needs to interrupt Python without restarting it.
"""

import email.utils
import functools
import html
import http.server
import os
import re
import sys
import urllib.parse
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


# A path under a folder named NAME-<16 hex digits> is content-addressed: the build
# names that folder after a hash of its files (sitebuild/delivery.py), so its
# URLs never change content and browsers may keep them for a year unrevalidated.
CONTENT_ADDRESSED_PATH = re.compile(r"^/[A-Za-z0-9_.]+-[0-9a-f]{16}/")
IMMUTABLE = "public, max-age=31536000, immutable"

# Precompressed copies the build may write next to a file, best first.
ENCODINGS = [("br", ".br"), ("gzip", ".gz")]


def accepted_encodings(header):
    """Return the content codings an Accept-Encoding header allows (q=0 excludes one)."""
    accepted = set()
    for part in (header or "").split(","):
        coding, _, parameters = part.strip().partition(";")
        if not coding.strip():
            continue
        quality = parameters.strip().removeprefix("q=") if parameters.strip().startswith("q=") else "1"
        try:
            if float(quality) > 0:
                accepted.add(coding.strip().lower())
        except ValueError:
            continue
    return accepted


class SiteRequestHandler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, **MIME_TYPES}

    def send_response(self, code, message=None):
        self.status_code = code
        super().send_response(code, message)

    def end_headers(self):
        if getattr(self, "status_code", None) in (200, 304) and CONTENT_ADDRESSED_PATH.match(self.path):
            self.send_header("Cache-Control", IMMUTABLE)
        else:
            # Revalidate on every load, so a rebuilt site is never mixed with cached files of the old one.
            self.send_header("Cache-Control", "no-cache")
        if getattr(self, "vary_on_encoding", False):
            self.send_header("Vary", "Accept-Encoding")
        # Servers made by make_server set both attributes; another server using this handler gets neither header.
        policy = self.server.content_security_policy() if hasattr(self.server, "content_security_policy") else None
        if policy:
            # frame-ancestors works only in a header, not in the <meta> tag.
            self.send_header("Content-Security-Policy", policy + "; frame-ancestors 'none'")
        if getattr(self.server, "isolated", False):
            for name, value in ISOLATION_HEADERS.items():
                self.send_header(name, value)
        super().end_headers()

    def list_directory(self, path):
        # A site has no folder listings; the folders hold only files the page requests by name.
        self.send_error(404, "File not found")
        return None

    def send_head(self):
        """Send a precompressed copy (FILE.br, FILE.gz) when one exists and the browser accepts it."""
        # One handler serves every request of a kept-alive connection, so per-response state is reset here.
        self.vary_on_encoding = False
        if "\x00" in urllib.parse.unquote(self.path):
            # os.stat raises ValueError on a NUL byte; such a path names no file.
            self.send_error(404, "File not found")
            return None
        path = self.translate_path(self.path)
        if os.path.isdir(path) and self.path.split("?", 1)[0].endswith("/"):
            path = os.path.join(path, "index.html")
        if not os.path.isfile(path):
            return super().send_head()
        # A copy older than its file is stale (the file was edited after the build), so it is not sent.
        modified = os.stat(path).st_mtime
        copies = [(coding, path + suffix) for coding, suffix in ENCODINGS
                  if os.path.isfile(path + suffix) and os.stat(path + suffix).st_mtime >= modified]
        if not copies:
            return super().send_head()
        accepted = accepted_encodings(self.headers.get("Accept-Encoding"))
        for coding, copy_path in copies:
            if coding in accepted:
                return self.send_compressed(path, coding, copy_path)
        self.vary_on_encoding = True
        return super().send_head()

    def send_compressed(self, path, coding, copy_path):
        stat = os.stat(path)
        if self.not_modified_since(stat.st_mtime):
            self.send_response(304)
            self.send_header("Vary", "Accept-Encoding")
            self.end_headers()
            return None
        file = open(copy_path, "rb")
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(path))
        self.send_header("Content-Encoding", coding)
        self.send_header("Content-Length", str(os.fstat(file.fileno()).st_size))
        self.send_header("Last-Modified", self.date_time_string(stat.st_mtime))
        self.send_header("Vary", "Accept-Encoding")
        self.end_headers()
        return file

    def not_modified_since(self, mtime):
        header = self.headers.get("If-Modified-Since")
        if not header or self.headers.get("If-None-Match"):
            return False
        try:
            since = email.utils.parsedate_to_datetime(header)
        except (TypeError, ValueError, IndexError, OverflowError):
            return False
        return since is not None and since.timestamp() >= int(mtime)

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
