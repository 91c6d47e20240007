// Boot Pyodide in Node.js, import the standard-library modules the harness
// uses, and write Pyodide's memory snapshot, so the browser can restore a
// booted interpreter instead of initialising one.
//
//   node make_snapshot.mjs PYODIDE_DIR OUT_FILE MODULE...
//
// The snapshot is the interpreter's WebAssembly memory and is valid only for
// the pyodide.asm.wasm it was made with: Pyodide 0.27.7 checks its BUILD_ID on
// load. It holds no package with shared libraries (numpy), because those live
// outside that memory; the worker loads them after restoring.
import { createRequire } from "node:module";
import fs from "node:fs";
import path from "node:path";

const [pyodideDir, outFile, ...modules] = process.argv.slice(2);
if (!pyodideDir || !outFile) {
  console.error("usage: node make_snapshot.mjs PYODIDE_DIR OUT_FILE MODULE...");
  process.exit(2);
}

const require = createRequire(import.meta.url);
const { loadPyodide } = require(path.resolve(pyodideDir, "pyodide.js"));
const pyodide = await loadPyodide({ indexURL: path.resolve(pyodideDir) + "/", _makeSnapshot: true });
for (const name of modules) {
  if (!/^[A-Za-z_][A-Za-z0-9_.]*$/.test(name)) {
    console.error(`invalid module name ${JSON.stringify(name)}`);
    process.exit(2);
  }
  pyodide.runPython(`import ${name}`);
}
const snapshot = pyodide.makeMemorySnapshot();
fs.writeFileSync(outFile, snapshot);
