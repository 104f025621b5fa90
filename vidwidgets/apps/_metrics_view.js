// Metrics in the Comparison grid: badges on each cell, the header's sort and highlight
// selectors, and one curve per cell under the seek bar (click a curve to seek every video there,
// or jump to the worst frame). Python computes everything (apps/_metrics_view.py) and sends it in
// the `metric_view` trait; this file only draws it. Texts are set with textContent only.

const SVG_NS = "http://www.w3.org/2000/svg";
const CURVE_COLOURS = ["#4e9af1", "#f1a84e", "#5cc86e", "#e0605c", "#b07ee8", "#4ec9c9", "#d8cf4a", "#e07bb5"];
const SHORT = {
  motion: "mot",
  flicker: "flk",
  sharpness: "shp",
  frozen: "frz",
  cuts: "cut",
  loop_seam: "loop",
  brightness: "lum",
  clipping: "clip",
};

function fmtMetric(name, v) {
  if (v === null || v === undefined || !Number.isFinite(v)) return "";
  if (name === "cuts") return String(Math.round(v));
  if (name === "frozen" || name === "clipping") return `${(100 * v).toFixed(name === "frozen" ? 0 : 1)}%`;
  if (name === "sharpness") return v.toFixed(0);
  if (name === "motion") return v.toFixed(4);
  return v.toFixed(name === "flicker" ? 3 : 2);
}

