"""Check the delivery options: content-hashed folder, snapshot, service worker, compressed copies and their serving."""

import base64
import gzip
import http.client
import json
import re
import shutil
import threading
import zipfile

import brotli
import pytest

from sitebuild import delivery, server, site


@pytest.fixture(scope="module")
def built_site(tmp_path_factory):
    out = tmp_path_factory.mktemp("delivery") / "dist"
    site.build_site(out, log=lambda message: None)
    return out


@pytest.fixture(scope="module")
def site_server(built_site):
    httpd = server.make_server(built_site, port=0, verbose=False)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def page_config(built_site):
    page = (built_site / "index.html").read_text(encoding="utf-8")
    match = re.search(r'<script type="application/json" id="exercise-config">(.*?)</script>', page, re.S)
    return json.loads(match.group(1))


def pyodide_dir(built_site):
    folders = [path for path in built_site.iterdir() if path.is_dir() and path.name.startswith("pyodide")]
    assert len(folders) == 1, f"expected one Pyodide folder in {built_site}, found {folders}"
    return folders[0]


def fetch(httpd, path, accept_encoding=None):
    host, port = httpd.server_address[:2]
    connection = http.client.HTTPConnection(host, port, timeout=30)
    headers = {"Accept-Encoding": accept_encoding} if accept_encoding is not None else {}
    connection.request("GET", path, headers=headers)
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return response, body


def test_folder_named_by_hash(built_site):
    folder = pyodide_dir(built_site)
    assert re.fullmatch(r"pyodide-[0-9a-f]{16}", folder.name), folder.name
    assert page_config(built_site)["pyodide"]["indexURL"] == folder.name + "/"


def test_folder_hash_stable(built_site, tmp_path):
    again = tmp_path / "dist"
    site.build_site(again, log=lambda message: None)
    assert pyodide_dir(again).name == pyodide_dir(built_site).name


def test_snapshot_in_config(built_site):
    snapshot = page_config(built_site)["delivery"]["snapshot"]
    folder = pyodide_dir(built_site)
    assert snapshot["url"] == f"{folder.name}/{delivery.SNAPSHOT_FILE}"
    assert snapshot["integrity"] == delivery.integrity_of(folder / delivery.SNAPSHOT_FILE)


def test_prefetch_lists_downloads(built_site):
    prefetch = page_config(built_site)["delivery"]["prefetch"]
    names = sorted(url.rsplit("/", 1)[1] for url in prefetch)
    assert len(names) == 3, prefetch
    assert names[0].startswith("lr_range_runner-"), names
    assert names[1].startswith("numpy-2.0.2-"), names
    assert names[2] == delivery.BYTECODE_FILE, names
    for url in prefetch:
        assert (built_site / url).is_file(), url


def test_wheels_have_lock_integrity(built_site):
    wheels = page_config(built_site)["delivery"]["wheels"]
    lock = json.loads((pyodide_dir(built_site) / "pyodide-lock.json").read_text(encoding="utf-8"))
    expected = {entry["file_name"]: entry["sha256"] for entry in lock["packages"].values()}
    assert len(wheels) == len(expected)
    for wheel in wheels:
        name = wheel["url"].rsplit("/", 1)[1]
        digest = base64.b64decode(wheel["integrity"].removeprefix("sha256-")).hex()
        assert digest == expected[name], name
        assert wheel["integrity"] == delivery.integrity_of(pyodide_dir(built_site) / name), name


def test_bytecode_covers_numpy(built_site):
    with zipfile.ZipFile(pyodide_dir(built_site) / delivery.BYTECODE_FILE) as archive:
        names = archive.namelist()
    assert "lib/python3.12/site-packages/numpy/__pycache__/__init__.cpython-312.pyc" in names
    assert all(name.endswith(".cpython-312.pyc") for name in names), names


def test_service_worker_precache(built_site):
    source = (built_site / "sw.js").read_text(encoding="utf-8")
    precache = json.loads(re.search(r"const PRECACHE = (\[.*?\]);", source).group(1))
    folder = pyodide_dir(built_site).name
    assert "./" in precache
    assert f"{folder}/pyodide.asm.wasm" in precache
    assert f"{folder}/snapshot.bin" in precache
    assert not [name for name in precache if name.endswith((".br", ".gz"))], precache
    assert "__PRECACHE__" not in source


