"""Serve a built site on the loopback interface with the MIME types Pyodide needs."""

import email.utils
import functools
import http.server
import os
import re
import sys

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
        super().end_headers()

    def send_head(self):
        """Send a precompressed copy (FILE.br, FILE.gz) when one exists and the browser accepts it."""
        # One handler serves every request of a kept-alive connection, so per-response state is reset here.
        self.vary_on_encoding = False
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


def make_server(directory, port=8000, verbose=True):
    """Return an HTTP server for `directory` on 127.0.0.1:`port` (0 picks a free port)."""
    handler = functools.partial(SiteRequestHandler, directory=str(directory))
    server = SiteServer((HOST, port), handler)
    server.verbose = verbose
    return server


def site_url(server):
    host, port = server.server_address[:2]
    return f"http://{host}:{port}/"
