// Comparison front end (anywidget ES module): the grid, each cell's progress and video, one
// control bar that plays every video in sync, and the A/B panel (wipe, side by side, difference,
// onion skin; B's offset in frames; sound from A or B).
//
// Synchronized playback runs entirely here, with no kernel round trip per frame, in the engine
// shared with the HTML export (vidwidgets/_sync_engine.js: Python puts its text in front of this
// module, which is how createSyncEngine is in scope); this file only wires the controls to it.
//
// Video bytes never travel in widget state: a cell asks the kernel for its file with a custom
// message ({type: "get", key, source, rid}) and gets binary chunks back, which become a Blob URL
// that lives only in this tab. Every text from Python (prompts, captions, notes, errors) is set
// with textContent — never innerHTML — so HTML in a prompt shows as text and runs nothing.
//
// Filmstrips (the `filmstrips` trait, apps/_strips.py): a big grid shows each finished cell's
// strip of thumbnails first (a few KB over the same custom messages: {type: "strip", ...}) and asks
// for the video only when it is played — a click or Enter on the strip, or Play all, which then
// loads the videos LOAD_AT_ONCE at a time; each joins the synchronized playback as it arrives.
//
// What a cell sends is CellFrontState (apps/_cell_state.py); which statuses are running or final
// comes from Python in the `vocabulary` trait (JobStatus), so this file never lists them.

const LABELS = {
  new: "Not started",
  waiting: "Waiting for a slot",
  creating: "Submitting…",
  queued: "Queued",
  in_progress: "Generating…",
  downloading: "Downloading…",
  succeeded: "Done",
  failed: "Failed",
  cancelled: "Cancelled",
  pending: "Pending on the server",
};
const SPEEDS = [0.25, 0.5, 1, 1.5, 2];
const LOAD_AT_ONCE = 3; // videos fetched at a time when Play all starts a grid of strips

function fmtClock(seconds) {
  const s = Math.max(0, Math.round(seconds));
  const m = Math.floor(s / 60);
  return `${m}:${String(s % 60).padStart(2, "0")}`;
}

function fmtTime(t) {
  return (Number.isFinite(t) ? t : 0).toFixed(2);
}

function make(tag, className, parent, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  if (parent) parent.append(node);
  return node;
}

function button(className, text, parent, title) {
  const b = make("button", className, parent, text);
  b.type = "button";
  if (title) b.title = title;
  return b;
}

// -- A/B review modes ---------------------------------------------------------------------
// wipe: B right of a draggable line; side: A and B side by side; difference: |A − B| × gain on
// a <canvas>, redrawn on every presented frame; onion: B over A at an opacity. B may run an
// offset in frames (the engine shows it at the timeline's time plus that offset), and the sound
// comes from A, B or neither. The video bytes are Blob URLs of this page, so the canvas is
// same-origin and its pixels can be read.
const AB_MODES = [
  ["wipe", "Wipe"],
  ["side", "Side by side"],
  ["difference", "Difference"],
  ["onion", "Onion skin"],
];
const AB_AUDIO = [
  ["none", "None (muted)"],
  ["a", "A"],
  ["b", "B"],
];
const DIFF_MAX_WIDTH = 480; // px: the difference is computed per frame at this width at most

function field(parent, className, text, control) {
  const label = make("label", className, parent, `${text} `);
  label.append(control);
  return label;
}

function choices(className, entries) {
  const sel = make("select", className);
  for (const [value, text] of entries) make("option", "", sel, text).value = value;
  return sel;
}

function slider(className, min, max, step) {
  const input = make("input", className);
  Object.assign(input, { type: "range", min: String(min), max: String(max), step: String(step) });
  return input;
}

