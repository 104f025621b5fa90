// vidwidgets synchronized player of an exported report: no network, works from file://.
// One control bar drives every video element of class vw-video through the shared engine
// (vidwidgets/_sync_engine.js, whose text _html.py puts in front of this file in the page's one
// inline script): the longest video leads and every other stays within about a frame of it.
// Review keys anywhere on the page: ←/→ one frame, Shift+←/→ ten, Space play/pause; the frame
// number is shown beside the clock.
(function () {
  "use strict";
  var videos = Array.prototype.slice.call(document.querySelectorAll("video.vw-video"));
  var bar = document.getElementById("vw-controls");
  if (!videos.length || !bar) { if (bar) bar.hidden = true; return; }
  var fps = parseFloat(document.body.getAttribute("data-fps")) || 0; // 0: the engine estimates
  var $ = function (id) { return document.getElementById(id); };
  var playBtn = $("vw-play"), seek = $("vw-seek"), clock = $("vw-time"), frameNo = $("vw-frame");
  var loopBox = $("vw-loop"), speedSel = $("vw-speed");

  function fmt(t) { return (Math.round(t * 100) / 100).toFixed(2); }
  function ui() {
    var p = engine.position();
    clock.textContent = fmt(p.time) + " / " + fmt(p.duration);
    frameNo.textContent = SyncFrames.label(p);
    if (p.duration && document.activeElement !== seek) {
      seek.value = String(Math.round(1000 * p.time / p.duration));
    }
    playBtn.textContent = p.playing ? "Pause" : "Play";
    playBtn.setAttribute("aria-pressed", p.playing ? "true" : "false");
  }
  var engine = createSyncEngine({
    videos: function () { return videos; },
    frame: function () { return fps ? 1 / fps : 0; },
    loop: function () { return loopBox.checked; },
    onChange: ui
  });
  videos.forEach(engine.attach);

  playBtn.addEventListener("click", engine.toggle);
  $("vw-back").addEventListener("click", function () { engine.step(-1); });
  $("vw-fwd").addEventListener("click", function () { engine.step(1); });
  seek.addEventListener("input", function () {
    engine.seek(engine.position().duration * Number(seek.value) / 1000);
  });
  speedSel.addEventListener("change", function () { engine.setRate(Number(speedSel.value) || 1); });
  document.addEventListener("keydown", engine.handleKey);
  // for tests and for anyone scripting the page
  window.vidwidgetsSync = {
    play: engine.play, pause: engine.pause, seek: engine.seek, step: engine.step,
    setRate: engine.setRate, times: engine.times, paused: engine.paused,
    position: engine.position, frame: engine.frame
  };
  ui();
})();
