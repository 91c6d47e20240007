// Renders a run's report into the test list: per test its verdict, message,
// plot of the case, slope table, printed output and traceback. Everything from
// the report is set as text, never as HTML, because it contains learner output.
"use strict";

(function (scope) {
  const STATUS_TEXT = { passed: "passed", failed: "failed", error: "error", "not-run": "not run", running: "running…", pending: "not run" };

  function block(name, className, content) {
    const node = document.createElement(name);
    node.className = className;
    node.textContent = content;
    return node;
  }

  function setStatus(item, status) {
    item.dataset.status = status;
    item.querySelector("[data-role=verdict]").textContent = STATUS_TEXT[status] || status;
  }

  function clearDetails(item) {
    const details = item.querySelector("[data-role=details]");
    details.replaceChildren();
    details.hidden = true;
  }

  function renderCase(details, test) {
    if (!test.case || !scope.LrPlot) {
      return;
    }
    const returnedNumber = test.returned ? test.returned.number : null;
    const returnedText = test.returned ? test.returned.repr : null;
    const figure = document.createElement("figure");
    figure.className = "loss-plot";
    scope.LrPlot.render(figure, test.case, returnedNumber, returnedText);
    details.appendChild(figure);

    const table = document.createElement("details");
    table.className = "slope-details";
    table.appendChild(block("summary", "", "Slopes at each point"));
    table.appendChild(scope.LrPlot.slopeTable(test.case, returnedNumber));
    details.appendChild(table);
  }

  function renderTest(item, test) {
    setStatus(item, test.status);
    delete item.dataset.stale;
    const details = item.querySelector("[data-role=details]");
    details.replaceChildren();
    if (test.message) {
      details.appendChild(block("pre", "test-message", test.message));
    }
    if (test.traceback) {
      details.appendChild(block("pre", "test-traceback", test.traceback));
    }
    if (test.output) {
      details.appendChild(block("h4", "details-heading", "Printed output"));
      details.appendChild(block("pre", "test-output", test.output));
    }
    if (test.status !== "not-run") {
      renderCase(details, test);
    }
    details.hidden = details.childElementCount === 0;
  }

  // A report says "interrupted" without a Stop or time-out only when the code raised the runner's interrupt itself.
  const INTERRUPTED_BY_CODE = { message: "Your code interrupted the test run itself, so no test has a verdict.", traceback: "" };

  class ResultsView {
    constructor(list, summary, codeError, loadOutput, staleNote) {
      this.list = list;
      this.summary = summary;
      this.codeError = codeError;
      this.loadOutput = loadOutput;
      this.staleNote = staleNote;
      this.hasResults = false;
    }

    items() {
      return Array.from(this.list.querySelectorAll(".test"));
    }

    // A run started: keep the previous results visible but marked stale, or show "running" on the first run.
    showRunning() {
      if (this.hasResults) {
        this.list.dataset.stale = "true";
        this.staleNote.hidden = false;
        for (const item of this.items()) {
          item.dataset.stale = "true";
        }
      } else {
        for (const item of this.items()) {
          setStatus(item, "running");
          clearDetails(item);
        }
      }
      this.summary.dataset.state = "running";
      this.summary.textContent = "Running the tests…";
    }

    clearStale() {
      delete this.list.dataset.stale;
      this.staleNote.hidden = true;
      for (const item of this.items()) {
        delete item.dataset.stale;
      }
    }

    showReport(report) {
      this.clearStale();
      const byName = new Map(report.tests.map((test) => [test.name, test]));
      for (const item of this.items()) {
        const test = byName.get(item.dataset.testName);
        if (test) {
          renderTest(item, test);
        } else {
          setStatus(item, "not-run");
          clearDetails(item);
        }
      }

      const error = report.outcome === "interrupted" ? INTERRUPTED_BY_CODE : report.code_error;
      showBlock(this.codeError, error ? [error.message, error.traceback].filter((part) => part).join("\n\n") : "");
      showBlock(this.loadOutput, report.output ? `Output while loading your code:\n${report.output}` : "");
      this.summary.dataset.state = error ? "code-error" : "done";
      this.summary.textContent = error ? "No test ran: fix the error in your code shown above, then run again." : `${report.summary.text}.`;
      this.hasResults = true;
    }

    // A run stopped by the Stop button or the time limit: outcome is {kind: "stopped"} or
    // {kind: "timed-out", seconds}. No test has a verdict.
    showStopped(outcome) {
      this.clearStale();
      const text = outcome.kind === "timed-out" ? `timed out after ${outcome.seconds} s` : "stopped";
      for (const item of this.items()) {
        setStatus(item, "not-run");
        clearDetails(item);
        item.querySelector("[data-role=verdict]").textContent = text;
      }
      showBlock(this.codeError, "");
      showBlock(this.loadOutput, "");
      this.summary.dataset.state = outcome.kind;
      this.summary.textContent = outcome.kind === "timed-out"
        ? `Timed out after ${outcome.seconds} s, so no test has a verdict. Look for a loop that never ends, or make the code faster.`
        : "Stopped, so no test has a verdict.";
      this.hasResults = true;
    }

    showInternalError(error) {
      this.clearStale();
      showBlock(this.codeError, `${error.stage ? `Stage: ${error.stage}\n` : ""}${error.message}\n\n` +
        `Please report this with the details below.\n${error.details || ""}\n${error.stack || ""}`);
      this.summary.dataset.state = "internal-error";
      this.summary.textContent = "The tests could not run because of an internal error of the runner.";
    }
  }

  function showBlock(element, content) {
    element.textContent = content;
    element.hidden = content === "";
  }

  scope.LrResults = { ResultsView, showBlock };
})(self);
