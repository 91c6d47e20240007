// The page: it sets up the editor, keeps the code in localStorage, shows the
// runner's loading progress, runs the tests through runner-client.js and hands
// each report to results.js. All learner output is set as text, never as HTML.
//
// For tests and scripts, window.lrEditor.getCode() and setCode(text) read and
// replace the code, whichever editor loaded.
"use strict";

const STAGES = {
  "load-runtime": { step: 1, text: "Downloading the Python runtime (Pyodide)" },
  "load-packages": { step: 2, text: "Loading numpy and the test harness" },
  "import-tests": { step: 3, text: "Importing the hidden tests" },
};
const STAGE_COUNT = 3;

const config = JSON.parse(document.getElementById("exercise-config").textContent);
const runButton = document.getElementById("run-tests");
const stopButton = document.getElementById("stop-run");
const runnerStatus = document.getElementById("runner-status");
const progress = document.getElementById("load-progress");
const progressBar = document.getElementById("load-progress-bar");
const progressText = document.getElementById("load-progress-text");
const retryButton = document.getElementById("retry-load");
const notice = document.getElementById("code-notice");

const results = new self.LrResults.ResultsView(
  document.getElementById("test-list"),
  document.getElementById("summary"),
  document.getElementById("code-error"),
  document.getElementById("load-output"),
  document.getElementById("stale-note"),
);
const store = self.LrCodeStore.create(config.exercise);
const solution = new self.LrSolution.SolutionTab(store, config.solution.afterFailedRuns);

let runner = null;
let running = false;
// True while another tab's newer code waits for the learner's choice; this tab does not save meanwhile.
let savingPaused = false;

function setRunnerStatus(state, text) {
  runnerStatus.dataset.state = state;
  runnerStatus.textContent = text;
}

// ---- Editor ----

// Return {getCode, setCode, focus} for CodeMirror, or for the plain text area when the bundle did not load.
function createEditor(container, code) {
  const handlers = { onChange: saveCode, onRun: runTests, onStop: requestStop };
  const fallback = container.querySelector("textarea");
  if (self.LrEditor) {
    fallback.remove();
    container.dataset.kind = "codemirror";
    return self.LrEditor.create(container, code, handlers, "Your code");
  }

  container.dataset.kind = "textarea";
  fallback.value = code;
  fallback.addEventListener("input", () => saveCode(fallback.value));
  fallback.addEventListener("keydown", (event) => {
    if ((event.ctrlKey || event.metaKey) && event.key === "Enter") {
      event.preventDefault();
      runTests();
    } else if ((event.ctrlKey || event.metaKey) && event.key === ".") {
      event.preventDefault();
      requestStop();
    }
  });
  return {
    kind: "textarea",
    getCode: () => fallback.value,
    setCode(text) {
      fallback.value = text;
      saveCode(text);
    },
    focus: () => fallback.focus(),
  };
}

// Stop a running test run. The Stop button (#stop-run), where the page has one, does the work;
// the lr:stop-request event lets any other part of the page react as well.
function requestStop() {
  const stopButton = document.getElementById("stop-run");
  if (stopButton && !stopButton.disabled) {
    stopButton.click();
  }
  document.dispatchEvent(new CustomEvent("lr:stop-request"));
}

// ---- Saving, restoring and other tabs ----

function saveCode(code) {
  if (savingPaused) {
    return;
  }
  const outcome = store.save(code);
  if (outcome.conflict) {
    showConflict(outcome.conflict);
  }
}

// Show `text` with buttons [{label, action}]; the notice stays until an action or another notice replaces it.
function showNotice(kind, text, actions) {
  notice.dataset.kind = kind;
  document.getElementById("code-notice-text").textContent = text;
  const buttons = document.getElementById("code-notice-actions");
  buttons.replaceChildren();
  for (const { label, action, id } of actions) {
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = label;
    if (id) {
      button.id = id;
    }
    button.addEventListener("click", action);
    buttons.appendChild(button);
  }
  notice.hidden = false;
}

function hideNotice() {
  notice.hidden = true;
  delete notice.dataset.kind;
}

function showConflict(entry) {
  savingPaused = true;
  const time = new Date(entry.savedAt).toLocaleTimeString();
  showNotice("conflict",
    `Another tab saved newer code for this exercise at ${time}. This tab stopped saving, so neither copy is lost. ` +
    "Load the newer code here, or keep this tab's code and save it over the other.",
    [
      { label: "Load the newer code", id: "conflict-load", action: () => {
        store.adopt(entry);
        savingPaused = false;
        editor.setCode(entry.code);
        hideNotice();
      } },
      { label: "Keep this tab's code", id: "conflict-keep", action: () => {
        store.adopt(entry);
        savingPaused = false;
        store.write(editor.getCode());
        hideNotice();
      } },
    ]);
}

// ---- Reset to starter code ----

