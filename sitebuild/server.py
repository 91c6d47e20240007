"""Serve a built site on the loopback interface with the MIME types Pyodide needs."""

import functools
import http.server
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


class SiteRequestHandler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, **MIME_TYPES}

    def end_headers(self):
        # Revalidate on every load, so a rebuilt site is never mixed with cached files of the old one.
        self.send_header("Cache-Control", "no-cache")
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


def make_server(directory, port=8000, verbose=True):
    """Return an HTTP server for `directory` on 127.0.0.1:`port` (0 picks a free port)."""
    handler = functools.partial(SiteRequestHandler, directory=str(directory))
    server = SiteServer((HOST, port), handler)
    server.verbose = verbose
    return server


def site_url(server):
    host, port = server.server_address[:2]
    return f"http://{host}:{port}/"