function createAbModes({ model, ab, stage, abA, abB, frameOfB, realign }) {
  const tools = make("div", "vw-ab-tools");
  ab.prepend(tools);
  tools.setAttribute("role", "group");
  tools.setAttribute("aria-label", "A/B review");
  const modeSel = choices("vw-ab-mode", AB_MODES);
  field(tools, "vw-ab-field", "mode", modeSel);
  const gain = slider("vw-ab-gain", 1, 32, 1);
  const gainField = field(tools, "vw-ab-field vw-ab-gain-field", "gain", gain);
  const gainOut = make("output", "vw-ab-gain-value", gainField);
  const opacity = slider("vw-ab-opacity", 0, 100, 1);
  const opacityField = field(tools, "vw-ab-field vw-ab-opacity-field", "B opacity", opacity);
  const offsetBox = make("span", "vw-ab-field vw-ab-offset-field", tools, "B offset ");
  offsetBox.setAttribute("role", "group");
  offsetBox.setAttribute("aria-label", "B offset in frames");
  const minus = button("vw-ab-offset-minus", "−", offsetBox, "B one frame earlier");
  minus.setAttribute("aria-label", "B one frame earlier");
  const offsetIn = make("input", "vw-ab-offset", offsetBox);
  Object.assign(offsetIn, { type: "number", step: "1", value: "0" });
  offsetIn.setAttribute("aria-label", "B offset in frames");
  const plus = button("vw-ab-offset-plus", "+", offsetBox, "B one frame later");
  plus.setAttribute("aria-label", "B one frame later");
  offsetBox.append(" frames");
  const audioSel = choices("vw-ab-audio", AB_AUDIO);
  field(tools, "vw-ab-field", "audio from", audioSel);
  const canvas = make("canvas", "vw-ab-diff", stage);
  canvas.setAttribute("role", "img");
  canvas.setAttribute("aria-label", "Difference of A and B, amplified");
  const work = document.createElement("canvas"); // where A and B are read back, off screen
  let looping = false;
  let enabled = false;

  const mode = () => model.get("ab_mode") || "wipe";
  const offsetFrames = () => Math.round(Number(model.get("ab_offset_frames")) || 0);
  const save = (name, value) => {
    model.set(name, value);
    model.save_changes();
  };

  function drawDiff() {
    if (abA.readyState < 2 || abB.readyState < 2 || !abA.videoWidth || !abA.videoHeight) return;
    const w = Math.min(DIFF_MAX_WIDTH, abA.videoWidth);
    const h = Math.max(1, Math.round((w * abA.videoHeight) / abA.videoWidth));
    if (canvas.width !== w || canvas.height !== h) {
      Object.assign(canvas, { width: w, height: h });
      Object.assign(work, { width: w, height: h });
    }
    const ctx = work.getContext("2d", { willReadFrequently: true });
    ctx.drawImage(abA, 0, 0, w, h);
    const out = ctx.getImageData(0, 0, w, h);
    ctx.drawImage(abB, 0, 0, w, h);
    const b = ctx.getImageData(0, 0, w, h).data;
    const a = out.data;
    const g = Number(model.get("ab_gain")) || 1;
    let sum = 0;
    for (let i = 0; i < a.length; i += 4) {
      for (let c = i; c < i + 3; c++) {
        a[c] = Math.min(255, Math.abs(a[c] - b[c]) * g);
        sum += a[c];
      }
      a[i + 3] = 255;
    }
    canvas.getContext("2d").putImageData(out, 0, 0);
    ab.dataset.diffMean = (sum / (w * h * 3)).toFixed(2); // for tests: ~0 for the same video
  }

  function drawing() {
    return enabled && mode() === "difference";
  }

  function frameLoop() {
    if (!drawing()) {
      looping = false;
      return;
    }
    drawDiff();
    // once per presented frame where the browser says when; else once per display frame
    if (abA.requestVideoFrameCallback) abA.requestVideoFrameCallback(frameLoop);
    else window.requestAnimationFrame(frameLoop);
  }

  const redraw = () => {
    if (drawing()) drawDiff();
  };
  for (const v of [abA, abB]) {
    v.addEventListener("seeked", redraw);
    v.addEventListener("loadeddata", redraw);
  }

  function paint(on) {
    enabled = on;
    const m = mode();
    ab.dataset.mode = m;
    for (const [name] of AB_MODES) ab.classList.toggle(`vw-ab-mode-${name}`, name === m);
    modeSel.value = m;
    gainField.hidden = m !== "difference";
    opacityField.hidden = m !== "onion";
    canvas.hidden = m !== "difference";
    const g = Number(model.get("ab_gain")) || 1;
    gain.value = String(g);
    gainOut.textContent = `${g}×`;
    const op = Number(model.get("ab_opacity"));
    opacity.value = String(Math.round(op * 100));
    opacity.setAttribute("aria-valuetext", `${Math.round(op * 100)}%`);
    abB.style.opacity = m === "onion" ? String(op) : "";
    if (document.activeElement !== offsetIn) offsetIn.value = String(offsetFrames());
    ab.dataset.offset = String(offsetFrames());
    const audio = model.get("ab_audio") || "none";
    audioSel.value = audio;
    abA.muted = !(on && audio === "a");
    abB.muted = !(on && audio === "b");
    if (drawing()) {
      drawDiff();
      if (!looping) {
        looping = true;
        frameLoop();
      }
    }
  }

  modeSel.addEventListener("change", () => save("ab_mode", modeSel.value));
  gain.addEventListener("input", () => save("ab_gain", Number(gain.value)));
  opacity.addEventListener("input", () => save("ab_opacity", Number(opacity.value) / 100));
  audioSel.addEventListener("change", () => save("ab_audio", audioSel.value));
  minus.addEventListener("click", () => save("ab_offset_frames", offsetFrames() - 1));
  plus.addEventListener("click", () => save("ab_offset_frames", offsetFrames() + 1));
  offsetIn.addEventListener("change", () => {
    const n = Math.round(Number(offsetIn.value));
    save("ab_offset_frames", Number.isFinite(n) ? n : 0);
  });

  const onOffset = () => {
    paint(enabled);
    realign();
  };
  const onOther = () => paint(enabled);
  model.on("change:ab_offset_frames", onOffset);
  for (const name of ["ab_mode", "ab_gain", "ab_opacity", "ab_audio"]) model.on(`change:${name}`, onOther);

  return {
    paint,
    /** Seconds B runs ahead of A (and of the grid): its offset in B's own frames. */
    offsetOf: (v) => (enabled && v === abB ? offsetFrames() * frameOfB() : 0),
    isWipe: () => mode() === "wipe",
    dispose() {
      enabled = false;
      model.off("change:ab_offset_frames", onOffset);
      for (const name of ["ab_mode", "ab_gain", "ab_opacity", "ab_audio"]) model.off(`change:${name}`, onOther);
    },
  };
}

