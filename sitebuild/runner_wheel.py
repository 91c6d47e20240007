"""Package the harness and the hidden tests as a wheel and register it in pyodide-lock.json.

The worker then loads numpy and the runner with one `pyodide.loadPackage` call,
and Pyodide checks the sha256 of both wheels against the lock before installing.
"""

import base64
import hashlib
import json
import subprocess
import sys
import zipfile

PACKAGE = "lr_range_runner"
DISTRIBUTION = "lr-range-runner"

# A fixed timestamp makes the wheel, and so its hash in the lock, depend only on its content.
ZIP_TIMESTAMP = (2024, 1, 1, 0, 0, 0)


class LockError(Exception):
    """The runner could not be added to the lock file."""


def record_hash(data):
    digest = hashlib.sha256(data).digest()
    return "sha256=" + base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def build_runner_wheel(runner_dir, hidden_tests_file, version, out_dir):
    """Write `lr_range_runner-VERSION-py3-none-any.whl` into `out_dir` and return its path.

    The wheel holds the package in `runner_dir` plus the hidden tests as `lr_range_runner/hidden_tests.py`.
    """
    files = {}
    for path in sorted((runner_dir / PACKAGE).glob("*.py")):
        files[f"{PACKAGE}/{path.name}"] = path.read_bytes()
    files[f"{PACKAGE}/hidden_tests.py"] = hidden_tests_file.read_bytes()

    dist_info = f"{PACKAGE}-{version}.dist-info"
    files[f"{dist_info}/METADATA"] = (
        f"Metadata-Version: 2.1\nName: {DISTRIBUTION}\nVersion: {version}\n"
        "Summary: Harness and hidden tests of the learning-rate range test exercise\n"
        "Requires-Python: >=3.12\nRequires-Dist: numpy\n"
    ).encode()
    files[f"{dist_info}/WHEEL"] = b"Wheel-Version: 1.0\nGenerator: build.py\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    files[f"{dist_info}/top_level.txt"] = f"{PACKAGE}\n".encode()

    record_lines = [f"{name},{record_hash(data)},{len(data)}" for name, data in files.items()]
    record_lines.append(f"{dist_info}/RECORD,,")
    files[f"{dist_info}/RECORD"] = ("\n".join(record_lines) + "\n").encode()

    wheel_path = out_dir / f"{PACKAGE}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel_path, "w", compression=zipfile.ZIP_DEFLATED) as wheel:
        for name, data in files.items():
            info = zipfile.ZipInfo(name, date_time=ZIP_TIMESTAMP)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            wheel.writestr(info, data)
    return wheel_path


def add_runner_to_lock(full_lock, runner_wheel, keep, out_lock):
    """Register `runner_wheel` in a copy of `full_lock` with `pyodide lockfile add-wheels`.

    The written lock keeps only the packages in `keep`, the runner and their dependencies,
    so the served site lists nothing it does not serve.
    """
    added_lock = out_lock.with_name("pyodide-lock-added.json")
    command = [
        sys.executable, "-m", "pyodide_cli", "lockfile", "add-wheels",
        "--input", str(full_lock),
        "--output", str(added_lock),
        "--base-path", str(runner_wheel.parent),
        str(runner_wheel),
    ]
    # Run outside the project root: `python -m` puts the working folder first on sys.path,
    # and this project's build.py would shadow the `build` package that pyodide-build imports.
    completed = subprocess.run(command, capture_output=True, text=True, cwd=out_lock.parent)
    if completed.returncode != 0:
        raise LockError(
            "pyodide lockfile add-wheels failed (is pyodide-build installed? run the README's set-up command):\n"
            + completed.stdout[-2000:] + completed.stderr[-2000:]
        )

    lock = json.loads(added_lock.read_text(encoding="utf-8"))
    added_lock.unlink()

    # pyodide-lock 0.2 drops "version" from "info", but Pyodide 0.27.7 rejects a lock
    # without it ("Lock file version doesn't match Pyodide version"). The served lock
    # describes the same Pyodide build as the official one, so its info is kept whole.
    lock["info"] = json.loads(full_lock.read_text(encoding="utf-8"))["info"]
    packages = lock["packages"]

    wanted = set()
    pending = list(keep) + [DISTRIBUTION]
    while pending:
        name = pending.pop()
        if name in wanted:
            continue
        if name not in packages:
            raise LockError(f"The lock has no entry for {name!r}, which the page needs.")
        wanted.add(name)
        pending.extend(packages[name]["depends"])

    lock["packages"] = {name: packages[name] for name in sorted(wanted)}
    out_lock.write_text(json.dumps(lock, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return lock["packages"][DISTRIBUTION]
