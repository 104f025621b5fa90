// Arena front end (anywidget ES module): two videos side by side, played in sync, a blind vote
// by key or button, then the reveal.
//
// Synchronized playback is the engine shared with the Comparison and the HTML export
// (vidwidgets/_sync_engine.js: Python puts its text in front of this module, which is how
// createSyncEngine is in scope).
//
// Blind until the vote: the state holds only the phase and an opaque token for the pair; this
// file asks for each side's bytes with {type: "get", side, token, rid} and gets binary chunks
// back, which become a Blob URL. Nothing here names a model, a prompt or a file before the
// kernel sets `revealed`. Every text from Python is set with textContent, never innerHTML.

const KEYS = { a: "a", b: "b", t: "tie", x: "both_bad" };
const VERDICT = {
  a: "You preferred A",
  b: "You preferred B",
  tie: "You called it a tie",
  both_bad: "You found both bad",
};

function make(tag, className, parent, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  if (parent) parent.append(node);
  return node;
}

function button(className, text, parent, label) {
  const b = make("button", className, parent, text);
  b.type = "button";
  if (label) b.setAttribute("aria-label", label);
  return b;
}

function render({ model, el }) {
  const root = make("div", "vw-arena", el);
  root.tabIndex = 0;
  root.setAttribute("role", "group");
  root.setAttribute("aria-label", "Arena: which video is better?");
  let disposed = false;

  const head = make("div", "vw-arena-head", root);
  make("span", "vw-arena-title", head, "Arena");
  const counts = make("span", "vw-arena-counts", head);
  const message = make("div", "vw-arena-message", root);
  message.setAttribute("role", "status");

  const stage = make("div", "vw-arena-stage", root);
  const sides = {};
  for (const side of ["a", "b"]) {
    const figure = make("figure", `vw-arena-side vw-arena-side-${side}`, stage);
    const video = make("video", "vw-arena-video vw-sync-video", figure);
    video.muted = true;
    video.playsInline = true;
    video.preload = "auto";
    const cap = make("figcaption", "vw-arena-caption", figure);
    const letter = make("span", "vw-arena-letter", cap, side.toUpperCase());
    const reveal = make("div", "vw-arena-reveal", cap);
    video.setAttribute("aria-label", `Video ${side.toUpperCase()}`);
    sides[side] = { figure, video, letter, reveal, url: null };
  }

  const bar = make("div", "vw-arena-bar", root);
  bar.setAttribute("role", "toolbar");
  bar.setAttribute("aria-label", "Playback and vote");
  const playBtn = button("vw-arena-play", "▶ Play", bar, "Play both videos (space)");
  const votes = {
    a: button("vw-arena-vote-a", "A is better", bar, "A is better (key A)"),
    tie: button("vw-arena-vote-tie", "Tie", bar, "Tie (key T)"),
    both_bad: button("vw-arena-vote-both-bad", "Both bad", bar, "Both bad (key X)"),
    b: button("vw-arena-vote-b", "B is better", bar, "B is better (key B)"),
  };
  const nextBtn = button("vw-arena-next", "Next pair →", bar, "Next pair (key N)");

  const engine = createSyncEngine({
    videos: () => ["a", "b"].map((s) => sides[s].video).filter((v) => v.getAttribute("src")),
    frame: () => 1 / 24,
    loop: () => model.get("loop"),
    onChange: () => {
      if (!disposed) ui();
    },
  });
  engine.attach(sides.a.video);
  engine.attach(sides.b.video);

  function ui() {
    const p = engine.position();
    playBtn.textContent = p.playing ? "❚❚ Pause" : "▶ Play";
    playBtn.setAttribute("aria-pressed", p.playing ? "true" : "false");
    root.dataset.playing = p.playing ? "true" : "false";
    root.dataset.videos = String(p.count);
  }

  // -- bytes from the kernel, by side and token -------------------------------------------
  const pending = new Map(); // rid -> {side, token, parts, received}
  let loadedToken = "";
  let revealTimer = null;

  function load() {
    const token = model.get("token");
    if (token === loadedToken) return;
    loadedToken = token;
    engine.pause();
    for (const side of ["a", "b"]) {
      const s = sides[side];
      if (s.url) URL.revokeObjectURL(s.url);
      s.url = null;
      s.video.removeAttribute("src");
      s.video.load();
      if (!token) continue;
      const rid = `${side}-${token}-${Math.random().toString(36).slice(2)}`;
      pending.set(rid, { side, token, parts: [], received: 0 });
      model.send({ type: "get", side, token, rid });
    }
  }

  function onCustom(msg, buffers) {
    if (disposed || !msg) return;
    const job = pending.get(msg.rid);
    if (!job) return;
    if (msg.type === "error") {
      pending.delete(msg.rid);
      message.textContent = String(msg.message || "could not load the video");
      return;
    }
    if (msg.type !== "chunk") return;
    job.parts[msg.index] = buffers[0];
    job.received += 1;
    if (job.received < msg.count) return;
    pending.delete(msg.rid);
    if (job.token !== loadedToken) return; // the pair moved on meanwhile
    const s = sides[job.side];
    s.url = URL.createObjectURL(new Blob(job.parts, { type: msg.mime || "video/mp4" }));
    s.video.src = s.url;
    if (sides.a.url && sides.b.url) engine.play(); // both here: start them together
    ui();
  }

  // -- the vote and the reveal --------------------------------------------------------------
  function cast(outcome) {
    if (model.get("phase") !== "vote") return;
    for (const b of Object.values(votes)) b.disabled = true; // one vote per pair
    model.send({ type: "vote", outcome, token: model.get("token") });
  }

  function next() {
    if (model.get("phase") !== "reveal") return;
    nextBtn.disabled = true;
    model.send({ type: "next", token: model.get("token") });
  }

  function paint() {
    const phase = model.get("phase");
    const revealed = model.get("revealed") || {};
    root.dataset.phase = phase;
    stage.hidden = phase === "empty";
    bar.hidden = phase === "empty";
    for (const side of ["a", "b"]) {
      const s = sides[side];
      const info = revealed[side];
      s.reveal.replaceChildren();
      s.figure.classList.toggle("vw-arena-winner", revealed.outcome === side);
      if (!info) continue;
      make("div", "vw-arena-reveal-caption", s.reveal, info.caption || "");
      if (info.model) make("div", "vw-arena-reveal-model", s.reveal, info.model);
      if (info.prompt) make("div", "vw-arena-reveal-prompt", s.reveal, info.prompt);
    }
    for (const b of Object.values(votes)) b.disabled = phase !== "vote";
    nextBtn.hidden = phase !== "reveal";
    nextBtn.disabled = phase !== "reveal";
    const c = model.get("counts") || {};
    counts.textContent = `${c.videos || 0} videos · ${c.votes || 0} votes`;
    const verdict = phase === "reveal" ? VERDICT[revealed.outcome] || "" : "";
    message.textContent = model.get("message") || verdict;
    clearTimeout(revealTimer);
    const wait = Number(model.get("reveal_seconds")) || 0;
    if (phase === "reveal" && wait > 0) revealTimer = setTimeout(next, wait * 1000);
    load();
  }

  playBtn.addEventListener("click", engine.toggle);
  for (const [outcome, b] of Object.entries(votes)) b.addEventListener("click", () => cast(outcome));
  nextBtn.addEventListener("click", next);
  root.addEventListener("keydown", (e) => {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.target && /^(INPUT|SELECT|TEXTAREA)$/.test(e.target.tagName)) return;
    const key = e.key.toLowerCase();
    if (KEYS[key]) {
      e.preventDefault();
      e.stopPropagation(); // A, B and X are JupyterLab's cell commands outside edit mode
      cast(KEYS[key]);
    } else if (key === "n" || key === "enter") {
      e.preventDefault();
      e.stopPropagation();
      next();
    } else if (key === " ") {
      e.preventDefault();
      e.stopPropagation();
      engine.toggle();
    }
  });

  const names = ["phase", "revealed", "counts", "message", "token", "reveal_seconds"];
  model.on("msg:custom", onCustom);
  for (const name of names) model.on(`change:${name}`, paint);

  // for tests and for anyone scripting the page
  root.vwSync = {
    play: engine.play,
    pause: engine.pause,
    seek: engine.seek,
    times: engine.times,
    paused: engine.paused,
    isPlaying: engine.isPlaying,
  };

  paint();
  ui();

  return () => {
    disposed = true;
    clearTimeout(revealTimer);
    model.off("msg:custom", onCustom);
    for (const name of names) model.off(`change:${name}`, paint);
    engine.dispose();
    for (const s of Object.values(sides)) if (s.url) URL.revokeObjectURL(s.url);
  };
}

export default { render };
