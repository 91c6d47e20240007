// Compile the Python modules that `import numpy` loads into bytecode, inside
// Pyodide in Node.js, and write them as a zip of __pycache__ files whose paths
// are relative to the root of Pyodide's file system, so the worker extracts
// it into "/". The numpy wheel ships only .py sources, so without these the
// browser compiles numpy's modules on every visit.
//
//   node make_pycache.mjs PYODIDE_DIR OUT_ZIP
//
// PYODIDE_DIR must hold a pyodide-lock.json with numpy and its wheel. The .pyc
// files use unchecked-hash invalidation (PEP 552): Python loads them without
// comparing them to the sources, so they are valid only for the exact numpy
// wheel they were made from; sitebuild/delivery.py keys them by its sha256.
import { createRequire } from "node:module";
import fs from "node:fs";
import path from "node:path";

const [pyodideDir, outFile] = process.argv.slice(2);
if (!pyodideDir || !outFile) {
  console.error("usage: node make_pycache.mjs PYODIDE_DIR OUT_ZIP");
  process.exit(2);
}

const require = createRequire(import.meta.url);
const { loadPyodide } = require(path.resolve(pyodideDir, "pyodide.js"));
const pyodide = await loadPyodide({ indexURL: path.resolve(pyodideDir) + "/" });
await pyodide.loadPackage(["numpy"], { messageCallback: () => {} });
const zipBytes = pyodide.runPython(`
import io
import os
import py_compile
import sys
import zipfile

import numpy

package_root = os.path.dirname(numpy.__file__)
buffer = io.BytesIO()
with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
    for name, module in sorted(sys.modules.items()):
        source = getattr(module, "__file__", None) or ""
        if not source.endswith(".py") or not source.startswith(package_root + os.sep):
            continue
        cached = py_compile.compile(source, invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH, doraise=True)
        info = zipfile.ZipInfo(os.path.relpath(cached, "/"), date_time=(2024, 1, 1, 0, 0, 0))
        with open(cached, "rb") as file:
            archive.writestr(info, file.read())
buffer.getvalue()
`);
fs.writeFileSync(outFile, zipBytes.toJs());
