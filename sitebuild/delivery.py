"""Delivery options: how the built site gets its files to the browser fast.

Each option is one way to load faster and can be turned off on its own, so
bench/run.py can measure what each pays (docs/benchmarks.md):

- prefetch: the worker starts downloading the numpy and harness wheels while
  the interpreter boots, instead of after it;
- hashed_assets: the Pyodide folder is named after a hash of its content, so
  the server can mark it immutable and a repeat visit sends no request for it;
- service_worker: sw.js caches the whole site after the first load, so a
  repeat visit, and an offline one, loads from that cache;
- precompress: .gz and .br copies of every compressible file, which the
  built-in server sends to browsers that accept them;
- snapshot: Pyodide's memory snapshot of a booted interpreter, made at build
  time in Node.js, which the worker restores instead of initialising Python;
- bytecode: the .pyc files of the numpy modules that `import numpy` loads,
  made at build time in Node.js; the numpy wheel ships only sources;
- unpack_wheels: the worker unpacks the numpy and harness wheels itself
  instead of calling loadPackage, which compiles all 19 of numpy's shared
  libraries up front; unpacked, Python compiles only the ones it imports
  (7 for `import numpy`: no numpy.random, numpy.fft or numpy._simd).

Only a self-hosted build uses them; with a CDN base URL every option is off.
"""

import base64
import dataclasses
import gzip
import hashlib
import json
import shutil
import subprocess
from pathlib import Path

import brotli

from sitebuild import assets

ROOT = Path(__file__).resolve().parent.parent
SNAPSHOT_SCRIPT = Path(__file__).resolve().parent / "make_snapshot.mjs"
SERVICE_WORKER_TEMPLATE = ROOT / "web" / "sw.js"
SNAPSHOT_FILE = "snapshot.bin"
BYTECODE_SCRIPT = Path(__file__).resolve().parent / "make_pycache.mjs"
BYTECODE_FILE = "numpy-pycache.zip"

# Standard-library modules that the harness imports; the snapshot holds them
# imported, so the worker does not import them again. numpy cannot be in it
# (see make_snapshot.mjs).
SNAPSHOT_MODULES = ["contextlib", "io", "json", "linecache", "time", "traceback", "types"]

# Seconds that one Node.js build script may take. Making the snapshot or the
# bytecode took about 2 s on a 2-core machine, so the limit only stops a hung run.
NODE_SCRIPT_TIMEOUT_S = 300

# A folder named NAME-<16 hex digits> holds content-addressed files; the server
# marks everything under it immutable (server.py relies on this pattern).
HASH_LENGTH = 16

# Compressed copies are kept only when they save at least this share of the
# file, so already-compressed wheels are sent as they are.
MIN_SAVING = 0.05
COMPRESSIBLE_SUFFIXES = {".html", ".js", ".mjs", ".css", ".json", ".wasm", ".zip", ".bin", ".whl"}


class DeliveryError(Exception):
    """A delivery step failed; the message says which and how to fix it."""


@dataclasses.dataclass(frozen=True)
class Delivery:
    prefetch: bool = True
    hashed_assets: bool = True
    service_worker: bool = True
    precompress: bool = True
    snapshot: bool = True
    bytecode: bool = True
    unpack_wheels: bool = True

    @classmethod
    def all_off(cls):
        return cls(**{field.name: False for field in dataclasses.fields(cls)})

    @classmethod
    def only(cls, name):
        """Return options with only the option `name` on."""
        return dataclasses.replace(cls.all_off(), **{name: True})


def integrity_of(path):
    """Return the Subresource Integrity value (sha256-BASE64) of a file."""
    digest = hashlib.sha256(path.read_bytes()).digest()
    return "sha256-" + base64.b64encode(digest).decode("ascii")


def snapshot_key(pyodide_dir):
    """Hash what a snapshot depends on: the wasm binary, the standard library, the script and the module list."""
    digest = hashlib.sha256()
    digest.update(assets.sha256_of(pyodide_dir / "pyodide.asm.wasm").encode())
    # The snapshot's zipimport state describes this zip, which the worker loads again.
    digest.update(assets.sha256_of(pyodide_dir / "python_stdlib.zip").encode())
    digest.update(SNAPSHOT_SCRIPT.read_bytes())
    digest.update(" ".join(SNAPSHOT_MODULES).encode())
    return digest.hexdigest()[:HASH_LENGTH]


