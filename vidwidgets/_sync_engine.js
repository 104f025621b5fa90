// vidwidgets synchronized playback: the one engine behind the Comparison widget and the HTML export.
//
// A plain script with no import or export, so Python can put its text in front of both the
// anywidget ES module (apps/_comparison.js) and the export's single inline script
// (export/sync_player.js), which must run from file:// with no network. It declares one
// function, createSyncEngine; each front end brings its own buttons, keys and labels.
//
// The longest video leads; the others follow it, nudged by playbackRate when they drift by more
// than half a frame and re-seeked when they drift far. Shorter videos hold their last frame. A
// seek or a frame step is applied to all videos, and playback resumes only after every one of
// them has fired "seeked". All of it runs in the browser: no kernel round trip per frame.

function createSyncEngine(options) {
  const videos = options.videos; // () => the <video> elements to drive right now
  const frame = options.frame; // () => seconds per frame: the finest of all videos
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

  function dur(v) {
    return Number.isFinite(v.duration) && v.duration > 0 ? v.duration : 0;
  }

  function leader(vs) {
    let best = null;
    for (const v of vs) if (best === null || dur(v) > dur(best)) best = v;
    return best;
  }

  function clampFor(v, t) {
    const d = dur(v);
    return d ? Math.max(0, Math.min(t, d - 0.001)) : Math.max(0, t);
  }

  function whenSeeked(v) {
    return new Promise((resolve) => {
      if (!v.seeking) {
        // some browsers finish a seek to the current position synchronously
        setTimeout(resolve, 0);
      }
      const done = () => {
        v.removeEventListener("seeked", done);
        resolve();
      };
      v.addEventListener("seeked", done);
      setTimeout(done, SEEK_TIMEOUT_MS);
    });
  }

  async function seek(t) {
    const token = ++seekToken;
    seeking += 1;
    try {
      const vs = videos();
      for (const v of vs) v.pause(); // they start again together once all have landed
      const waits = vs.map((v) => {
        v.currentTime = clampFor(v, t);
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

  function startAll() {
    const vs = videos();
    const L = leader(vs);
    if (!L) return;
    const f = frame();
    for (const v of vs) {
      v.playbackRate = rate;
      if (v === L || L.currentTime < dur(v) - f) v.play().catch(() => {});
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
    if (L) seek(L.currentTime); // line every follower up with the leader's paused frame
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
    const total = dur(L);
    const t = L.currentTime + n * frame();
    seek(Math.max(0, total ? Math.min(t, total) : t));
  }

  function setRate(r) {
    rate = r > 0 ? r : 1;
    for (const v of videos()) v.playbackRate = rate;
  }

  function follow(vs, L) {
    const t = L.currentTime;
    const f = frame();
    for (const v of vs) {
      if (v === L) continue;
      const target = clampFor(v, t);
      if (t >= dur(v) - f) {
        if (!v.paused) v.pause(); // a shorter video holds its last frame
        continue;
      }
      if (v.paused) v.play().catch(() => {});
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
    // a video that arrives while the others play starts at the leader's time
    const L = leader(videos().filter((x) => x !== v));
    if (L) v.currentTime = clampFor(v, L.currentTime);
    v.playbackRate = rate;
    if (playing) v.play().catch(() => {});
  }

  function attach(v) {
    v.muted = true; // muted playback needs no user gesture; many videos at once need no sound
    v.loop = false; // looping is the engine's: all videos wrap together
    v.addEventListener("ended", onEnded);
    v.addEventListener("loadedmetadata", () => {
      join(v);
      changed();
    });
  }

  function position() {
    const vs = videos();
    const L = leader(vs);
    return { time: L ? L.currentTime : 0, duration: L ? dur(L) : 0, playing, count: vs.length };
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
    dispose,
    rate: () => rate,
    isPlaying: () => playing,
    times: () => videos().map((v) => v.currentTime),
    paused: () => videos().map((v) => v.paused),
  };
}