function render({ model, el }) {
  const root = make("div", "vw-cmp", el);
  let disposed = false;

  // -- header: title, overall progress, actions ------------------------------------------
  const head = make("div", "vw-cmp-head", root);
  const title = make("span", "vw-cmp-title", head);
  const badge = make("span", "vw-cmp-badge", head, "SIMULATOR");
  const overall = make("div", "vw-cmp-overall", head);
  const counts = make("span", "vw-cmp-counts", overall);
  const bar = make("div", "vw-cmp-bar", overall);
  bar.setAttribute("role", "progressbar");
  bar.setAttribute("aria-label", "Cells finished");
  bar.setAttribute("aria-valuemin", "0");
  bar.setAttribute("aria-valuemax", "100");
  const barDone = make("div", "vw-cmp-bar-done", bar);
  const barFailed = make("div", "vw-cmp-bar-failed", bar);
  const clock = make("span", "vw-cmp-clock", overall);
  // the grid's estimate; its basis (one line per model) is the tooltip and the description
  const price = make("span", "vw-cmp-price", head);
  const priceBasis = make("span", "vw-cmp-price-basis", head);
  priceBasis.id = `vw-cmp-basis-${Math.random().toString(36).slice(2)}`;
  priceBasis.hidden = true;
  price.setAttribute("aria-describedby", priceBasis.id);
  const confirmRun = button("vw-cmp-confirm", "", head);
  confirmRun.setAttribute("aria-describedby", priceBasis.id);
  confirmRun.hidden = true;
  const actions = make("div", "vw-cmp-actions", head);
  const cancelAll = button("vw-cmp-cancel", "Cancel all", actions, "cancel every unfinished cell");
  const exportHtml = button("vw-cmp-export-html", "Export HTML", actions);
  const exportVideo = button("vw-cmp-export-video", "Export grid video", actions);
  const message = make("div", "vw-cmp-message", root);
  const priceReason = make("div", "vw-cmp-price-reason", root);
  priceReason.setAttribute("role", "status");

  // -- the synchronized control bar -------------------------------------------------------
  const controls = make("div", "vw-sync", root);
  controls.setAttribute("role", "toolbar");
  controls.setAttribute("aria-label", "Playback of all videos");
  const playBtn = button("vw-sync-play", "▶ Play all", controls);
  const backBtn = button("vw-sync-back", "◀ frame", controls, "one frame back (←)");
  const fwdBtn = button("vw-sync-fwd", "frame ▶", controls, "one frame forward (→)");
  const seek = make("input", "vw-sync-seek", controls);
  seek.type = "range";
  seek.min = "0";
  seek.max = "1000";
  seek.value = "0";
  seek.setAttribute("aria-label", "Seek all videos");
  const timeLabel = make("span", "vw-sync-time", controls, "0.00 / 0.00");
  const frameLabel = make("span", "vw-sync-frame", controls, "frame – / –");
  const loopLabel = make("label", "vw-sync-loop-label", controls);
  const loopBox = make("input", "vw-sync-loop", loopLabel);
  loopBox.type = "checkbox";
  loopLabel.append(" loop");
  const speedLabel = make("label", "vw-sync-speed-label", controls, "speed ");
  const speedSel = make("select", "vw-sync-speed", speedLabel);
  for (const s of SPEEDS) {
    const opt = make("option", "", speedSel, `${s}×`);
    opt.value = String(s);
  }
  const abLabel = make("label", "vw-sync-ab-label", controls);
  const abBox = make("input", "vw-sync-ab", abLabel);
  abBox.type = "checkbox";
  abLabel.append(" A/B");
  const abSelA = make("select", "vw-ab-select-a", controls);
  const abSelB = make("select", "vw-ab-select-b", controls);
  abSelA.title = "A (left of the wipe)";
  abSelB.title = "B (right of the wipe)";
  abSelA.setAttribute("aria-label", abSelA.title);
  abSelB.setAttribute("aria-label", abSelB.title);

  // -- the A/B panel ----------------------------------------------------------------------
  const ab = make("div", "vw-ab", root);
  const stage = make("div", "vw-ab-stage", ab);
  const abA = make("video", "vw-ab-a vw-sync-video", stage);
  const abB = make("video", "vw-ab-b vw-sync-video", stage);
  const wipe = make("div", "vw-ab-wipe", stage);
  wipe.tabIndex = 0;
  wipe.setAttribute("role", "slider");
  wipe.setAttribute("aria-label", "A/B wipe position");
  wipe.setAttribute("aria-valuemin", "0");
  wipe.setAttribute("aria-valuemax", "100");
  const abLabelA = make("span", "vw-ab-label vw-ab-label-a", stage);
  const abLabelB = make("span", "vw-ab-label vw-ab-label-b", stage);
  for (const v of [abA, abB]) {
    v.muted = true;
    v.playsInline = true;
    v.preload = "auto";
  }
  const abModes = createAbModes({
    model,
    ab,
    stage,
    abA,
    abB,
    frameOfB: () => {
      const cell = (model.get("cells_state") || []).find((c) => c.key === ab.dataset.b);
      return cell && cell.fps > 0 ? 1 / cell.fps : engine.frame();
    },
    realign: () => engine.seek(engine.position().time), // B lands at its new offset
  });

  // -- the grid ---------------------------------------------------------------------------
  const grid = make("div", "vw-cmp-grid", root);
  const tiles = new Map(); // key -> tile
  const urls = new Map(); // key -> {source, url}
  const pending = new Map(); // rid -> {key, source, parts, received, kind}
  const stripUrls = new Map(); // key -> {source, url, frames}
  const loadQueue = []; // tiles whose video Play all asked for, fetched LOAD_AT_ONCE at a time
  let headers = [];
  let receivedAt = performance.now();
  const inSet = (name, status) => ((model.get("vocabulary") || {})[name] || []).includes(status);
  const isRunning = (status) => inSet("running", status);
  const isFinal = (status) => inSet("final", status);

  // -- synchronized playback (the shared engine) --------------------------------------------
  let wipePos = 50;
  let metricsView = null; // set once the engine exists

  function active() {
    const vs = [];
    for (const tile of tiles.values()) {
      if (tile.video.getAttribute("src") && !tile.video.hidden && !tile.node.hidden) vs.push(tile.video);
    }
    if (model.get("ab_enabled")) {
      for (const v of [abA, abB]) if (v.getAttribute("src")) vs.push(v);
    }
    return vs;
  }

  function frame() {
    let fps = 0;
    for (const cell of model.get("cells_state") || []) fps = Math.max(fps, cell.fps || 0);
    // the finest frame of all: stepping reaches every frame (0: unknown, the engine measures)
    return fps ? 1 / fps : 0;
  }

  function ui() {
    const p = engine.position();
    timeLabel.textContent = `${fmtTime(p.time)} / ${fmtTime(p.duration)}`;
    frameLabel.textContent = SyncFrames.label(p);
    root.dataset.frame = String(p.frame);
    if (p.duration && document.activeElement !== seek) {
      seek.value = String(Math.round((1000 * p.time) / p.duration));
    }
    playBtn.textContent = p.playing ? "❚❚ Pause all" : "▶ Play all";
    root.dataset.playing = p.playing ? "true" : "false";
    root.dataset.videos = String(p.count);
    if (metricsView) metricsView.tick();
  }

  const engine = createSyncEngine({
    videos: active,
    frame,
    offset: (v) => abModes.offsetOf(v),
    loop: () => model.get("loop"),
    onChange: () => {
      if (!disposed) ui();
    },
  });
  const { play, pause, step } = engine;
  // badges, sort, highlight and the curves under the seek bar (apps/_metrics_view.js)
  metricsView = createMetricsView({ model, root, head, after: controls, tiles, engine, make, button });

  function setRate(r) {
    engine.setRate(r);
    speedSel.value = String(engine.rate());
  }

  engine.attach(abA);
  engine.attach(abB);

  playBtn.addEventListener("click", toggleAll);
  backBtn.addEventListener("click", () => step(-1));
  fwdBtn.addEventListener("click", () => step(1));
  seek.addEventListener("input", () => {
    const p = engine.position();
    if (p.count) engine.seek((p.duration * Number(seek.value)) / 1000);
  });
  loopBox.addEventListener("change", () => {
    model.set("loop", loopBox.checked);
    model.save_changes();
  });
  speedSel.addEventListener("change", () => {
    setRate(Number(speedSel.value) || 1);
    model.set("playback_rate", engine.rate());
    model.save_changes();
  });
  root.tabIndex = 0;
  // review keys on the focused grid or A/B panel: ←/→ a frame, Shift ten, Space play/pause
  // (which also fetches the videos of cells still showing their filmstrip)
  const stopKeys = engine.keysWithin(root, { toggle: toggleAll });

  // -- A/B ---------------------------------------------------------------------------------
  function setWipe(p) {
    wipePos = Math.max(0, Math.min(100, p));
    abB.style.clipPath = abModes.isWipe() ? `inset(0 0 0 ${wipePos}%)` : "";
    wipe.hidden = !abModes.isWipe();
    wipe.style.left = `${wipePos}%`;
    wipe.setAttribute("aria-valuenow", String(Math.round(wipePos)));
    ab.dataset.position = String(Math.round(wipePos));
  }

  function wipeFromPointer(e) {
    const box = stage.getBoundingClientRect();
    if (box.width > 0) setWipe((100 * (e.clientX - box.left)) / box.width);
  }

  let dragging = false;
  stage.addEventListener("pointerdown", (e) => {
    if (!abModes.isWipe()) return;
    dragging = true;
    if (stage.setPointerCapture) stage.setPointerCapture(e.pointerId);
    wipeFromPointer(e);
  });
  stage.addEventListener("pointermove", (e) => {
    if (dragging) wipeFromPointer(e);
  });
  const endDrag = () => {
    dragging = false;
  };
  stage.addEventListener("pointerup", endDrag);
  stage.addEventListener("pointercancel", endDrag);
  wipe.addEventListener("keydown", (e) => {
    if (e.key === "ArrowLeft") setWipe(wipePos - 5);
    else if (e.key === "ArrowRight") setWipe(wipePos + 5);
    else return;
    e.preventDefault();
    e.stopPropagation();
  });

  function captionOf(key) {
    const cell = (model.get("cells_state") || []).find((c) => c.key === key);
    return cell ? cell.caption : "";
  }

  function setAbSource(v, key) {
    const entry = urls.get(key);
    const url = entry ? entry.url : "";
    if ((v.getAttribute("src") || "") === url) return;
    if (url) {
      v.src = url;
    } else {
      v.removeAttribute("src");
      v.load();
    }
  }

  function paintAb() {
    const enabled = model.get("ab_enabled");
    abBox.checked = enabled;
    ab.hidden = !enabled;
    abSelA.hidden = !enabled;
    abSelB.hidden = !enabled;
    root.classList.toggle("vw-ab-on", enabled);
    abModes.paint(enabled);
    const cells = model.get("cells_state") || [];
    let [a, b] = model.get("ab_keys") || ["", ""];
    const done = cells.filter((c) => c.status === "succeeded");
    for (const sel of [abSelA, abSelB]) {
      const wanted = done.map((c) => c.key).join("\n");
      if (sel.dataset.keys !== wanted) {
        sel.replaceChildren();
        for (const c of done) {
          const opt = make("option", "", sel, c.caption || c.key);
          opt.value = c.key;
        }
        sel.dataset.keys = wanted;
      }
    }
    if (!enabled) {
      for (const v of [abA, abB]) {
        v.pause();
        if (v.getAttribute("src")) {
          v.removeAttribute("src");
          v.load();
        }
      }
      return;
    }
    // default to the first two finished cells
    if (!done.some((c) => c.key === a)) a = done[0] ? done[0].key : "";
    if (!done.some((c) => c.key === b)) b = done[1] ? done[1].key : a;
    abSelA.value = a;
    abSelB.value = b;
    ab.dataset.a = a;
    ab.dataset.b = b;
    abLabelA.textContent = `A: ${captionOf(a)}`;
    abLabelB.textContent = `B: ${captionOf(b)}`;
    for (const key of [a, b]) playable(key); // cells still showing strips fetch their video
    setAbSource(abA, a);
    setAbSource(abB, b);
    setWipe(wipePos);
  }

  abBox.addEventListener("change", () => {
    model.set("ab_enabled", abBox.checked);
    model.save_changes();
    paintAb();
  });
  for (const sel of [abSelA, abSelB]) {
    sel.addEventListener("change", () => {
      model.set("ab_keys", [abSelA.value, abSelB.value]);
      model.save_changes();
      paintAb();
    });
  }

  // -- cells -------------------------------------------------------------------------------
  function makeTile(key) {
    const tile = { key, source: "", stars: [] };
    tile.node = make("div", "vw-cell");
    tile.node.dataset.key = key;
    tile.media = make("div", "vw-cell-media", tile.node);
    tile.video = make("video", "vw-cell-video vw-sync-video", tile.media);
    tile.video.hidden = true;
    tile.video.playsInline = true;
    tile.video.preload = "auto";
    engine.attach(tile.video);
    makeStrip(tile);
    tile.progress = make("div", "vw-cell-progress", tile.media);
    const line = make("div", "vw-cell-status-line", tile.progress);
    tile.status = make("span", "vw-cell-status", line);
    tile.clock = make("span", "vw-cell-clock", line);
    tile.track = make("div", "vw-cell-bar", tile.progress);
    tile.track.setAttribute("role", "progressbar");
    tile.track.setAttribute("aria-valuemin", "0");
    tile.track.setAttribute("aria-valuemax", "100");
    tile.fill = make("div", "vw-cell-bar-fill", tile.track);
    tile.message = make("div", "vw-cell-message", tile.progress);
    tile.hint = make("div", "vw-cell-hint", tile.progress);
    tile.caption = make("div", "vw-cell-caption", tile.node);
    const row = make("div", "vw-cell-actions", tile.node);
    tile.cancel = button("vw-cell-cancel", "Cancel", row);
    tile.retry = button("vw-cell-retry", "Retry", row);
    makeStackAndPromote(tile, row);
    tile.starsBox = make("span", "vw-cell-stars", row);
    // toggle buttons in a group (a radiogroup would want role=radio children)
    tile.starsBox.setAttribute("role", "group");
    tile.starsBox.setAttribute("aria-label", "rating");
    for (let i = 1; i <= 5; i++) {
      const star = button("vw-star", "☆", tile.starsBox, `${i} star${i > 1 ? "s" : ""}`);
      star.setAttribute("aria-label", star.title); // not "white star"
      star.dataset.value = String(i);
      star.addEventListener("click", () => {
        const now = Number(tile.node.dataset.rating || 0);
        const stars = now === i ? 0 : i; // clicking the current rating clears it
        paintStars(tile, stars);
        model.send({ type: "rate", key, stars });
      });
      tile.stars.push(star);
    }
    tile.note = make("textarea", "vw-cell-note", tile.node);
    tile.note.rows = 1;
    tile.note.placeholder = "note…";
    tile.note.addEventListener("change", () => {
      model.send({ type: "note", key, text: tile.note.value });
    });
    tile.cancel.addEventListener("click", () => {
      tile.cancel.disabled = true;
      model.send({ type: "cancel", key });
    });
    tile.retry.addEventListener("click", () => {
      tile.retry.disabled = true;
      model.send({ type: "retry", key });
    });
    return tile;
  }

  // -- the caption's marked words, the takes' stack, the Promote button ---------------------
  const stackShown = new Map(); // "row,column" -> which take of the stack is on top

  function paintCaption(tile, cell) {
    const parts = cell.caption_parts || [[cell.caption, false]];
    const text = JSON.stringify(parts);
    if (tile.captionParts === text) return;
    tile.captionParts = text;
    tile.caption.replaceChildren();
    // plain text in <mark> / <span>: a prompt's HTML stays text
    for (const [run, marked] of parts) make(marked ? "mark" : "span", "", tile.caption, run);
  }

  function makeStackAndPromote(tile, row) {
    tile.promote = button("vw-cell-promote", "Promote", row, "Run this cell again as a new row at the bottom");
    tile.promote.addEventListener("click", () => {
      tile.promote.disabled = true;
      model.send({ type: "promote", key: tile.key });
    });
    tile.stack = make("div", "vw-cell-stack", null);
    tile.stack.setAttribute("role", "group");
    tile.stack.setAttribute("aria-label", "takes");
    // the arrow keys flip the stack (onStackKey): Lumino's shortcuts must not take them
    tile.stack.setAttribute("data-lm-suppress-shortcuts", "true");
    tile.stack.setAttribute("data-vw-own-keys", ""); // ← → flip takes here, not frames
    tile.node.insertBefore(tile.stack, tile.caption);
    tile.prev = button("vw-stack-prev", "‹", tile.stack, "Previous take");
    tile.prev.setAttribute("aria-label", "Previous take");
    tile.takeLabel = make("span", "vw-stack-label", tile.stack);
    tile.takeLabel.setAttribute("aria-live", "polite");
    tile.next = button("vw-stack-next", "›", tile.stack, "Next take");
    tile.next.setAttribute("aria-label", "Next take");
    tile.spread = make("span", "vw-stack-spread", tile.stack);
    tile.prev.addEventListener("click", () => flip(tile, -1));
    tile.next.addEventListener("click", () => flip(tile, 1));
  }

  // The arrow keys on a stack's bar flip it. Heard on the document in the capture phase: the
  // notebook (Notebook 7, JupyterLab) stops arrow keys on their way down to a cell's output.
  function onStackKey(e) {
    if (e.key !== "ArrowLeft" && e.key !== "ArrowRight") return;
    const bar = e.target && e.target.closest ? e.target.closest(".vw-cell-stack") : null;
    if (!bar || !root.contains(bar)) return;
    const tile = [...tiles.values()].find((t) => t.stack === bar);
    if (!tile) return;
    e.preventDefault();
    e.stopPropagation();
    flip(tile, e.key === "ArrowLeft" ? -1 : 1);
  }
  root.ownerDocument.addEventListener("keydown", onStackKey, true);

  function flip(tile, by) {
    const spot = tile.spot;
    if (!spot || !tile.size) return;
    stackShown.set(spot, (((stackShown.get(spot) || 0) + by) % tile.size + tile.size) % tile.size);
    paintCells();
    // the keyboard stays on the stack: focus the same button on the take now on top
    for (const other of tiles.values()) {
      if (other.spot === spot && !other.node.hidden) (by < 0 ? other.prev : other.next).focus();
    }
  }

  function paintStack(tile, cell) {
    const size = cell.stack_size || 1;
    tile.spot = `${cell.row},${cell.column}`;
    tile.size = size;
    tile.stack.hidden = size < 2;
    tile.node.hidden = size > 1 && (stackShown.get(tile.spot) || 0) !== (cell.stack_index || 0);
    tile.node.dataset.take = String((cell.stack_index || 0) + 1);
    if (size < 2) return;
    tile.takeLabel.textContent = `take ${(cell.stack_index || 0) + 1} of ${size}`;
    const spread = Object.entries(cell.spread || {}).map(
      ([name, s]) => `${name} ${s.min.toPrecision(3)}–${s.max.toPrecision(3)}`,
    );
    tile.spread.textContent = spread.length ? `spread: ${spread.join(", ")}` : "";
  }

  function paintStars(tile, stars) {
    tile.node.dataset.rating = String(stars);
    tile.stars.forEach((s, i) => {
      s.textContent = i < stars ? "★" : "☆";
      s.classList.toggle("vw-star-on", i < stars);
      // pressed: the star that is the rating ("3 stars, pressed"), not each one lit below it
      s.setAttribute("aria-pressed", i + 1 === stars ? "true" : "false");
    });
  }

  function paintClock(tile, cell) {
    const running = isRunning(cell.status);
    const since = running ? (performance.now() - receivedAt) / 1000 : 0;
    if (cell.elapsed === null || cell.elapsed === undefined) {
      tile.clock.textContent = "";
      return;
    }
    let text = fmtClock(cell.elapsed + since);
    if (running && cell.eta !== null && cell.eta !== undefined) {
      const left = cell.eta - since;
      text += left > 1 ? ` · ~${fmtClock(left)} left` : " · almost done";
    }
    tile.clock.textContent = text;
  }

  function paintTile(tile, cell) {
    const status = cell.status;
    const running = isRunning(status);
    tile.node.dataset.status = status;
    tile.node.dataset.row = String(cell.row);
    tile.node.dataset.column = String(cell.column);
    tile.node.dataset.jobId = cell.job_id || "";
    for (const name of Object.keys(LABELS)) tile.node.classList.toggle(`vw-cell-${name}`, name === status);
    // header row / column first when the grid has axis labels
    const offsetR = (model.get("column_labels") || []).length ? 1 : 0;
    const offsetC = (model.get("row_labels") || []).length ? 1 : 0;
    tile.node.style.gridRow = String(cell.row + 1 + offsetR);
    tile.node.style.gridColumn = String(cell.column + 1 + offsetC);
    let label = LABELS[status] || String(status);
    const determinate = cell.fraction !== null && cell.fraction !== undefined;
    if (status === "in_progress" && determinate) label = `Generating… ${Math.round(cell.fraction * 100)}%`;
    if (status === "succeeded" && cell.origin && cell.origin !== "created") label = `Done (${cell.origin})`;
    tile.status.textContent = label;
    paintCaption(tile, cell);
    tile.caption.title = cell.prompt;
    // the same words on every cell's controls: each name says which cell it belongs to
    const which = cell.caption || cell.key;
    tile.track.setAttribute("aria-label", `Progress of ${which}`);
    tile.track.setAttribute("aria-valuetext", label);
    tile.note.setAttribute("aria-label", `Note on ${which}`);
    tile.cancel.setAttribute("aria-label", `Cancel ${which}`);
    tile.starsBox.setAttribute("aria-label", `Rating of ${which}`);
    tile.track.classList.toggle("vw-cell-bar-indeterminate", running && !determinate);
    let pct = 0;
    if (status === "succeeded") pct = 100;
    else if (determinate) pct = Math.max(0, Math.min(100, cell.fraction * 100));
    tile.fill.style.width = running && !determinate ? "" : `${pct}%`;
    if (running && !determinate) tile.track.removeAttribute("aria-valuenow");
    else tile.track.setAttribute("aria-valuenow", String(Math.round(pct)));
    tile.message.textContent = cell.message || "";
    tile.hint.textContent = cell.hint || "";
    tile.cancel.hidden = !running;
    tile.cancel.disabled = false;
    tile.retry.hidden = !(isFinal(status) && status !== "succeeded");
    tile.retry.textContent = status === "pending" ? "Resume" : "Retry";
    tile.retry.setAttribute("aria-label", `${tile.retry.textContent} ${which}`);
    tile.retry.disabled = false;
    tile.promote.hidden = status !== "succeeded";
    tile.promote.disabled = false;
    paintStack(tile, cell);
    paintStars(tile, cell.rating || 0);
    if (tile.note.ownerDocument.activeElement !== tile.note && tile.note.value !== (cell.note || "")) {
      tile.note.value = cell.note || "";
    }
    paintClock(tile, cell);
    paintMedia(tile, cell);
  }

  // -- cell media: the progress, then the filmstrip (strip mode) or the video ---------------
  function paintMedia(tile, cell) {
    const done = cell.status === "succeeded" && cell.source;
    if (done) {
      if (tile.source !== cell.source) tile.source = cell.source;
      const info = (model.get("strips") || {})[cell.key];
      const ours = info && info.source === cell.source;
      const stripless = ours && info.error; // a strip that could not be made: the plain way
      if (!model.get("filmstrips") || stripless || tile.played === cell.source) {
        wantVideo(tile);
      } else if (ours && tile.stripFor !== cell.source) {
        tile.stripFor = cell.source;
        request(cell.key, cell.source, "strip", { frames: info.frames });
      }
    } else if (tile.source) {
      tile.source = "";
      tile.requested = "";
      tile.video.pause();
      tile.video.removeAttribute("src");
      tile.video.load();
    }
    // the video replaces the progress (or the strip) once its bytes are here
    const video = urls.get(cell.key);
    const strip = stripUrls.get(cell.key);
    const showVideo = Boolean(done && video && video.source === cell.source);
    const showStrip = Boolean(done && !showVideo && strip && strip.source === cell.source);
    tile.video.hidden = !showVideo;
    tile.strip.hidden = !showStrip;
    tile.progress.hidden = showVideo || showStrip;
    tile.node.dataset.media = showVideo ? "video" : showStrip ? "strip" : "progress";
    tile.strip.setAttribute("aria-label", `Play ${cell.caption || cell.prompt || cell.key}`);
    tile.strip.title = tile.strip.getAttribute("aria-label");
  }

  function makeStrip(tile) {
    // a button: Enter and Space play it, and its name says what plays
    tile.strip = button("vw-cell-strip", "", tile.media);
    tile.strip.hidden = true;
    tile.stripFrame = make("span", "vw-strip-frame", tile.strip);
    tile.stripRow = null; // its <img>, made when the strip's bytes arrive
    tile.strip.addEventListener("click", () => playTile(tile));
    // hovering scrubs: the big frame shows the strip's frame under the pointer
    tile.strip.addEventListener("pointermove", (e) => {
      const box = tile.strip.getBoundingClientRect();
      if (box.width > 0) showStripFrame(tile, (e.clientX - box.left) / box.width);
    });
    tile.strip.addEventListener("pointerleave", () => showStripFrame(tile, null));
  }

  function showStripFrame(tile, fraction) {
    const strip = stripUrls.get(tile.key);
    if (!strip) return;
    const n = Math.max(1, strip.frames);
    const i = fraction === null ? Math.floor(n / 2) : Math.max(0, Math.min(n - 1, Math.floor(fraction * n)));
    tile.stripFrame.style.backgroundPosition = n > 1 ? `${(100 * i) / (n - 1)}% 0` : "0 0";
    tile.strip.dataset.frame = String(i);
  }

  function wantVideo(tile) {
    if (!tile.source || tile.requested === tile.source) return;
    tile.requested = tile.source;
    request(tile.key, tile.source, "video");
  }

  function playable(key) {
    const tile = tiles.get(key);
    if (!tile || !tile.source) return;
    tile.played = tile.source;
    wantVideo(tile);
  }

  function playTile(tile) {
    tile.played = tile.source;
    if (urls.has(tile.key) && urls.get(tile.key).source === tile.source) return play();
    tile.playOnLoad = true;
    wantVideo(tile);
  }

  function pumpLoads() {
    let inFlight = 0;
    for (const job of pending.values()) if (job.kind === "video") inFlight += 1;
    while (inFlight < LOAD_AT_ONCE && loadQueue.length) {
      const tile = loadQueue.shift();
      if (!tiles.has(tile.key) || tile.requested === tile.source) continue;
      tile.played = tile.source;
      wantVideo(tile);
      inFlight += 1;
    }
  }

  function playAll() {
    // the cells still showing strips load a few at a time, and join in as they arrive
    loadQueue.length = 0;
    for (const tile of tiles.values()) {
      if (tile.source && tile.requested !== tile.source) loadQueue.push(tile);
    }
    pumpLoads();
    play();
  }

  function toggleAll() {
    if (engine.isPlaying()) pause();
    else playAll();
  }

  function paintHeaders() {
    for (const h of headers) h.remove();
    headers = [];
    const rowLabels = model.get("row_labels") || [];
    const colLabels = model.get("column_labels") || [];
    const offsetC = rowLabels.length ? 1 : 0;
    const offsetR = colLabels.length ? 1 : 0;
    colLabels.forEach((text, i) => {
      const h = make("div", "vw-cmp-colhead", grid, text);
      h.style.gridRow = "1";
      h.style.gridColumn = String(i + 1 + offsetC);
      headers.push(h);
    });
    rowLabels.forEach((text, i) => {
      const h = make("div", "vw-cmp-rowhead", grid, text);
      h.style.gridRow = String(i + 1 + offsetR);
      h.style.gridColumn = "1";
      headers.push(h);
    });
    const cols = Math.max(1, model.get("columns"));
    grid.style.gridTemplateColumns = `${offsetC ? "minmax(4em, max-content) " : ""}repeat(${cols}, minmax(0, 1fr))`;
  }

  function paintCells() {
    receivedAt = performance.now();
    paintHeaders();
    const cells = model.get("cells_state") || [];
    const keep = new Set();
    for (const cell of cells) {
      keep.add(cell.key);
      let tile = tiles.get(cell.key);
      if (!tile) {
        tile = makeTile(cell.key);
        tiles.set(cell.key, tile);
        grid.append(tile.node);
      }
      paintTile(tile, cell);
    }
    for (const [key, tile] of tiles) {
      if (!keep.has(key)) {
        tile.video.pause();
        tile.node.remove();
        tiles.delete(key);
      }
    }
    paintAb();
    metricsView.paint();
    ui();
  }

  function paintSummary() {
    const s = model.get("summary") || {};
    const total = s.total || 0;
    const parts = [`${s.done || 0} done`, `${s.failed || 0} failed`, `${s.running || 0} running`];
    if (s.cancelled) parts.push(`${s.cancelled} cancelled`);
    if (s.pending) parts.push(`${s.pending} pending`);
    counts.textContent = `${parts.join(" · ")} of ${total}`;
    for (const name of ["total", "done", "failed", "running", "cancelled", "pending"]) {
      root.dataset[name] = String(s[name] || 0);
    }
    barDone.style.width = total ? `${(100 * (s.done || 0)) / total}%` : "0";
    barFailed.style.width = total ? `${(100 * ((s.failed || 0) + (s.cancelled || 0))) / total}%` : "0";
    // the bar's whole fill (done, then failed or cancelled) is what has finished
    const finished = (s.done || 0) + (s.failed || 0) + (s.cancelled || 0);
    bar.setAttribute("aria-valuenow", String(total ? Math.round((100 * finished) / total) : 0));
    bar.setAttribute("aria-valuetext", counts.textContent); // the counts, not just a percentage
    cancelAll.disabled = !(s.running > 0);
    paintOverallClock();
  }

  function paintOverallClock() {
    const s = model.get("summary") || {};
    if (s.elapsed === null || s.elapsed === undefined) {
      clock.textContent = "";
      return;
    }
    const since = s.running ? (performance.now() - receivedAt) / 1000 : 0;
    let text = `${fmtClock(s.elapsed + since)} elapsed`;
    if (s.running && s.eta !== null && s.eta !== undefined) {
      const left = s.eta - since;
      text += left > 1 ? ` · about ${fmtClock(left)} left` : " · almost done";
    }
    clock.textContent = text;
  }

  function paintPrice() {
    const p = model.get("price") || {};
    price.textContent = p.text || "";
    price.title = p.basis || "";
    priceBasis.textContent = p.basis || "";
    root.dataset.price = p.state || "";
    priceReason.textContent = p.reason || "";
    confirmRun.hidden = p.state !== "confirm";
    confirmRun.disabled = false;
    confirmRun.textContent = p.button || "";
    confirmRun.title = p.basis || "";
    const flagged = new Set(p.flagged || []);
    for (const [key, tile] of tiles) tile.node.classList.toggle("vw-cell-flagged", flagged.has(key));
  }

  function paintHead() {
    title.textContent = model.get("title") || "";
    badge.hidden = !model.get("simulator");
    message.textContent = model.get("message") || "";
    loopBox.checked = model.get("loop");
    setRate(model.get("playback_rate") || 1);
  }

  // -- bytes from the kernel ---------------------------------------------------------------
  function request(key, source, kind, extra) {
    const rid = `${key}-${source}-${Math.random().toString(36).slice(2)}`;
    pending.set(rid, { key, source, parts: [], received: 0, kind, ...extra });
    model.send({ type: kind === "strip" ? "strip" : "get", key, source, rid });
  }

  function stripArrived(job, tile, blob) {
    const old = stripUrls.get(job.key);
    if (old) URL.revokeObjectURL(old.url);
    const url = URL.createObjectURL(blob);
    stripUrls.set(job.key, { source: job.source, url, frames: job.frames || 1 });
    if (!tile.stripRow) {
      tile.stripRow = make("img", "vw-strip-row", tile.strip);
      tile.stripRow.alt = ""; // the button's name says what it is
      tile.stripRow.draggable = false;
    }
    tile.stripRow.onload = () => {
      // the big frame takes the strip's own aspect ratio (one frame of it)
      const { naturalWidth: w, naturalHeight: h } = tile.stripRow;
      if (w && h) tile.stripFrame.style.aspectRatio = `${w / Math.max(1, job.frames)} / ${h}`;
    };
    tile.stripRow.src = url;
    tile.stripFrame.style.backgroundImage = `url("${url}")`;
    tile.stripFrame.style.backgroundSize = `${Math.max(1, job.frames) * 100}% 100%`;
    showStripFrame(tile, null);
  }

  function onCustom(msg, buffers) {
    if (disposed || !msg) return;
    if (msg.type === "play") return playAll();
    if (msg.type === "pause") return pause();
    if (msg.type === "seek" && Number.isFinite(msg.t)) return engine.seek(msg.t);
    if (msg.type === "step" && Number.isFinite(msg.n)) return step(msg.n);
    const job = pending.get(msg.rid);
    if (!job) return; // an answer to another view of this grid
    if (msg.type === "error") {
      pending.delete(msg.rid);
      const tile = tiles.get(job.key);
      if (tile && job.kind === "strip") {
        tile.played = job.source; // no strip after all: show the video, as without strips
        wantVideo(tile);
      } else if (tile) {
        tile.message.textContent = String(msg.message || "could not load the video");
      }
      pumpLoads();
      return;
    }
    if (msg.type !== "chunk") return;
    job.parts[msg.index] = buffers[0];
    job.received += 1;
    if (job.received < msg.count) return;
    pending.delete(msg.rid);
    pumpLoads();
    const tile = tiles.get(job.key);
    if (!tile || tile.source !== job.source) return; // retried meanwhile: newer bytes come
    if (job.kind === "strip") {
      stripArrived(job, tile, new Blob(job.parts, { type: msg.mime || "image/jpeg" }));
    }
    const cell = (model.get("cells_state") || []).find((c) => c.key === job.key);
    if (job.kind === "strip") {
      if (cell) paintTile(tile, cell);
      return;
    }
    const old = urls.get(job.key);
    if (old) URL.revokeObjectURL(old.url);
    const url = URL.createObjectURL(new Blob(job.parts, { type: msg.mime || "video/mp4" }));
    urls.set(job.key, { source: job.source, url });
    tile.video.src = url;
    if (cell) paintTile(tile, cell);
    if (tile.playOnLoad) {
      tile.playOnLoad = false;
      play(); // the strip was clicked: it plays, in sync with the videos already loaded
    }
    paintAb();
    ui();
  }

  confirmRun.addEventListener("click", () => {
    confirmRun.disabled = true; // one click, one run
    model.send({ type: "confirm" });
  });
  cancelAll.addEventListener("click", () => {
    cancelAll.disabled = true;
    model.send({ type: "cancel_all" });
  });
  exportHtml.addEventListener("click", () => model.send({ type: "export", what: "html" }));
  exportVideo.addEventListener("click", () => model.send({ type: "export", what: "video" }));

  const onCells = () => {
    paintCells();
    paintSummary();
    paintPrice();
  };
  const onSummary = () => {
    receivedAt = performance.now();
    paintSummary();
  };
  model.on("msg:custom", onCustom);
  model.on("change:cells_state", onCells);
  model.on("change:row_labels", onCells);
  model.on("change:column_labels", onCells);
  model.on("change:columns", onCells);
  model.on("change:summary", onSummary);
  model.on("change:price", paintPrice);
  model.on("change:metric_view", onCells);
  model.on("change:ab_enabled", paintAb);
  model.on("change:ab_keys", paintAb);
  model.on("change:strips", onCells);
  model.on("change:filmstrips", onCells);
  model.on("change:ab_mode", paintAb);
  for (const name of ["title", "simulator", "message", "loop", "playback_rate"]) {
    model.on(`change:${name}`, paintHead);
  }
  const timer = setInterval(() => {
    const cells = model.get("cells_state") || [];
    for (const cell of cells) {
      const tile = tiles.get(cell.key);
      if (tile && isRunning(cell.status)) paintClock(tile, cell);
    }
    paintOverallClock();
  }, 1000);

  // for tests and for anyone scripting the page: the same moves as the buttons
  root.vwSync = {
    play,
    pause,
    seek: engine.seek,
    step,
    setRate,
    setWipe,
    times: engine.times,
    paused: engine.paused,
    frame: engine.frame,
    position: engine.position,
    isPlaying: engine.isPlaying,
  };

  paintHead();
  onCells();
  setWipe(wipePos);

  return () => {
    disposed = true;
    root.ownerDocument.removeEventListener("keydown", onStackKey, true);
    clearInterval(timer);
    model.off("msg:custom", onCustom);
    model.off("change:cells_state", onCells);
    model.off("change:row_labels", onCells);
    model.off("change:column_labels", onCells);
    model.off("change:columns", onCells);
    model.off("change:summary", onSummary);
    model.off("change:price", paintPrice);
    model.off("change:metric_view", onCells);
    model.off("change:ab_enabled", paintAb);
    model.off("change:ab_keys", paintAb);
    model.off("change:strips", onCells);
    model.off("change:filmstrips", onCells);
    model.off("change:ab_mode", paintAb);
    abModes.dispose();
    stopKeys();
    for (const name of ["title", "simulator", "message", "loop", "playback_rate"]) {
      model.off(`change:${name}`, paintHead);
    }
    engine.dispose();
    for (const { url } of urls.values()) URL.revokeObjectURL(url);
    for (const { url } of stripUrls.values()) URL.revokeObjectURL(url);
  };
}

export default { render };
