// Draws a test case as an SVG chart: loss against log10 of the learning rate,
// with the expected point and the learner's point marked, and a table of the
// slopes. Colours come from CSS classes, so the chart follows the page's theme.
// Each data point is focusable; hovering or focusing it shows its slope.
"use strict";

(function (scope) {
  const SVG = "http://www.w3.org/2000/svg";
  const WIDTH = 480;
  const HEIGHT = 260;
  const MARGIN = { top: 14, right: 16, bottom: 40, left: 52 };
  // The repr of a float NaN or infinity, from Python or numpy 2. The harness reports no number for
  // these (JSON has no NaN), so the repr is what tells them apart from values of other types.
  // NOTE: a float subclass with a __repr__ of its own is described as "not a float" when it is NaN.
  const NON_FINITE_FLOAT_REPR = /^(?:np\.float64\()?-?(?:nan|inf)\)?$/;

  // Central differences of `losses` against log10(`lrs`), as numpy.gradient computes them.
  function slopes(lrs, losses) {
    const x = lrs.map(Math.log10);
    const y = losses;
    const n = x.length;
    if (n < 2) {
      return y.map(() => NaN);
    }
    return y.map((_, i) => {
      if (i === 0) {
        return (y[1] - y[0]) / (x[1] - x[0]);
      }
      if (i === n - 1) {
        return (y[n - 1] - y[n - 2]) / (x[n - 1] - x[n - 2]);
      }
      const a = x[i] - x[i - 1];
      const b = x[i + 1] - x[i];
      return (a * a * y[i + 1] + (b * b - a * a) * y[i] - b * b * y[i - 1]) / (a * b * (a + b));
    });
  }

  function formatNumber(value) {
    if (value === null || !Number.isFinite(value)) {
      return "–";
    }
    // Four significant digits; JavaScript itself switches to exponents below 1e-6.
    return String(Number(value.toPrecision(4))).replace("-", "−");
  }

  function element(name, attributes, parent) {
    const node = document.createElementNS(SVG, name);
    for (const [key, value] of Object.entries(attributes)) {
      node.setAttribute(key, String(value));
    }
    if (parent) {
      parent.appendChild(node);
    }
    return node;
  }

  function text(name, content, className) {
    const node = document.createElement(name);
    node.textContent = content;
    if (className) {
      node.className = className;
    }
    return node;
  }

  function niceTicks(min, max, count) {
    const span = max - min || 1;
    const step0 = span / count;
    const magnitude = 10 ** Math.floor(Math.log10(step0));
    const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => span / s <= count) || 10 * magnitude;
    const ticks = [];
    for (let value = Math.ceil(min / step) * step; value <= max + step * 1e-9; value += step) {
      ticks.push(Number(value.toPrecision(12)));
    }
    return ticks;
  }

  // The index of `value` in `lrs`, or -1 when it is not one of them.
  function indexOfRate(lrs, value) {
    return value === null || value === undefined ? -1 : lrs.findIndex((lr) => lr === value);
  }

  // Draw `testCase` ({lrs, losses, expected}) into `figure`. `returnedNumber` is the float that the learner's
  // function returned, or null when it returned NaN, an infinity or another type, or raised. The x axis
  // spans the case's lrs only, so a returned rate outside that range is marked at the chart's edge.
  function render(figure, testCase, returnedNumber, returnedText) {
    const points = testCase.lrs
      .map((lr, i) => ({ i, lr, loss: testCase.losses[i] }))
      .filter((p) => Number.isFinite(p.lr) && p.lr > 0 && Number.isFinite(p.loss));
    const allSlopes = slopes(testCase.lrs, testCase.losses);
    const xs = points.map((p) => Math.log10(p.lr));
    const ys = points.map((p) => p.loss);
    const returnedX = returnedNumber !== null && returnedNumber > 0 && Number.isFinite(returnedNumber) ? Math.log10(returnedNumber) : null;
    const xMin = Math.min(...xs);
    const xMax = Math.max(...xs);
    const yPad = (Math.max(...ys) - Math.min(...ys)) * 0.08 || 0.5;
    const yMin = Math.min(...ys) - yPad;
    const yMax = Math.max(...ys) + yPad;
    const xPad = (xMax - xMin) * 0.04 || 0.5;
    const scaleX = (v) => MARGIN.left + ((v - (xMin - xPad)) / (xMax - xMin + 2 * xPad)) * (WIDTH - MARGIN.left - MARGIN.right);
    let offScaleEdge = null;
    if (returnedX !== null && returnedX < xMin - xPad) {
      offScaleEdge = "left";
    } else if (returnedX !== null && returnedX > xMax + xPad) {
      offScaleEdge = "right";
    }
    const scaleY = (v) => HEIGHT - MARGIN.bottom - ((v - yMin) / (yMax - yMin)) * (HEIGHT - MARGIN.top - MARGIN.bottom);

    figure.replaceChildren();
    figure.classList.add("loss-plot");
    const svg = element("svg", { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: "group", class: "plot-svg" });
    svg.setAttribute("aria-label", "Loss against log10 of the learning rate");

    const grid = element("g", { class: "plot-grid" }, svg);
    for (const tick of niceTicks(xMin, xMax, 6)) {
      element("line", { x1: scaleX(tick), x2: scaleX(tick), y1: MARGIN.top, y2: HEIGHT - MARGIN.bottom }, grid);
      element("text", { x: scaleX(tick), y: HEIGHT - MARGIN.bottom + 16, "text-anchor": "middle", class: "plot-tick" }, svg)
        .textContent = formatNumber(tick);
    }
    for (const tick of niceTicks(yMin, yMax, 5)) {
      element("line", { x1: MARGIN.left, x2: WIDTH - MARGIN.right, y1: scaleY(tick), y2: scaleY(tick) }, grid);
      element("text", { x: MARGIN.left - 6, y: scaleY(tick) + 4, "text-anchor": "end", class: "plot-tick" }, svg)
        .textContent = formatNumber(tick);
    }
    element("text", { x: (MARGIN.left + WIDTH - MARGIN.right) / 2, y: HEIGHT - 6, "text-anchor": "middle", class: "plot-axis-label" }, svg)
      .textContent = "log10(learning rate)";
    element("text", { x: 12, y: (MARGIN.top + HEIGHT - MARGIN.bottom) / 2, "text-anchor": "middle", class: "plot-axis-label",
      transform: `rotate(-90 12 ${(MARGIN.top + HEIGHT - MARGIN.bottom) / 2})` }, svg).textContent = "loss";

    element("polyline", { class: "plot-line", points: points.map((p) => `${scaleX(Math.log10(p.lr))},${scaleY(p.loss)}`).join(" ") }, svg);

    const readout = text("p", "Hover over or focus a point to see its slope.", "plot-readout");
    const describePoint = (p) =>
      `lr = ${formatNumber(p.lr)}, log10(lr) = ${formatNumber(Math.log10(p.lr))}, loss = ${formatNumber(p.loss)}, slope = ${formatNumber(allSlopes[p.i])}`;

    const expectedIndex = indexOfRate(testCase.lrs, testCase.expected);
    if (expectedIndex >= 0) {
      const p = { i: expectedIndex, lr: testCase.lrs[expectedIndex], loss: testCase.losses[expectedIndex] };
      element("circle", { class: "plot-expected", "data-role": "expected-point", cx: scaleX(Math.log10(p.lr)), cy: scaleY(p.loss), r: 10 }, svg);
    }

    for (const p of points) {
      const dot = element("circle", { class: "plot-point", cx: scaleX(Math.log10(p.lr)), cy: scaleY(p.loss), r: 4.5, tabindex: 0 }, svg);
      dot.setAttribute("aria-label", describePoint(p));
      element("title", {}, dot).textContent = describePoint(p);
      const show = () => { readout.textContent = describePoint(p); };
      dot.addEventListener("pointerenter", show);
      dot.addEventListener("focus", show);
    }

    if (returnedX !== null) {
      const index = indexOfRate(testCase.lrs, returnedNumber);
      const edgeX = { left: MARGIN.left, right: WIDTH - MARGIN.right };
      const cx = offScaleEdge ? edgeX[offScaleEdge] : scaleX(returnedX);
      // A rate that is not in lrs has no loss, so it is marked on the x axis.
      const cy = index >= 0 ? scaleY(testCase.losses[index]) : HEIGHT - MARGIN.bottom;
      const size = 7;
      const marker = element("path", { class: "plot-returned", "data-role": "returned-point",
        d: `M${cx - size},${cy - size}L${cx + size},${cy + size}M${cx - size},${cy + size}L${cx + size},${cy - size}` }, svg);
      if (offScaleEdge) {
        marker.dataset.offScale = offScaleEdge;
      }
    }

    figure.appendChild(svg);
    figure.appendChild(readout);
    figure.appendChild(legend(testCase, expectedIndex, allSlopes, returnedNumber, returnedText, offScaleEdge));
  }

  function legend(testCase, expectedIndex, allSlopes, returnedNumber, returnedText, offScaleEdge) {
    const list = text("ul", "", "plot-legend");
    const expectedSlope = expectedIndex >= 0 ? `, slope ${formatNumber(allSlopes[expectedIndex])}` : "";
    const expected = text("li", `Expected: lr = ${formatNumber(testCase.expected)}${expectedSlope}`, "legend-expected");
    list.appendChild(expected);
    if (returnedText !== undefined) {
      let description;
      if (returnedNumber === null && returnedText === null) {
        description = "Yours: no value (your function raised)";
      } else if (returnedNumber === null && !NON_FINITE_FLOAT_REPR.test(returnedText)) {
        description = `Yours: ${returnedText}, not a float, so not plotted`;
      } else if (returnedNumber === null || !(returnedNumber > 0)) {
        // log10 of NaN, an infinity, zero or a negative rate has no place on the x axis.
        description = `Yours: ${returnedText}, not a finite positive number, so not plotted`;
      } else {
        const index = indexOfRate(testCase.lrs, returnedNumber);
        let where = ", not one of the lrs (marked on the axis)";
        if (index >= 0) {
          where = `, slope ${formatNumber(allSlopes[index])}`;
        } else if (offScaleEdge) {
          where = `, not one of the lrs and outside the chart's x range (marked at the ${offScaleEdge} edge)`;
        }
        description = `Yours: lr = ${formatNumber(returnedNumber)}${where}`;
      }
      list.appendChild(text("li", description, "legend-returned"));
    }
    return list;
  }

  // A table of each point's lr, log10(lr), loss and slope, marking the expected and the returned rows.
  function slopeTable(testCase, returnedNumber) {
    const allSlopes = slopes(testCase.lrs, testCase.losses);
    const table = document.createElement("table");
    table.className = "slope-table";
    const head = table.createTHead().insertRow();
    for (const label of ["i", "lr", "log10(lr)", "loss", "slope", ""]) {
      const cell = document.createElement("th");
      cell.scope = "col";
      cell.textContent = label;
      head.appendChild(cell);
    }
    const body = table.createTBody();
    testCase.lrs.forEach((lr, i) => {
      const row = body.insertRow();
      const marks = [];
      if (lr === testCase.expected) {
        marks.push("expected");
        row.classList.add("row-expected");
      }
      if (returnedNumber !== null && lr === returnedNumber) {
        marks.push("yours");
        row.classList.add("row-returned");
      }
      for (const value of [String(i), formatNumber(lr), formatNumber(Math.log10(lr)), formatNumber(testCase.losses[i]), formatNumber(allSlopes[i]), marks.join(", ")]) {
        row.insertCell().textContent = value;
      }
    });
    return table;
  }

  // Draw every <figure data-plot-case> that the build put into the statement. A figure whose
  // data cannot be drawn gets a short note instead of a chart, and the others are still drawn.
  function renderStatementFigures(root) {
    for (const figure of root.querySelectorAll("figure[data-plot-case]")) {
      const caption = figure.querySelector("figcaption");
      try {
        render(figure, JSON.parse(figure.dataset.plotCase), null, undefined);
      } catch (error) {
        console.error("A statement plot could not be drawn from its data-plot-case:", error);
        figure.replaceChildren(text("p", "This plot could not be drawn because its data is invalid.", "plot-error"));
      }
      if (caption) {
        figure.appendChild(caption);
      }
    }
  }

  scope.LrPlot = { render, slopeTable, slopes, formatNumber, renderStatementFigures };
})(self);
