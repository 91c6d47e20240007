// The Statement and Solution tabs, and the rule that reveals the reference
// solution: every test passed, `afterFailedRuns` runs had a failing test, or the
// learner confirmed they want it now. The count and the reveal survive reloads
// and are shared by every tab of the exercise.
"use strict";

(function (scope) {
  const REASON_TEXT = {
    passed: "You passed every test, so here is the reference solution to compare with yours.",
    "failed-runs": "The reference solution is open after your runs with a failing test. Compare it with your code.",
    asked: "You asked for the reference solution.",
  };

  class SolutionTab {
    constructor(store, afterFailedRuns) {
      this.store = store;
      this.afterFailedRuns = afterFailedRuns;
      this.progress = store.loadProgress();
      this.panel = document.getElementById("solution-panel");
      this.tabs = [document.getElementById("tab-statement"), document.getElementById("tab-solution")];
      this.rule = document.getElementById("solution-rule");
      this.confirm = document.getElementById("solution-confirm");
      this.showButton = document.getElementById("show-solution");

      this.setUpTabs();
      this.showButton.addEventListener("click", () => {
        this.confirm.hidden = false;
        document.getElementById("solution-confirm-yes").focus();
      });
      document.getElementById("solution-confirm-yes").addEventListener("click", () => this.reveal("asked"));
      document.getElementById("solution-confirm-no").addEventListener("click", () => {
        this.confirm.hidden = true;
        this.showButton.focus();
      });
      // Another tab's runs and reveal show here too, without waiting for a run in this tab.
      store.watchProgress(() => {
        this.progress = store.mergeStoredProgress(this.progress);
        this.render();
      });
      this.render();
    }

    setUpTabs() {
      this.tabs.forEach((tab, index) => {
        tab.addEventListener("click", () => this.select(tab));
        // Arrow keys, Home and End move between tabs, as the ARIA tabs pattern describes.
        tab.addEventListener("keydown", (event) => {
          const moves = { ArrowRight: index + 1, ArrowLeft: index - 1, Home: 0, End: this.tabs.length - 1 };
          if (event.key in moves) {
            event.preventDefault();
            const next = this.tabs[(moves[event.key] + this.tabs.length) % this.tabs.length];
            this.select(next);
            next.focus();
          }
        });
      });
    }

    select(selected) {
      for (const tab of this.tabs) {
        const isSelected = tab === selected;
        tab.setAttribute("aria-selected", String(isSelected));
        tab.tabIndex = isSelected ? 0 : -1;
        document.getElementById(tab.getAttribute("aria-controls")).hidden = !isSelected;
      }
    }

    // Apply a run's report to the rule. Only runs in which the tests ran count: every test passed
    // reveals the solution, and any other such run is a run with a failing test. A run that stopped
    // before the tests (syntax error, no suggest_lr) counts for nothing.
    recordRun(report) {
      const summary = report.summary;
      if (report.outcome !== "tests-ran" || !summary || !(summary.total > 0)) {
        return;
      }
      this.progress = this.store.mergeStoredProgress(this.progress);
      if (this.progress.revealed) {
        this.render();
        return;
      }
      if (summary.passed === summary.total) {
        this.reveal("passed");
        return;
      }
      this.progress.failedRuns += 1;
      if (this.progress.failedRuns >= this.afterFailedRuns) {
        this.reveal("failed-runs");
        return;
      }
      this.progress = this.store.saveProgress(this.progress);
      this.render();
    }

    reveal(reason) {
      this.progress = this.store.mergeStoredProgress(this.progress);
      const firstTime = !this.progress.revealed;
      this.progress.revealed = true;
      this.progress.revealReason = this.progress.revealReason || reason;
      this.progress = this.store.saveProgress(this.progress);
      this.render();
      if (firstTime && reason === "asked") {
        document.getElementById("solution-code").focus();
      }
    }

    render() {
      const code = document.getElementById("solution-code");
      const locked = document.getElementById("solution-locked");
      if (this.progress.revealed) {
        if (code.childElementCount === 0) {
          code.appendChild(block("p", "solution-reason", REASON_TEXT[this.progress.revealReason] || REASON_TEXT.asked));
          code.appendChild(document.getElementById("solution-template").content.cloneNode(true));
          code.tabIndex = -1;
        }
        code.hidden = false;
        locked.hidden = true;
        this.panel.dataset.state = "unlocked";
        this.tabs[1].textContent = "Solution";
        return;
      }
      const left = this.afterFailedRuns - this.progress.failedRuns;
      this.rule.textContent =
        `The reference solution opens when every test passes, or after ${this.afterFailedRuns} runs with a failing test ` +
        `(${this.progress.failedRuns} so far, ${left} to go). A run in which no test ran, such as one stopped by a syntax error, does not count.`;
      code.hidden = true;
      locked.hidden = false;
      this.panel.dataset.state = "locked";
      this.tabs[1].textContent = "Solution (locked)";
    }
  }

  function block(name, className, content) {
    const node = document.createElement(name);
    node.className = className;
    node.textContent = content;
    return node;
  }

  scope.LrSolution = { SolutionTab };
})(self);
