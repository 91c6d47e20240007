"""Tests of the loopback server that `build.py serve` runs, against a real built site."""

import socket
import struct
import threading
import urllib.error
import urllib.request

import pytest

from sitebuild import server

# Content-Type of each kind of file the page loads. Pyodide streams the .wasm
# file, which browsers accept only as application/wasm.
# "pyodide/" stands for the built site's Pyodide folder, named pyodide-<content hash>.
CONTENT_TYPES = {
    "pyodide/pyodide.asm.wasm": "application/wasm",
    "pyodide/pyodide.js": "text/javascript",
    "worker.js": "text/javascript",
    "pyodide/pyodide-lock.json": "application/json",
}


def site_path(built_site, path):
    """Replace the leading "pyodide/" of `path` with the built site's Pyodide folder."""
    if not path.startswith("pyodide/"):
        return path
    folders = [folder.name for folder in built_site.glob("pyodide*") if folder.is_dir()]
    assert len(folders) == 1, f"expected one Pyodide folder in {built_site}, found {folders}"
    return folders[0] + path.removeprefix("pyodide")


@pytest.fixture(scope="module")
def running_server(built_site):
    httpd = server.make_server(built_site, 0, verbose=False)
    thread = threading.Thread(target=httpd.serve_forever, name="test-server", daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()
    thread.join()


@pytest.mark.parametrize("path", list(CONTENT_TYPES))
def test_content_type(built_site, running_server, path):
    # HEAD, so the test does not download the 10 MB .wasm file.
    request = urllib.request.Request(server.site_url(running_server) + site_path(built_site, path), method="HEAD")
    with urllib.request.urlopen(request, timeout=10) as response:
        status = response.status
        content_type = response.headers["Content-Type"]

    assert status == 200
    assert content_type == CONTENT_TYPES[path]


def test_binds_loopback_only(running_server):
    host, port = running_server.socket.getsockname()[:2]

    assert host == "127.0.0.1"

    # 127.0.0.2 is another loopback address, so this probe stays on this machine.
    # A server bound to every interface would accept it.
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.2", port), timeout=5).close()


def test_client_reset_not_logged(built_site, capfd):
    httpd = server.make_server(built_site, 0, verbose=False)
    thread = threading.Thread(target=httpd.serve_forever, name="reset-server", daemon=True)
    thread.start()

    with socket.create_connection(httpd.server_address[:2], timeout=10) as client:
        wasm_path = "/" + site_path(built_site, "pyodide/pyodide.asm.wasm")
        client.sendall(f"GET {wasm_path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
        assert client.recv(64).startswith(b"HTTP/1.0 200")
        # Linger 0 makes close() send a reset while the server is still writing the 10 MB body,
        # as a browser does when the learner reloads during loading.
        client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))

    httpd.shutdown()
    # server_close waits for the request threads, so the handler's error, if any, is printed by now.
    httpd.server_close()
    thread.join()

    assert "Traceback" not in capfd.readouterr().err


def head_status(url):
    """Return the HTTP status of a HEAD request for `url`."""
    request = urllib.request.Request(url, method="HEAD")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_folder_listing_not_found(built_site, running_server):
    folder = site_path(built_site, "pyodide/")

    assert head_status(server.site_url(running_server) + folder) == 404


def test_nul_byte_path_not_found(running_server):
    assert head_status(server.site_url(running_server) + "index.html%00.js") == 404


def test_site_root_serves_page(running_server):
    assert head_status(server.site_url(running_server)) == 200
