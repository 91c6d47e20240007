"""Serve a built site on the loopback interface with the MIME types Pyodide needs."""

import functools
import http.server

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


class SiteRequestHandler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, **MIME_TYPES}

    def end_headers(self):
        # Revalidate on every load, so a rebuilt site is never mixed with cached files of the old one.
        self.send_header("Cache-Control", "no-cache")
        super().end_headers()

    def log_message(self, format, *args):
        if self.server.verbose:
            super().log_message(format, *args)


def make_server(directory, port=8000, verbose=True):
    """Return an HTTP server for `directory` on 127.0.0.1:`port` (0 picks a free port)."""
    handler = functools.partial(SiteRequestHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer((HOST, port), handler)
    server.verbose = verbose
    return server


def site_url(server):
    host, port = server.server_address[:2]
    return f"http://{host}:{port}/"