function createMetricsView({ model, root, head, after, tiles, engine, make, button }) {
  const view = () => model.get("metric_view") || {};
  const cells = () => model.get("cells_state") || [];

  // -- header: sort and highlight --------------------------------------------------------
  const pickers = make("span", "vw-metric-pickers", head);
  const sortLabel = make("label", "vw-metric-sort-label", pickers, "sort ");
  const sortSel = make("select", "vw-metric-sort", sortLabel);
  sortSel.setAttribute("aria-label", "Sort the cells by a metric");
  const hiLabel = make("label", "vw-metric-highlight-label", pickers, " highlight ");
  const hiSel = make("select", "vw-metric-highlight", hiLabel);
  hiSel.setAttribute("aria-label", "Outline the best and worst cell by a metric");

  // -- curves under the seek bar ---------------------------------------------------------
  const panel = make("div", "vw-curves");
  after.after(panel);
  const bar = make("div", "vw-curves-bar", panel);
  bar.setAttribute("role", "toolbar");
  bar.setAttribute("aria-label", "Metric curves");
  const curveLabel = make("label", "vw-curves-label", bar, "curve ");
  const curveSel = make("select", "vw-curves-metric", curveLabel);
  curveSel.setAttribute("aria-label", "Metric drawn as one curve per cell");
  const worstBtn = button("vw-curves-worst", "Jump to worst frame", bar);
  const list = make("div", "vw-curves-list", panel);
  const drawn = new Map(); // key -> {row, svg, line, head, duration, worst}

  function fill(sel, names, titles, none) {
    const wanted = names.join(",");
    if (sel.dataset.names === wanted) return;
    sel.replaceChildren();
    make("option", "", sel, none).value = "";
    for (const n of names) {
      const opt = make("option", "", sel, n);
      opt.value = n;
      opt.title = titles[n] || "";
    }
    sel.dataset.names = wanted;
  }

  function choose(trait, value) {
    model.set(trait, value);
    model.save_changes();
  }
  sortSel.addEventListener("change", () => choose("sort_metric", sortSel.value));
  hiSel.addEventListener("change", () => choose("highlight_metric", hiSel.value));
  curveSel.addEventListener("change", () => choose("curve_metric", curveSel.value));
  worstBtn.addEventListener("click", () => {
    const t = view().worst_at;
    if (Number.isFinite(t)) engine.seek(t);
  });

  // -- badges ----------------------------------------------------------------------------
  function paintBadges(tile, cell, titles) {
    if (!tile.metrics) {
      tile.metrics = make("div", "vw-cell-metrics");
      tile.caption.after(tile.metrics);
    }
    const box = tile.metrics;
    box.replaceChildren();
    const values = cell.metrics || {};
    for (const name of Object.keys(values)) {
      const b = make("span", "vw-metric-badge", box, `${SHORT[name] || name} ${fmtMetric(name, values[name])}`);
      b.dataset.metric = name;
      b.title = titles[name] || name;
    }
    if (cell.metrics_note) make("span", "vw-metric-note", box, cell.metrics_note);
    box.hidden = !box.childElementCount;
  }

  // -- sort order and highlight ------------------------------------------------------------
  function paintOrder(v) {
    const order = v.order || [];
    root.classList.toggle("vw-cmp-sorted", order.length > 0);
    root.dataset.sort = v.sort || "";
    const cols = Math.max(1, model.get("columns"));
    const offsetR = (model.get("column_labels") || []).length ? 1 : 0;
    const offsetC = (model.get("row_labels") || []).length ? 1 : 0;
    order.forEach((key, i) => {
      const tile = tiles.get(key);
      if (!tile) return;
      tile.node.dataset.rank = String(i + 1);
      tile.node.style.gridRow = String(Math.floor(i / cols) + 1 + offsetR);
      tile.node.style.gridColumn = String((i % cols) + 1 + offsetC);
    });
    if (!order.length) for (const tile of tiles.values()) delete tile.node.dataset.rank;
  }

  function paintHighlight(v, titles) {
    for (const [key, tile] of tiles) {
      const best = Boolean(v.highlight) && key === v.best;
      const worst = Boolean(v.highlight) && key === v.worst;
      tile.node.classList.toggle("vw-cell-best", best);
      tile.node.classList.toggle("vw-cell-worst", worst);
      tile.node.dataset.highlight = best ? "best" : worst ? "worst" : "";
      if (tile.mark === undefined) tile.mark = make("span", "vw-cell-mark", tile.media);
      tile.mark.hidden = !(best || worst);
      tile.mark.textContent = best ? `best ${v.highlight}` : worst ? `worst ${v.highlight}` : "";
      tile.mark.title = titles[v.highlight] || "";
    }
  }

  // -- curves ------------------------------------------------------------------------------
  function span(curves) {
    let d = engine.position().duration || 0;
    for (const points of Object.values(curves)) if (points.length) d = Math.max(d, points[points.length - 1][0]);
    for (const c of cells()) d = Math.max(d, c.duration || 0);
    return d || 1;
  }

  function seekFrom(entry, e) {
    const box = entry.svg.getBoundingClientRect();
    if (box.width > 0) engine.seek((entry.duration * (e.clientX - box.left)) / box.width);
  }

  function onCurveKey(entry, e) {
    const now = engine.position().time || 0;
    const stepT = entry.duration / 50;
    let t = null;
    if (e.key === "ArrowRight") t = now + stepT;
    else if (e.key === "ArrowLeft") t = now - stepT;
    else if (e.key === "Home") t = 0;
    else if (e.key === "End") t = entry.duration;
    else if (e.key === "Enter" || e.key === " ") t = entry.worst;
    if (t === null || !Number.isFinite(t)) return;
    e.preventDefault();
    e.stopPropagation();
    engine.seek(Math.max(0, Math.min(entry.duration, t)));
  }

  function makeCurve(key) {
    const row = make("div", "vw-curve-row", list);
    row.dataset.key = key;
    const label = make("span", "vw-curve-label", row);
    const svg = document.createElementNS(SVG_NS, "svg");
    svg.setAttribute("class", "vw-curve");
    svg.setAttribute("viewBox", "0 0 300 40");
    svg.setAttribute("preserveAspectRatio", "none");
    svg.setAttribute("tabindex", "0");
    svg.setAttribute("role", "slider");
    svg.setAttribute("aria-valuemin", "0");
    const line = document.createElementNS(SVG_NS, "polyline");
    const worst = document.createElementNS(SVG_NS, "circle");
    const playhead = document.createElementNS(SVG_NS, "line");
    worst.setAttribute("r", "2.5");
    worst.setAttribute("class", "vw-curve-worst");
    playhead.setAttribute("class", "vw-curve-playhead");
    playhead.setAttribute("y1", "0");
    playhead.setAttribute("y2", "40");
    svg.append(line, worst, playhead);
    row.append(svg);
    const entry = { row, label, svg, line, worstDot: worst, playhead, duration: 1, worst: null };
    svg.addEventListener("click", (e) => seekFrom(entry, e));
    svg.addEventListener("keydown", (e) => onCurveKey(entry, e));
    return entry;
  }

  function paintCurves(v) {
    const metric = v.curve || "";
    const curves = v.curves || {};
    // the selector shows once a cell is measured; the curves once a metric is picked
    panel.hidden = !cells().some((c) => Object.keys(c.metrics || {}).length);
    list.hidden = !metric;
    worstBtn.hidden = !metric;
    root.dataset.curve = metric;
    root.dataset.worstAt = Number.isFinite(v.worst_at) ? String(v.worst_at) : "";
    worstBtn.disabled = !Number.isFinite(v.worst_at);
    worstBtn.title = metric ? `seek every video to the worst ${metric} frame of the grid` : "";
    const all = Object.values(curves).flat();
    let lo = Math.min(...all.map((p) => p[1]));
    let hi = Math.max(...all.map((p) => p[1]));
    if (!(hi > lo)) [lo, hi] = [lo - 1, lo + 1]; // a flat curve sits in the middle
    const duration = span(curves);
    const keep = new Set();
    cells().forEach((cell, i) => {
      const tile = tiles.get(cell.key);
      const points = curves[cell.key];
      const colour = CURVE_COLOURS[i % CURVE_COLOURS.length];
      if (tile) {
        tile.node.classList.toggle("vw-cell-curved", Boolean(metric && points));
        tile.node.style.setProperty("--vw-curve", colour);
      }
      if (!metric || !points || !points.length) return;
      keep.add(cell.key);
      let entry = drawn.get(cell.key);
      if (!entry) {
        entry = makeCurve(cell.key);
        drawn.set(cell.key, entry);
      }
      list.append(entry.row); // grid order
      entry.duration = duration;
      entry.label.textContent = cell.caption || cell.key;
      entry.label.style.color = colour;
      entry.svg.style.setProperty("--vw-curve", colour);
      entry.svg.setAttribute("aria-label", `${metric} of ${cell.caption || cell.key}: click or use the arrow keys to seek`);
      entry.svg.setAttribute("aria-valuemax", duration.toFixed(2));
      const xy = (p) => [(300 * p[0]) / duration, 38 - (36 * (p[1] - lo)) / (hi - lo)];
      entry.line.setAttribute("points", points.map((p) => xy(p).map((n) => n.toFixed(1)).join(",")).join(" "));
      const worst = points.reduce((a, b) => (isWorse(metric, b[1], a[1]) ? b : a));
      entry.worst = worst[0];
      const [wx, wy] = xy(worst);
      entry.worstDot.setAttribute("cx", wx.toFixed(1));
      entry.worstDot.setAttribute("cy", wy.toFixed(1));
    });
    for (const [key, entry] of drawn) {
      if (!keep.has(key)) {
        entry.row.remove();
        drawn.delete(key);
      }
    }
    tick();
  }

  function isWorse(metric, a, b) {
    const low = ["sharpness", "brightness", "frozen"].includes(metric); // their worst is the minimum
    return low ? a < b : a > b;
  }

  function tick() {
    const t = engine.position().time || 0;
    for (const entry of drawn.values()) {
      const x = ((300 * t) / entry.duration).toFixed(1);
      entry.playhead.setAttribute("x1", x);
      entry.playhead.setAttribute("x2", x);
      entry.svg.setAttribute("aria-valuenow", t.toFixed(2));
    }
  }

  function paint() {
    const v = view();
    const titles = v.titles || {};
    fill(sortSel, v.names || [], titles, "grid order");
    fill(hiSel, v.names || [], titles, "none");
    fill(curveSel, v.curve_names || [], titles, "none");
    sortSel.value = v.sort || "";
    hiSel.value = v.highlight || "";
    curveSel.value = v.curve || "";
    for (const cell of cells()) {
      const tile = tiles.get(cell.key);
      if (tile) paintBadges(tile, cell, titles);
    }
    paintOrder(v);
    paintHighlight(v, titles);
    paintCurves(v);
  }

  return { paint, tick };
}