def add_snapshot(pyodide_dir, log):
    """Copy a memory snapshot into pyodide_dir, making it first unless the asset cache has it.

    Two snapshots of the same interpreter differ in a few thousand bytes (hash
    seeds, timestamps), so reusing one keeps the site's content hash, and the
    learners' caches, stable across builds.
    """
    cached = assets.cache_dir() / "snapshots" / f"snapshot-{snapshot_key(pyodide_dir)}.bin"
    if not cached.is_file():
        cached.parent.mkdir(parents=True, exist_ok=True)
        partial = cached.with_suffix(".partial")
        make_snapshot(pyodide_dir, partial, log)
        partial.rename(cached)
    shutil.copy2(cached, pyodide_dir / SNAPSHOT_FILE)


def make_snapshot(pyodide_dir, out, log):
    """Write a memory snapshot to `out` with Node.js; raise DeliveryError when that fails."""
    run_node_script("the memory snapshot", [str(SNAPSHOT_SCRIPT), str(pyodide_dir), str(out), *SNAPSHOT_MODULES], out)
    log(f"Made a Pyodide memory snapshot ({out.stat().st_size / 1e6:.1f} MB before compression)")


def run_node_script(what, arguments, out):
    """Run a build script with Node.js that must write `out`; raise DeliveryError when it fails."""
    node = shutil.which("node")
    if node is None:
        raise DeliveryError(f"node was not found on PATH, and {what} is made with Node.js. "
                            "Install Node.js 18 or newer, or build with that delivery option off.")
    command = [node, *arguments]
    try:
        completed = subprocess.run(command, capture_output=True, text=True, timeout=NODE_SCRIPT_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        raise DeliveryError(f"Making {what} timed out after {NODE_SCRIPT_TIMEOUT_S} s: {' '.join(command)}") from None
    if completed.returncode != 0 or not out.is_file():
        raise DeliveryError(f"Making {what} failed with exit status {completed.returncode}: "
                            f"{' '.join(command)}\n{completed.stderr[-2000:]}")


def add_bytecode(pyodide_dir, log):
    """Copy numpy's bytecode zip into pyodide_dir, making it first unless the asset cache has it for this numpy wheel."""
    lock = json.loads((pyodide_dir / "pyodide-lock.json").read_text(encoding="utf-8"))
    digest = hashlib.sha256(lock["packages"]["numpy"]["sha256"].encode() + BYTECODE_SCRIPT.read_bytes())
    cached = assets.cache_dir() / "bytecode" / f"numpy-pycache-{digest.hexdigest()[:HASH_LENGTH]}.zip"
    if not cached.is_file():
        cached.parent.mkdir(parents=True, exist_ok=True)
        partial = cached.with_suffix(".partial")
        run_node_script("numpy's bytecode", [str(BYTECODE_SCRIPT), str(pyodide_dir), str(partial)], partial)
        partial.rename(cached)
        log(f"Compiled numpy's imported modules to bytecode ({cached.stat().st_size / 1e6:.1f} MB)")
    shutil.copy2(cached, pyodide_dir / BYTECODE_FILE)


def content_hash(folder):
    """Hash the names and contents of every file in `folder`; return the first HASH_LENGTH hex digits."""
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()[:HASH_LENGTH]


def prepare_assets(staging, pyodide_config, options, log=print):
    """Apply the options that change the Pyodide folder; return the page's delivery config.

    May rename staging/pyodide and so change pyodide_config["indexURL"] in place.
    """
    config = {"prefetch": [], "snapshot": None, "bytecode": None, "wheels": [], "serviceWorker": None}
    if not pyodide_config["selfHosted"]:
        return config

    pyodide_dir = staging / "pyodide"
    if options.snapshot:
        add_snapshot(pyodide_dir, log)
    if options.bytecode:
        add_bytecode(pyodide_dir, log)
    if options.hashed_assets:
        hashed = staging / f"pyodide-{content_hash(pyodide_dir)}"
        pyodide_dir.rename(hashed)
        pyodide_dir = hashed
        pyodide_config["indexURL"] = f"{hashed.name}/"

    index_url = pyodide_config["indexURL"]
    if options.snapshot:
        config["snapshot"] = {"url": index_url + SNAPSHOT_FILE, "integrity": integrity_of(pyodide_dir / SNAPSHOT_FILE)}
    if options.bytecode:
        config["bytecode"] = {"url": index_url + BYTECODE_FILE, "integrity": integrity_of(pyodide_dir / BYTECODE_FILE)}
    lock = json.loads((pyodide_dir / "pyodide-lock.json").read_text(encoding="utf-8"))
    entries = sorted(lock["packages"].values(), key=lambda entry: entry["name"])
    if options.unpack_wheels:
        # Subresource Integrity values of the lock's sha256, so the browser checks each wheel as loadPackage would.
        config["wheels"] = [
            {"url": index_url + entry["file_name"], "integrity": "sha256-" + base64.b64encode(bytes.fromhex(entry["sha256"])).decode("ascii")}
            for entry in entries
        ]
    if options.prefetch:
        config["prefetch"] = [index_url + entry["file_name"] for entry in entries]
        if options.bytecode:
            config["prefetch"].append(config["bytecode"]["url"])
    if options.service_worker:
        config["serviceWorker"] = "sw.js"
    return config


def site_files(staging):
    """Return every file of the site as a URL path relative to the site root, sorted."""
    return sorted(path.relative_to(staging).as_posix() for path in staging.rglob("*") if path.is_file())


def write_service_worker(staging):
    """Write sw.js with the list of files to cache and a version that changes with any of them."""
    files = [name for name in site_files(staging) if name != "sw.js"]
    digest = hashlib.sha256()
    for name in files:
        digest.update(name.encode() + b"\0" + hashlib.sha256((staging / name).read_bytes()).digest())
    # "./" is the page itself, as a navigation requests it.
    precache = ["./", *files]
    source = SERVICE_WORKER_TEMPLATE.read_text(encoding="utf-8")
    for placeholder, value in [("__SITE_VERSION__", json.dumps(digest.hexdigest()[:HASH_LENGTH])),
                               ("__PRECACHE__", json.dumps(precache))]:
        if placeholder not in source:
            raise DeliveryError(f"{SERVICE_WORKER_TEMPLATE} has no placeholder {placeholder}.")
        source = source.replace(placeholder, value)
    (staging / "sw.js").write_text(source, encoding="utf-8")


COMPRESSORS = {
    ".gz": lambda data: gzip.compress(data, compresslevel=9, mtime=0),
    # Quality 11 with a 16 MiB window is brotli's densest setting; it takes about
    # 20 s for the 10 MB wasm binary, hence the cache below.
    ".br": lambda data: brotli.compress(data, quality=11, lgwin=24),
}


def compressed_copy(data, suffix):
    """Return `data` compressed for `suffix`, from the asset cache when the same content was compressed before."""
    cached = assets.cache_dir() / "compressed" / (hashlib.sha256(data).hexdigest() + suffix)
    if cached.is_file():
        return cached.read_bytes()
    compressed = COMPRESSORS[suffix](data)
    cached.parent.mkdir(parents=True, exist_ok=True)
    partial = cached.with_name(cached.name + ".partial")
    partial.write_bytes(compressed)
    partial.rename(cached)
    return compressed


def write_compressed_copies(staging, log):
    """Write FILE.gz and FILE.br next to each compressible FILE where they save at least MIN_SAVING."""
    original_total = sent_total = 0
    for name in site_files(staging):
        path = staging / name
        if path.suffix not in COMPRESSIBLE_SUFFIXES:
            continue
        data = path.read_bytes()
        original_total += len(data)
        best = len(data)
        for suffix in COMPRESSORS:
            compressed = compressed_copy(data, suffix)
            if len(compressed) <= len(data) * (1 - MIN_SAVING):
                path.with_name(path.name + suffix).write_bytes(compressed)
                best = min(best, len(compressed))
        sent_total += best
    log(f"Wrote compressed copies: {original_total / 1e6:.1f} MB of compressible files send as {sent_total / 1e6:.1f} MB with brotli")


def finish(staging, options, log=print):
    """Write the files that depend on the finished site: sw.js, then compressed copies of everything."""
    if options.service_worker and (staging / "index.html").is_file() and any(staging.glob("pyodide*/pyodide.asm.wasm")):
        write_service_worker(staging)
    if options.precompress:
        write_compressed_copies(staging, log)
