// vidwidgets synchronized playback: the one engine behind the Comparison widget and the HTML export.
//
// A plain script with no import or export, so Python can put its text in front of both the
// anywidget ES module (apps/_comparison.js) and the export's single inline script
// (export/sync_player.js), which must run from file:// with no network. It declares two names:
// SyncFrames (pure frame arithmetic and the review keys, testable without a browser) and
// createSyncEngine; each front end brings its own buttons and labels.
//
// The video that ends last leads; the others follow it, nudged by playbackRate when they drift by
// more than half a frame and re-seeked when they drift far. Shorter videos hold their last frame.
// A video may run at an offset from the shared timeline (the A/B panel's B), so the engine keeps
// one timeline time T and shows T + offset in each video. A seek or a frame step is applied to
// all videos, and playback resumes only after every one of them has fired "seeked". Frame steps
// land on frame centres, where every decoder shows the same frame. All of it runs in the
// browser: no kernel round trip per frame.

// ARIA roles whose element answers the arrows itself (a slider, a radio group's option, ...)
const OWN_KEYS_ROLES = new Set([
  "slider",
  "spinbutton",
  "radio",
  "option",
  "menuitem",
  "tab",
  "textbox",
  "combobox",
  "gridcell",
  "treeitem",
]);

const SyncFrames = Object.freeze({
  DEFAULT_FPS: 24, // assumed (and said so in the label) when nobody knows a video's rate
  BIG_STEP: 10, // frames per Shift+arrow

  /** The 0-based frame shown at `t` seconds, `f` seconds per frame. */
  index(t, f) {
    return Math.max(0, Math.floor(t / f + 1e-6)); // 1e-6: n * f may land a hair below frame n
  },

  /** Where to seek to show frame `n`: its centre, so no decoder rounds onto a neighbour. */
  centre(n, f) {
    // a microsecond short of the exact centre: the same frame, and a step from a frame's very
    // first instant then measures at most 1.5 frames instead of a rounding error beyond it
    return Math.max(0, (n + 0.5) * f - 1e-6);
  },

  /** How many frames `duration` seconds hold (0 while the duration is unknown). */
  count(duration, f) {
    return duration > 0 ? Math.max(1, Math.round(duration / f)) : 0;
  },

  /** The frame `n` steps from time `t`, kept inside a video of `duration` seconds. */
  target(t, n, f, duration) {
    const last = Math.max(0, SyncFrames.count(duration, f) - 1);
    const k = SyncFrames.index(t, f) + n;
    return Math.max(0, duration > 0 ? Math.min(k, last) : k);
  },

  /** "frame 37 / 120" (1-based), and how the rate is known when it is not from the videos. */
  label(p) {
    if (!p.frames) return "frame – / –";
    const shown = Math.min(p.frame + 1, p.frames);
    const how = p.fpsSource === "known" ? "" : ` (${Math.round(p.fps * 100) / 100} fps ${p.fpsSource})`;
    return `frame ${shown} / ${p.frames}${how}`;
  },

  /**
   * What a keydown means for review: {step: ±1 | ±10}, {toggle: true} or null (not ours).
   *
   * Keys typed into a text field, a number or range input, a select or an editable element
   * stay theirs; Space on a button or a checkbox still presses it.
   */
  keyAction(e) {
    if (e.altKey || e.ctrlKey || e.metaKey) return null;
    const t = e.target || {};
    const tag = String(t.tagName || "").toUpperCase();
    const type = String(t.type || "").toLowerCase();
    const role = t.getAttribute ? t.getAttribute("role") : null;
    if (t.isContentEditable || tag === "TEXTAREA" || tag === "SELECT") return null;
    const pressable = tag === "BUTTON" || (tag === "INPUT" && (type === "checkbox" || type === "button"));
    if (tag === "INPUT" && !pressable) return null; // text, number, range, radio: their own keys
    if (e.key === " " || e.key === "Spacebar") return pressable ? null : { toggle: true };
    if (OWN_KEYS_ROLES.has(role)) return null; // e.g. the A/B wipe moves with the arrows
    // a part of the widget that takes the arrows itself (a take stack flips with them)
    if (t.closest && t.closest("[data-vw-own-keys]")) return null;
    const big = e.shiftKey ? SyncFrames.BIG_STEP : 1;
    if (e.key === "ArrowRight") return { step: big };
    if (e.key === "ArrowLeft") return { step: -big };
    return null;
  },
});