def test_compressed_copies_match(built_site):
    wasm = pyodide_dir(built_site) / "pyodide.asm.wasm"
    original = wasm.read_bytes()
    assert brotli.decompress(wasm.with_name(wasm.name + ".br").read_bytes()) == original
    assert gzip.decompress(wasm.with_name(wasm.name + ".gz").read_bytes()) == original


def test_cdn_build_has_no_options(tmp_path):
    out = tmp_path / "dist"
    site.build_site(out, cdn_base_url="https://cdn.example.invalid/pyodide/v0.27.7/full/", log=lambda message: None)
    config = page_config(out)["delivery"]
    assert config == {"prefetch": [], "snapshot": None, "bytecode": None, "wheels": [], "serviceWorker": None}
    assert not (out / "sw.js").exists()


def test_all_off_build(tmp_path):
    out = tmp_path / "dist"
    site.build_site(out, log=lambda message: None, delivery_options=delivery.Delivery.all_off())
    assert (out / "pyodide" / "pyodide.asm.wasm").is_file()
    assert not list(out.rglob("*.br"))
    assert not (out / "pyodide" / delivery.SNAPSHOT_FILE).exists()


def test_server_sends_brotli(built_site, site_server):
    path = f"/{pyodide_dir(built_site).name}/pyodide.asm.js"
    response, body = fetch(site_server, path, "gzip, deflate, br")
    assert response.status == 200
    assert response.getheader("Content-Encoding") == "br"
    assert response.getheader("Vary") == "Accept-Encoding"
    assert response.getheader("Content-Type") == "text/javascript"
    assert brotli.decompress(body) == (pyodide_dir(built_site) / "pyodide.asm.js").read_bytes()


def test_server_sends_gzip(built_site, site_server):
    response, body = fetch(site_server, "/app.js", "gzip")
    assert response.getheader("Content-Encoding") == "gzip"
    assert gzip.decompress(body) == (built_site / "app.js").read_bytes()


def test_server_sends_identity(built_site, site_server):
    response, body = fetch(site_server, "/app.js", "br;q=0, gzip;q=0")
    assert response.getheader("Content-Encoding") is None
    assert response.getheader("Vary") == "Accept-Encoding"
    assert body == (built_site / "app.js").read_bytes()


def test_server_compresses_index(site_server):
    response, body = fetch(site_server, "/", "br")
    assert response.getheader("Content-Encoding") == "br"
    assert b"exercise-config" in brotli.decompress(body)


def test_stale_copy_not_sent(built_site, tmp_path):
    out = tmp_path / "dist"
    shutil.copytree(built_site, out)
    edited = (out / "app.js").read_text(encoding="utf-8") + "\n// edited after the build\n"
    (out / "app.js").write_text(edited, encoding="utf-8")
    httpd = server.make_server(out, port=0, verbose=False)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        response, body = fetch(httpd, "/app.js", "br, gzip")
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert response.getheader("Content-Encoding") is None
    assert body.decode("utf-8") == edited


def test_hashed_folder_immutable(built_site, site_server):
    response, _ = fetch(site_server, f"/{pyodide_dir(built_site).name}/pyodide.js", "br")
    assert response.getheader("Cache-Control") == server.IMMUTABLE


def test_page_revalidated(site_server):
    response, _ = fetch(site_server, "/index.html", "br")
    assert response.getheader("Cache-Control") == "no-cache"


def test_missing_hashed_file_not_cached(built_site, site_server):
    response, _ = fetch(site_server, f"/{pyodide_dir(built_site).name}/missing.js")
    assert response.status == 404
    assert response.getheader("Cache-Control") == "no-cache"


@pytest.mark.parametrize("header, expected", [
    ("gzip, deflate, br, zstd", {"gzip", "deflate", "br", "zstd"}),
    ("br;q=0, gzip;q=0.5", {"gzip"}),
    ("", set()),
    ("gzip;q=bad", set()),
])
def test_accepted_encodings(header, expected):
    assert server.accepted_encodings(header) == expected
