// vidwidgets synchronized player: plain JS, no network, works from file:// in any browser.
// One control bar drives every video element of class vw-video. The longest video leads; others
// follow it, nudged by playbackRate for small drift and re-seeked for large drift, so every
// currentTime stays within about a frame of the leader. Shorter videos hold their last frame.
(function () {
  "use strict";
  var videos = Array.prototype.slice.call(document.querySelectorAll("video.vw-video"));
  var bar = document.getElementById("vw-controls");
  if (!videos.length || !bar) { if (bar) bar.hidden = true; return; }
  var fps = parseFloat(document.body.getAttribute("data-fps")) || 24;
  var frame = 1 / fps;
  var $ = function (id) { return document.getElementById(id); };
  var playBtn = $("vw-play"), seek = $("vw-seek"), clock = $("vw-time");
  var loopBox = $("vw-loop"), speedSel = $("vw-speed");
  var playing = false, rate = 1, scheduled = false;

  function dur(v) { return isFinite(v.duration) && v.duration > 0 ? v.duration : 0; }
  function leader() {
    var best = videos[0];
    for (var i = 1; i < videos.length; i++) { if (dur(videos[i]) > dur(best)) best = videos[i]; }
    return best;
  }
  function clampFor(v, t) {
    var d = dur(v);
    return d ? Math.max(0, Math.min(t, d - 0.001)) : Math.max(0, t);
  }
  function fmt(t) { return (Math.round(t * 100) / 100).toFixed(2); }
  function ui() {
    var L = leader(), total = dur(L), t = L.currentTime;
    clock.textContent = fmt(t) + " / " + fmt(total);
    if (total && document.activeElement !== seek) seek.value = String(Math.round(1000 * t / total));
    playBtn.textContent = playing ? "Pause" : "Play";
    playBtn.setAttribute("aria-pressed", playing ? "true" : "false");
  }
  function setAll(t) {
    videos.forEach(function (v) { v.currentTime = clampFor(v, t); });
    ui();
  }
  function tick() {
    scheduled = false;
    var L = leader(), t = L.currentTime;
    videos.forEach(function (v) {
      if (v === L) return;
      var target = clampFor(v, t);
      var drift = v.currentTime - target;
      if (!playing || t >= dur(v) - frame) {
        if (!v.paused && t >= dur(v) - frame) v.pause();       // hold the last frame
        if (Math.abs(drift) > frame / 2) v.currentTime = target;
        v.playbackRate = rate;
        return;
      }
      if (v.paused) { v.play().catch(function () {}); }
      if (Math.abs(drift) > 0.25) {
        v.currentTime = target;                                // too far: jump
        v.playbackRate = rate;
      } else if (Math.abs(drift) > frame / 4) {
        var nudge = Math.max(-0.2, Math.min(0.2, drift * 2));  // small: catch up smoothly
        v.playbackRate = rate * (1 - nudge);
      } else {
        v.playbackRate = rate;
      }
    });
    ui();
    if (playing) schedule();
  }
  function schedule() {
    if (scheduled) return;
    scheduled = true;
    // requestAnimationFrame stops in hidden tabs; a timer keeps headless browsers in sync too
    if (document.hidden || !window.requestAnimationFrame) setTimeout(tick, 1000 / 30);
    else window.requestAnimationFrame(tick);
  }
  function play() {
    var L = leader();
    if (dur(L) && L.currentTime >= dur(L) - frame / 2) setAll(0);
    playing = true;
    videos.forEach(function (v) {
      v.playbackRate = rate;
      if (v === L || v.currentTime < dur(v) - frame) v.play().catch(function () {});
    });
    schedule();
    ui();
  }
  function pause() {
    playing = false;
    videos.forEach(function (v) { v.pause(); v.playbackRate = rate; });
    setAll(leader().currentTime);
  }
  function step(n) {
    pause();
    var total = dur(leader());
    var t = leader().currentTime + n * frame;
    setAll(Math.max(0, total ? Math.min(t, total) : t));
  }
  function seekTo(t) { setAll(t); if (playing) schedule(); }
  function setRate(r) { rate = r; videos.forEach(function (v) { v.playbackRate = r; }); }

  leader().addEventListener("ended", function () {
    if (loopBox.checked && playing) { setAll(0); play(); } else { pause(); }
  });
  videos.forEach(function (v) {
    v.addEventListener("ended", function () { if (v !== leader()) tick(); });
    v.addEventListener("loadedmetadata", ui);
  });
  playBtn.addEventListener("click", function () { if (playing) pause(); else play(); });
  $("vw-back").addEventListener("click", function () { step(-1); });
  $("vw-fwd").addEventListener("click", function () { step(1); });
  seek.addEventListener("input", function () { seekTo(dur(leader()) * Number(seek.value) / 1000); });
  speedSel.addEventListener("change", function () { setRate(Number(speedSel.value) || 1); });
  document.addEventListener("keydown", function (e) {
    if (e.target && /^(INPUT|SELECT|TEXTAREA)$/.test(e.target.tagName) && e.key !== " ") return;
    if (e.key === " ") { e.preventDefault(); if (playing) pause(); else play(); }
    else if (e.key === "ArrowRight") step(1);
    else if (e.key === "ArrowLeft") step(-1);
  });
  // for tests and for anyone scripting the page
  window.vidwidgetsSync = {
    play: play, pause: pause, seek: seekTo, step: step, setRate: setRate,
    times: function () { return videos.map(function (v) { return v.currentTime; }); },
    paused: function () { return videos.map(function (v) { return v.paused; }); },
    frame: frame
  };
  ui();
})();