function createSyncEngine(options) {
  const videos = options.videos; // () => the <video> elements to drive right now
  const known = options.frame; // () => seconds per frame, the finest of all videos; 0: unknown
  const offsetOf = options.offset || (() => 0); // (video) => seconds it runs ahead of the timeline
  const loop = options.loop || (() => false); // () => wrap around at the end?
  const changed = options.onChange || (() => {}); // repaint the controls
  const FAR_DRIFT = 0.25; // seconds: beyond this a follower jumps instead of being nudged
  const SEEK_TIMEOUT_MS = 3000;
  let playing = false;
  let seeking = 0; // > 0 while a seek of all videos is in flight
  let seekToken = 0;
  let scheduled = false;
  let rate = 1;
  let disposed = false;
  let measured = 0; // seconds per frame seen between two presented frames (0: none yet)

  function dur(v) {
    return Number.isFinite(v.duration) && v.duration > 0 ? v.duration : 0;
  }

  function off(v) {
    const o = Number(offsetOf(v));
    return Number.isFinite(o) ? o : 0;
  }

  /** Seconds per frame, and whether the videos said so, it was measured, or it is assumed. */
  function frameInfo() {
    const f = Number(known());
    if (f > 0) return { f, source: "known" };
    if (measured > 0) return { f: measured, source: "estimated" };
    return { f: 1 / SyncFrames.DEFAULT_FPS, source: "assumed" };
  }

  function frame() {
    return frameInfo().f;
  }

  function leader(vs) {
    // the one whose end comes last on the shared timeline
    let best = null;
    for (const v of vs) if (best === null || dur(v) - off(v) > dur(best) - off(best)) best = v;
    return best;
  }

  function timeline(L) {
    return L ? L.currentTime - off(L) : 0;
  }

  function clampFor(v, t) {
    const d = dur(v);
    return d ? Math.max(0, Math.min(t, d - 0.001)) : Math.max(0, t);
  }

  function whenSeeked(v) {
    return new Promise((resolve) => {
      let timer = 0;
      const done = () => {
        v.removeEventListener("seeked", done);
        clearTimeout(timer);
        resolve();
      };
      v.addEventListener("seeked", done);
      // some browsers finish a seek to the current position synchronously: no "seeked" comes
      timer = setTimeout(done, v.seeking ? SEEK_TIMEOUT_MS : 0);
    });
  }

  async function seek(t) {
    const token = ++seekToken;
    seeking += 1;
    try {
      const vs = videos();
      for (const v of vs) v.pause(); // they start again together once all have landed
      const waits = vs.map((v) => {
        v.currentTime = clampFor(v, t + off(v));
        return whenSeeked(v);
      });
      await Promise.all(waits);
    } finally {
      seeking -= 1;
    }
    if (token !== seekToken || disposed) return; // a newer seek took over
    if (playing) startAll();
    changed();
  }

  function start(v) {
    v.play().catch(() => {
      // sound without a user gesture is refused: play on muted rather than fall out of sync
      if (v.muted || disposed) return;
      v.muted = true;
      v.play().catch(() => {});
      changed();
    });
  }

  function inRange(v, t, f) {
    const at = t + off(v);
    return at >= 0 && at < dur(v) - f;
  }

  function startAll() {
    const vs = videos();
    const L = leader(vs);
    if (!L) return;
    const f = frame();
    const t = timeline(L);
    for (const v of vs) {
      v.playbackRate = rate;
      if (v === L || inRange(v, t, f)) start(v);
    }
    schedule();
  }

  function play() {
    const L = leader(videos());
    playing = true;
    if (L && dur(L) && L.currentTime >= dur(L) - frame() / 2) {
      seek(0); // at the end: start over
    } else {
      startAll();
    }
    changed();
  }

  function pause() {
    playing = false;
    const vs = videos();
    for (const v of vs) v.pause();
    const L = leader(vs);
    if (L) seek(timeline(L)); // line every follower up with the leader's paused frame
    changed();
  }

  function toggle() {
    if (playing) pause();
    else play();
  }

  function step(n) {
    const L = leader(videos());
    if (!L) return;
    playing = false;
    const f = frame();
    const end = dur(L) ? dur(L) - off(L) : 0;
    seek(SyncFrames.centre(SyncFrames.target(timeline(L), n, f, end), f));
  }

  function setRate(r) {
    rate = r > 0 ? r : 1;
    for (const v of videos()) v.playbackRate = rate;
  }

  function follow(vs, L) {
    const t = timeline(L);
    const f = frame();
    for (const v of vs) {
      if (v === L) continue;
      if (!inRange(v, t, f)) {
        // before its start or past its end: it waits on its first frame or holds its last
        if (!v.paused) v.pause();
        if (t + off(v) < 0 && v.currentTime > 0) v.currentTime = 0;
        continue;
      }
      const target = clampFor(v, t + off(v));
      if (v.paused) start(v);
      const drift = v.currentTime - target;
      if (Math.abs(drift) > FAR_DRIFT) {
        v.currentTime = target;
        v.playbackRate = rate;
      } else if (Math.abs(drift) > f / 2) {
        // ahead: slow down a little; behind: speed up — catches up without a visible jump
        const nudge = Math.max(-0.2, Math.min(0.2, drift * 2));
        v.playbackRate = rate * (1 - nudge);
      } else if (v.playbackRate !== rate) {
        v.playbackRate = rate;
      }
    }
  }

  function tick() {
    scheduled = false;
    if (disposed) return;
    if (playing && !seeking) {
      const vs = videos();
      const L = leader(vs);
      if (L) follow(vs, L);
    }
    changed();
    if (playing) schedule();
  }

  function schedule() {
    if (scheduled || disposed) return;
    scheduled = true;
    // requestAnimationFrame stops in hidden tabs; a timer keeps headless browsers in sync too
    if (document.hidden || !window.requestAnimationFrame) setTimeout(tick, 1000 / 30);
    else window.requestAnimationFrame(tick);
  }

  function onEnded(event) {
    if (event.target !== leader(videos()) || !playing) return;
    if (loop()) seek(0);
    else pause();
  }

  function join(v) {
    // a video that arrives while the others play starts at the timeline's time
    const L = leader(videos().filter((x) => x !== v));
    if (L) v.currentTime = clampFor(v, timeline(L) + off(v));
    v.playbackRate = rate;
    if (playing) start(v);
  }

  function measure(v) {
    // without a known rate, the smallest media-time step between two consecutive presented
    // frames is one frame (requestVideoFrameCallback, where the browser has it)
    if (!v.requestVideoFrameCallback) return;
    let last = null;
    const onFrame = (now, meta) => {
      if (disposed || Number(known()) > 0) return;
      if (last && meta.presentedFrames === last.presentedFrames + 1) {
        const d = meta.mediaTime - last.mediaTime;
        if (d > 0.001 && d < 0.5 && (!measured || d < measured - 1e-4)) measured = d;
      }
      last = meta;
      v.requestVideoFrameCallback(onFrame);
    };
    v.requestVideoFrameCallback(onFrame);
  }

  function attach(v) {
    v.muted = true; // muted playback needs no user gesture; many videos at once need no sound
    v.loop = false; // looping is the engine's: all videos wrap together
    v.addEventListener("ended", onEnded);
    v.addEventListener("loadedmetadata", () => {
      join(v);
      changed();
    });
    measure(v);
  }

  function position() {
    const vs = videos();
    const L = leader(vs);
    const { f, source } = frameInfo();
    const time = timeline(L);
    const duration = L && dur(L) ? dur(L) - off(L) : 0;
    const frames = SyncFrames.count(duration, f);
    const at = Math.min(SyncFrames.index(time, f), Math.max(0, frames - 1));
    return {
      time,
      duration,
      playing,
      count: vs.length,
      frame: at,
      frames,
      fps: 1 / f,
      fpsSource: source,
    };
  }

  /** Handle a review key (←/→ a frame, Shift ten, Space play/pause); true if it was one. */
  function handleKey(e, onToggle = toggle) {
    const action = SyncFrames.keyAction(e);
    if (!action) return false;
    e.preventDefault();
    e.stopPropagation(); // JupyterLab's own shortcuts listen further up
    if (action.toggle) onToggle();
    else step(action.step);
    return true;
  }

  /**
   * Review keys for the elements inside `container`; returns what stops listening.
   * `options.toggle` replaces play/pause for Space (the grid's also fetches unloaded videos).
   */
  function keysWithin(container, options = {}) {
    const onToggle = options.toggle || toggle;
    // on the window, in the capture phase: heard before the page's own shortcuts, which
    // Notebook 7 (Lumino) takes on the document in the capture phase (JupyterLab: bubbling)
    const onKey = (e) => {
      if (!disposed && container.contains(e.target)) handleKey(e, onToggle);
    };
    window.addEventListener("keydown", onKey, true);
    return () => window.removeEventListener("keydown", onKey, true);
  }

  function dispose() {
    disposed = true;
    for (const v of videos()) v.pause();
  }

  return {
    play,
    pause,
    toggle,
    step,
    seek,
    setRate,
    attach,
    position,
    handleKey,
    keysWithin,
    frame,
    dispose,
    rate: () => rate,
    isPlaying: () => playing,
    times: () => videos().map((v) => v.currentTime),
    paused: () => videos().map((v) => v.paused),
  };
}
