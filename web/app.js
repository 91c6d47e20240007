// The page: it keeps the editor, runs the tests through runner-client.js and
// renders each report as text (never as HTML, since it contains learner output).
"use strict";

const STAGE_TEXT = {
  "load-runtime": "Loading the Python runtime (Pyodide)…",
  "load-packages": "Loading numpy and the test harness…",
  "import-tests": "Importing the hidden tests…",
};

// A report says "interrupted" without a Stop or time-out only when the code raised the runner's interrupt itself.
const INTERRUPTED_BY_CODE = { message: "Your code interrupted the test run itself, so no verdict is given.", traceback: "" };

const STATUS_TEXT = { passed: "passed", failed: "failed", error: "error", "not-run": "not run", running: "running…", pending: "not run" };

const config = JSON.parse(document.getElementById("exercise-config").textContent);
const editor = document.getElementById("editor");
const runButton = document.getElementById("run-tests");
const stopButton = document.getElementById("stop-run");
const runnerStatus = document.getElementById("runner-status");
const summary = document.getElementById("summary");
const codeError = document.getElementById("code-error");
const loadOutput = document.getElementById("load-output");

// Stored code is keyed by exercise and version, so a new version of the starter code is not mixed up with old code.
const storageKey = `lr-exercise:${config.exercise.slug}:v${config.exercise.version}:code`;

let runner = null;
let running = false;

function setRunnerStatus(state, text) {
  runnerStatus.dataset.state = state;
  runnerStatus.textContent = text;
}

function testItems() {
  return Array.from(document.querySelectorAll("#test-list .test"));
}

function showDetails(item, text) {
  const details = item.querySelector("[data-role=details]");
  details.textContent = text;
  details.hidden = text === "";
}

function setTestStatus(item, status) {
  item.dataset.status = status;
  item.querySelector("[data-role=verdict]").textContent = STATUS_TEXT[status] || status;
}

function showBlock(element, text) {
  element.textContent = text;
  element.hidden = text === "";
}

function renderReport(report) {
  const byName = new Map(report.tests.map((test) => [test.name, test]));
  for (const item of testItems()) {
    const test = byName.get(item.dataset.testName);
    if (!test) {
      setTestStatus(item, "not-run");
      showDetails(item, "");
      continue;
    }
    setTestStatus(item, test.status);
    const parts = [test.message, test.traceback, test.output ? `Output:\n${test.output}` : ""].filter((part) => part);
    showDetails(item, parts.join("\n\n"));
  }

  const error = report.outcome === "interrupted" ? INTERRUPTED_BY_CODE : report.code_error;
  showBlock(codeError, error ? [error.message, error.traceback].filter((part) => part).join("\n\n") : "");
  showBlock(loadOutput, report.output ? `Output while loading your code:\n${report.output}` : "");

  summary.dataset.state = error ? "code-error" : "done";
  summary.textContent = error ? `No test ran: ${report.summary.text}.` : `${report.summary.text}.`;
}

// A run stopped by the Stop button or the time limit: no test has a verdict.
function showStopped(outcome) {
  const text = outcome.kind === "timed-out" ? `timed out after ${outcome.seconds} s` : "stopped";
  for (const item of testItems()) {
    setTestStatus(item, "not-run");
    item.querySelector("[data-role=verdict]").textContent = text;
  }
  summary.dataset.state = outcome.kind;
  summary.textContent = outcome.kind === "timed-out"
    ? `Timed out after ${outcome.seconds} s: no verdict. Look for a loop that never ends, or make the code faster.`
    : "Stopped: no verdict.";
}

function showInternalError(error) {
  setRunnerStatus("internal-error", "Internal error of the test runner (not a problem in your code).");
  showBlock(codeError, `${error.stage ? `Stage: ${error.stage}\n` : ""}${error.message}\n\n` +
    `Please report this with the details below.\n${error.details || ""}\n${error.stack || ""}`);
  summary.dataset.state = "internal-error";
  summary.textContent = "The tests could not run because of an internal error of the runner.";
}

async function runTests() {
  if (!runner.ready || running) {
    return;
  }
  running = true;
  runButton.disabled = true;
  stopButton.disabled = false;
  setRunnerStatus("running", "Running the hidden tests…");
  for (const item of testItems()) {
    setTestStatus(item, "running");
    showDetails(item, "");
  }
  showBlock(codeError, "");
  showBlock(loadOutput, "");
  summary.dataset.state = "running";
  summary.textContent = "Running…";

  const outcome = await runner.run(editor.value);
  running = false;
  stopButton.disabled = true;
  runButton.disabled = !runner.ready;
  if (outcome.kind === "internal-error") {
    showInternalError(outcome.error);
    return;
  }
  if (outcome.kind === "report") {
    renderReport(outcome.report);
  } else {
    showStopped(outcome);
  }
  // Without ready, the worker is restarting and onReady sets the status.
  if (runner.ready) {
    setRunnerStatus("ready", "Ready.");
  }
}

function startRunner() {
  runner = new self.RunnerClient(config, {
    onProgress: (stage) => setRunnerStatus("loading", STAGE_TEXT[stage] || "Loading…"),
    onReady: (versions) => {
      runButton.disabled = running;
      setRunnerStatus("ready", `Ready: ${versions}.`);
    },
    onRestart: () => {
      runButton.disabled = true;
      setRunnerStatus("loading", "Restarting Python…");
    },
    onInternalError: (error) => {
      runButton.disabled = !runner.ready;
      showInternalError(error);
    },
  });
  runner.start();
}

function restoreCode() {
  try {
    const saved = localStorage.getItem(storageKey);
    if (saved !== null) {
      editor.value = saved;
    }
  } catch {
    // Storage can be disabled (private mode, blocked cookies); the editor then keeps the starter code.
  }
}

function saveCode() {
  try {
    localStorage.setItem(storageKey, editor.value);
  } catch {
    // Same as above: without storage the code lives only in the page.
  }
}

restoreCode();
editor.addEventListener("input", saveCode);
editor.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
    event.preventDefault();
    runTests();
  }
});
runButton.addEventListener("click", runTests);
stopButton.addEventListener("click", () => runner.stop("stopped"));
startRunner();
