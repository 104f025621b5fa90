// JobProgress front end (anywidget ES module).
//
// The kernel sends state only when something changed (throttled, coalesced); the elapsed clock
// and the ETA count on here in the browser, so a running job costs no messages per second.
// All text from the server (status, messages, hints) is set with textContent. Which states are
// running comes from Python (the `vocabulary` trait, from JobStatus): no second copy here.

const LABELS = {
  idle: "Ready",
  submitting: "Submitting…",
  queued: "Queued",
  in_progress: "Generating…",
  succeeded: "Done",
  failed: "Failed",
  cancelled: "Cancelled",
};

function fmt(seconds) {
  const s = Math.max(0, Math.round(seconds));
  const m = Math.floor(s / 60);
  return `${m}:${String(s % 60).padStart(2, "0")}`;
}

function el(tag, className, parent) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (parent) parent.append(node);
  return node;
}

function render({ model, el: host }) {
  const root = el("div", "vw-job", host);
  const head = el("div", "vw-job-head", root);
  const status = el("span", "vw-status", head);
  const title = el("span", "vw-job-title", head);
  const cancel = el("button", "vw-cancel", head);
  cancel.type = "button";
  cancel.textContent = "Cancel";
  const track = el("div", "vw-progress", root);
  track.setAttribute("role", "progressbar");
  track.setAttribute("aria-valuemin", "0");
  track.setAttribute("aria-valuemax", "100");
  track.setAttribute("aria-label", "Generation progress");
  const fill = el("div", "vw-progress-fill", track);
  const times = el("div", "vw-elapsed", root);
  const note = el("div", "vw-note", root);
  const error = el("div", "vw-error", root);
  error.setAttribute("role", "alert"); // a failure is read out when it appears
  const errorText = el("div", "vw-error-message", error);
  const hint = el("div", "vw-hint", error);

  let receivedAt = performance.now();
  const isRunning = (state) => ((model.get("vocabulary") || {}).running || []).includes(state);

  function paintClock() {
    const state = model.get("state");
    const running = isRunning(state);
    const since = running ? (performance.now() - receivedAt) / 1000 : 0;
    const elapsed = model.get("elapsed");
    if (elapsed === null || elapsed === undefined || state === "idle") {
      times.textContent = "";
      return;
    }
    let text = `${fmt(elapsed + since)} elapsed`;
    const eta = model.get("eta");
    if (running && eta !== null && eta !== undefined) {
      const left = eta - since;
      // The estimate extrapolates the last reported percentage; gateways refresh it coarsely,
      // so once it runs out say so rather than promising "almost done".
      text += left > 1 ? ` · about ${fmt(left)} left` : " · taking longer than estimated";
    }
    times.textContent = text;
  }

  function paint() {
    receivedAt = performance.now();
    const state = model.get("state");
    const value = model.get("value");
    const running = isRunning(state);
    root.dataset.state = state;
    for (const name of Object.keys(LABELS)) root.classList.toggle(`vw-job-${name}`, name === state);
    const determinate = value !== null && value !== undefined;
    let label = LABELS[state] || String(state);
    if (state === "in_progress" && determinate) label = `Generating… ${Math.round(value * 100)}%`;
    status.textContent = label;
    title.textContent = model.get("title") || "";
    cancel.hidden = !(running && model.get("cancellable"));
    cancel.setAttribute("aria-label", model.get("title") ? `Cancel ${model.get("title")}` : "Cancel");
    // Indeterminate only while running without a reported fraction: an honest "we don't know".
    track.classList.toggle("vw-progress-indeterminate", running && !determinate);
    let pct = 0;
    if (state === "succeeded") pct = 100;
    else if (determinate) pct = Math.max(0, Math.min(100, value * 100));
    fill.style.width = track.classList.contains("vw-progress-indeterminate") ? "" : `${pct}%`;
    if (determinate || state === "succeeded") track.setAttribute("aria-valuenow", String(Math.round(pct)));
    else track.removeAttribute("aria-valuenow");
    track.setAttribute("aria-valuetext", label); // "Queued", "Generating… 40%", "Failed"
    note.textContent = model.get("note") || "";
    const message = model.get("message") || "";
    errorText.textContent = message;
    hint.textContent = model.get("hint") || "";
    error.hidden = !message;
    paintClock();
  }

  cancel.addEventListener("click", () => {
    cancel.disabled = true;
    model.send({ type: "cancel" });
  });
  const onChange = () => {
    cancel.disabled = false;
    paint();
  };
  model.on("change", onChange);
  const timer = setInterval(paintClock, 1000);
  paint();
  return () => {
    clearInterval(timer);
    model.off("change", onChange);
  };
}

export default { render };
