"""Loopback servers for the benchmark, each counting the bytes it sends.

The product is served by the site's own handler (sitebuild/server.py), so its
cache headers and compressed copies are what a learner gets. The floor is
served by `PlainHandler`: a static server with the MIME types Pyodide needs,
Cache-Control: no-cache and no compression, which is how bare Pyodide is
self-hosted before any of the site's delivery work.
"""

import functools
import http.server
import threading

from sitebuild import server as site_server


class ByteCounter:
    """Bytes and responses sent by one server since the last `reset`, headers included."""

    def __init__(self):
        self.lock = threading.Lock()
        self.reset()

    def reset(self):
        with self.lock:
            self.bytes = 0
            self.paths = []

    def add(self, count):
        with self.lock:
            self.bytes += count

    def add_path(self, path):
        with self.lock:
            self.paths.append(path)

    def snapshot(self):
        with self.lock:
            return {"bytes": self.bytes, "requests": len(self.paths), "paths": list(self.paths)}


class CountingWriter:
    """Wrap a socket file and add every written byte to a ByteCounter."""

    def __init__(self, raw, counter):
        self.raw = raw
        self.counter = counter

    def write(self, data):
        written = self.raw.write(data)
        self.counter.add(len(data) if written is None else written)
        return written

    def __getattr__(self, name):
        return getattr(self.raw, name)


def counting(handler_class):
    """Return a subclass of `handler_class` that counts into `self.server.counter`."""

    class CountingHandler(handler_class):
        def setup(self):
            super().setup()
            self.wfile = CountingWriter(self.wfile, self.server.counter)

        def handle_one_request(self):
            super().handle_one_request()
            if getattr(self, "requestline", ""):
                self.server.counter.add_path(self.requestline)

        def log_message(self, format, *args):
            pass

    return CountingHandler


class PlainHandler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, **site_server.MIME_TYPES}

    def end_headers(self):
        self.send_header("Cache-Control", "no-cache")
        super().end_headers()


class BenchServer:
    """A threaded server on 127.0.0.1 with a free port, running in a daemon thread.

    `isolated` sets whether the site's handler sends the COOP and COEP headers.
    """

    def __init__(self, directory, handler_class, isolated=True):
        handler = functools.partial(counting(handler_class), directory=str(directory))
        self.httpd = http.server.ThreadingHTTPServer((site_server.HOST, 0), handler)
        self.httpd.daemon_threads = True
        self.httpd.verbose = False
        self.httpd.counter = ByteCounter()
        # The attributes that the site's handler reads from its server (see sitebuild/server.make_server).
        self.httpd.isolated = isolated
        self.httpd.content_security_policy = site_server.PolicyCache(directory)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def counter(self):
        return self.httpd.counter

    @property
    def url(self):
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}/"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc_info):
        self.httpd.shutdown()
        self.httpd.server_close()
