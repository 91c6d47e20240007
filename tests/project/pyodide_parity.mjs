// Run the hidden tests in real Pyodide under Node.js against many implementations,
// with one Pyodide boot for all of them, and print the harness verdicts as JSON.
//
// Usage: node pyodide_parity.mjs MANIFEST.json
//
// The manifest is a JSON object:
//   assetDir:        folder with pyodide.js, pyodide.asm.js, pyodide.asm.wasm,
//                    python_stdlib.zip, pyodide-lock.json and the numpy wheel that
//                    the lock names, so loadPackage reads numpy from disk
//   runnerDir:       web/runner/lr_range_runner, whose .py files are copied in
//   tests:           path of tests/hidden/test_suggest_lr.py
//   implementations: [{name, path}], each a .py file that defines suggest_lr
//
// stdout gets exactly one JSON object:
//   {pyodide, python, numpy, results: {name: {outcome, tests: {test_name: status}}}}
// where status is the harness's passed, failed, error or not-run. Everything that
// Pyodide prints goes to stderr, so it cannot corrupt the JSON.

import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

// Python runs inside Pyodide with these files mounted under PACKAGE_DIR, the same
// package layout that build.py gives the browser (harness plus hidden_tests).
const ROOT_DIR = "/parity";
const PACKAGE_DIR = `${ROOT_DIR}/lr_range_runner`;

const RUN_ALL = `
import json
import sys

import numpy

from lr_range_runner import harness, hidden_tests

results = {}
for item in json.loads(implementations_json):
    report = harness.run(item["source"], hidden_tests)
    results[item["name"]] = {
        "outcome": report["outcome"],
        "tests": {test["name"]: test["status"] for test in report["tests"]},
    }

json.dumps({"python": sys.version.split()[0], "numpy": numpy.__version__, "results": results})
`;

function writeToStderr(text) {
  process.stderr.write(`${text}\n`);
}

async function main() {
  const manifestPath = process.argv[2];
  if (!manifestPath) {
    throw new Error("missing argument: pass the path of a manifest JSON file");
  }
  const manifest = JSON.parse(readFileSync(manifestPath, "utf8"));
  const assetDir = path.resolve(manifest.assetDir);

  // pyodide.js is the UMD build of the npm package, loadable with require.
  const require = createRequire(import.meta.url);
  const { loadPyodide } = require(path.join(assetDir, "pyodide.js"));

  const pyodide = await loadPyodide({
    indexURL: assetDir + path.sep,
    stdout: writeToStderr,
    stderr: writeToStderr,
  });
  await pyodide.loadPackage("numpy", { messageCallback: writeToStderr, errorCallback: writeToStderr });

  pyodide.FS.mkdirTree(PACKAGE_DIR);
  for (const name of readdirSync(manifest.runnerDir).filter((file) => file.endsWith(".py"))) {
    pyodide.FS.writeFile(`${PACKAGE_DIR}/${name}`, readFileSync(path.join(manifest.runnerDir, name), "utf8"));
  }
  pyodide.FS.writeFile(`${PACKAGE_DIR}/hidden_tests.py`, readFileSync(manifest.tests, "utf8"));
  pyodide.runPython(`import sys; sys.path.insert(0, ${JSON.stringify(ROOT_DIR)})`);

  const implementations = manifest.implementations.map((item) => ({
    name: item.name,
    source: readFileSync(item.path, "utf8"),
  }));
  pyodide.globals.set("implementations_json", JSON.stringify(implementations));

  const report = JSON.parse(pyodide.runPython(RUN_ALL));
  report.pyodide = pyodide.version;
  process.stdout.write(JSON.stringify(report) + "\n");
}

main().catch((error) => {
  process.stderr.write(`pyodide_parity.mjs failed: ${error.stack || error}\n`);
  process.exit(1);
});
