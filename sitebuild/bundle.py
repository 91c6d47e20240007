"""Bundle the page's editor (CodeMirror 6) into one script with esbuild.

The npm packages are pinned by web/editor/package-lock.json and installed with
`npm ci` into web/editor/node_modules. The bundle is cached in the asset cache
under a key made of the lock file, package.json and the entry file, so a build
whose inputs did not change runs neither npm nor esbuild.
"""

import gzip
import hashlib
import json
import shutil
import subprocess
from pathlib import Path

from sitebuild import assets

ROOT = Path(__file__).resolve().parent.parent
EDITOR_DIR = ROOT / "web" / "editor"
ENTRY = "editor.js"
BUNDLE_NAME = "editor.bundle.js"
LICENSES_NAME = "editor.bundle.licenses.txt"
# Every file whose content changes the bundle.
KEY_INPUTS = ["package.json", "package-lock.json", ENTRY]
# The bundle must run in every browser that runs Pyodide 0.27 in a worker.
ESBUILD_TARGET = "es2020"
NPM_TIMEOUT_S = 600


class BundleError(Exception):
    """npm or esbuild failed, or an input of the bundle is missing."""


def bundle_key():
    """Return the sha256 of the bundle's inputs, which names its cache folder."""
    digest = hashlib.sha256()
    for name in KEY_INPUTS:
        path = EDITOR_DIR / name
        if not path.is_file():
            raise BundleError(f"Missing {path.relative_to(ROOT)}; restore it with git checkout and build again.")
        digest.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def run_tool(command, what):
    try:
        completed = subprocess.run(command, cwd=EDITOR_DIR, capture_output=True, text=True, timeout=NPM_TIMEOUT_S)
    except FileNotFoundError:
        raise BundleError(f"{command[0]} was not found; install Node.js and npm (./run does it with apt-get).") from None
    if completed.returncode != 0:
        raise BundleError(f"{what} failed with exit status {completed.returncode}:\n{completed.stderr[-3000:]}")


def install_packages(log):
    """Run `npm ci` unless node_modules was installed from the same lock file."""
    lock_digest = hashlib.sha256((EDITOR_DIR / "package-lock.json").read_bytes()).hexdigest()
    stamp = EDITOR_DIR / "node_modules" / ".package-lock.sha256"
    if stamp.is_file() and stamp.read_text().strip() == lock_digest:
        return
    log("Installing the editor's npm packages (npm ci)")
    run_tool(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], "npm ci in web/editor")
    stamp.write_text(lock_digest + "\n")


def package_of(input_path):
    """Return the npm package name of a bundled file, such as @codemirror/view."""
    parts = Path(input_path).parts
    if "node_modules" not in parts:
        return "(this project)"
    rest = parts[len(parts) - parts[::-1].index("node_modules"):]
    return "/".join(rest[:2]) if rest[0].startswith("@") else rest[0]


def collect_licenses(metafile, out_path):
    """Write the license text of every npm package in the bundle, which their MIT licenses require."""
    packages = sorted({package_of(name) for name in metafile["inputs"]} - {"(this project)"})
    sections = []
    for package in packages:
        folder = EDITOR_DIR / "node_modules" / package
        license_files = sorted(folder.glob("LICENSE*"))
        version = json.loads((folder / "package.json").read_text(encoding="utf-8"))["version"]
        text = license_files[0].read_text(encoding="utf-8").strip() if license_files else "(no license file in the package)"
        sections.append(f"{package} {version}\n\n{text}\n")
    out_path.write_text(("\n" + "-" * 72 + "\n\n").join(sections), encoding="utf-8")


def run_esbuild(out_dir):
    bundle = out_dir / BUNDLE_NAME
    metafile = out_dir / "meta.json"
    run_tool([
        str(EDITOR_DIR / "node_modules" / ".bin" / "esbuild"), ENTRY,
        "--bundle", "--minify", "--format=iife", f"--target={ESBUILD_TARGET}",
        "--legal-comments=none", f"--metafile={metafile}", f"--outfile={bundle}",
    ], "esbuild")
    collect_licenses(json.loads(metafile.read_text(encoding="utf-8")), out_dir / LICENSES_NAME)


def ensure_bundle(log=print):
    """Build the editor bundle when its inputs changed, and return the folder that contains it."""
    key = bundle_key()
    folder = assets.cache_dir() / "editor-bundle" / key
    if (folder / BUNDLE_NAME).is_file() and (folder / LICENSES_NAME).is_file():
        return folder

    install_packages(log)
    log("Bundling the editor with esbuild")
    staging = folder.with_name(key + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    run_esbuild(staging)
    shutil.rmtree(folder, ignore_errors=True)
    staging.rename(folder)
    return folder


def size_report(folder):
    """Return the bundle's bytes, raw and gzip-compressed, and the raw bytes each npm package adds."""
    data = (folder / BUNDLE_NAME).read_bytes()
    metafile = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    per_package = {}
    for output in metafile["outputs"].values():
        for name, entry in output["inputs"].items():
            package = package_of(name)
            per_package[package] = per_package.get(package, 0) + entry["bytesInOutput"]
    return {"raw": len(data), "gzip": len(gzip.compress(data, 9)), "packages": per_package}