function setUpReset() {
  const resetButton = document.getElementById("reset-code");
  const confirmBox = document.getElementById("reset-confirm");
  resetButton.addEventListener("click", () => {
    confirmBox.hidden = false;
    document.getElementById("reset-confirm-yes").focus();
  });
  document.getElementById("reset-confirm-no").addEventListener("click", () => {
    confirmBox.hidden = true;
    resetButton.focus();
  });
  document.getElementById("reset-confirm-yes").addEventListener("click", () => {
    confirmBox.hidden = true;
    const previous = editor.getCode();
    editor.setCode(config.exercise.starterCode);
    showNotice("reset", "Your code was replaced by the starter code.", [
      { label: "Undo reset", id: "undo-reset", action: () => {
        editor.setCode(previous);
        hideNotice();
        editor.focus();
      } },
    ]);
    document.getElementById("undo-reset").focus();
  });
}

// ---- Loading progress ----

function formatMegabytes(bytes) {
  return (bytes / 1e6).toFixed(1);
}

function showProgress(stage, detail) {
  const info = STAGES[stage];
  if (!info) {
    return;
  }
  progress.dataset.stage = stage;
  progress.hidden = false;
  retryButton.hidden = true;
  const total = config.pyodide.downloadBytes;
  const loaded = detail && Number.isFinite(detail.loadedBytes) ? detail.loadedBytes : null;
  let text = `Step ${info.step} of ${STAGE_COUNT}: ${info.text}`;
  if (loaded !== null && total) {
    text += `: ${formatMegabytes(Math.min(loaded, total))} of ${formatMegabytes(total)} MB`;
    progressBar.value = Math.min(loaded / total, 1);
  } else if (loaded !== null) {
    text += `: ${formatMegabytes(loaded)} MB`;
    progressBar.removeAttribute("value");
  } else if (stage !== "load-runtime" || !total) {
    progressBar.removeAttribute("value");
  }
  progressText.textContent = `${text}…`;
  setRunnerStatus("loading", `Loading Python (step ${info.step} of ${STAGE_COUNT}). Run tests is available once it is ready.`);
}

function showLoadFailure(error) {
  progress.dataset.stage = "failed";
  progress.hidden = false;
  progressBar.value = 0;
  progressText.textContent = `Python could not be loaded: ${error.message}`;
  retryButton.hidden = false;
  runButton.disabled = true;
  setRunnerStatus("internal-error", "Python could not be loaded, so the tests cannot run. Press Retry to try again.");
}

function startRunner() {
  runner = new self.RunnerClient(config, {
    onProgress: (stage, detail) => showProgress(stage, detail),
    onReady: (versions) => {
      runButton.disabled = running;
      progress.dataset.stage = "ready";
      progress.hidden = true;
      setRunnerStatus("ready", `Ready: ${versions}.`);
    },
    onRestart: () => {
      runButton.disabled = true;
      progress.hidden = true;
      setRunnerStatus("loading", "Restarting Python for a clean run…");
    },
    onInternalError: (error) => {
      if (!runner.ready) {
        showLoadFailure(error);
        return;
      }
      runButton.disabled = running;
      setRunnerStatus("internal-error", "Internal error of the test runner (not a problem in your code).");
      results.showInternalError(error);
    },
  });
  runner.start();
}

function retryLoad() {
  if (runner && runner.worker) {
    runner.worker.terminate();
  }
  showProgress("load-runtime", null);
  startRunner();
}

// ---- Running ----

async function runTests() {
  if (!runner || !runner.ready || running) {
    return;
  }
  running = true;
  runButton.disabled = true;
  stopButton.disabled = false;
  setRunnerStatus("running", "Running the hidden tests… Stop (Ctrl+.) ends the run.");
  results.showRunning();

  const outcome = await runner.run(editor.getCode());
  running = false;
  stopButton.disabled = true;
  runButton.disabled = !runner.ready;
  if (outcome.kind === "internal-error") {
    setRunnerStatus("internal-error", "Internal error of the test runner (not a problem in your code).");
    results.showInternalError(outcome.error);
    return;
  }
  if (outcome.kind === "report") {
    results.showReport(outcome.report);
    solution.recordRun(outcome.report);
  } else {
    results.showStopped(outcome);
  }
  // Without ready, a fresh worker is booting and onReady sets the status.
  if (runner.ready) {
    setRunnerStatus("ready", "Ready.");
  }
}

// ---- Start ----

const initial = store.load();
const editor = createEditor(document.getElementById("editor"), initial.code);
window.lrEditor = { getCode: () => editor.getCode(), setCode: (text) => editor.setCode(text) };
if (initial.notice) {
  showNotice("starter-changed",
    `The starter code changed since you last worked on this exercise (your code was written for version ${initial.notice.fromVersion}). ` +
    "Your code is kept. Reset to starter code shows the new starter code, and you can undo that.",
    [{ label: "Dismiss", id: "dismiss-notice", action: hideNotice }]);
}
store.watchOtherTabs(showConflict);
setUpReset();
// The skip link targets #editor, a container; the text inside it is what takes focus.
document.querySelector(".skip-link").addEventListener("click", (event) => {
  event.preventDefault();
  editor.focus();
});
retryButton.addEventListener("click", retryLoad);
runButton.addEventListener("click", runTests);
stopButton.addEventListener("click", () => runner.stop("stopped"));
showProgress("load-runtime", null);
startRunner();
// After startRunner, so that a chart that cannot be drawn never keeps the tests from running.
self.LrPlot.renderStatementFigures(document.getElementById("statement"));
