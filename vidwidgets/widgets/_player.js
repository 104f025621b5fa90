// VideoPlayer front end (anywidget ES module).
//
// The video and poster bytes never travel in widget state: this view asks the kernel for them
// with a custom message ({type: "get", what, source, rid}) and the kernel answers with binary
// chunks ({type: "chunk", ...} + one buffer each). The chunks become a Blob URL that lives only
// in this browser tab. An http(s) `src_url` is loaded by the browser directly.
//
// All text from Python (file names, errors) is set with textContent, never innerHTML.

const TIME_SYNC_MS = 500; // current_time reaches Python at most twice a second
const SAFE_URL = /^https?:\/\//i;

function fmt(t) {
  if (!Number.isFinite(t) || t < 0) return "0:00";
  const m = Math.floor(t / 60);
  const s = Math.floor(t % 60);
  return `${m}:${String(s).padStart(2, "0")}`;
}

function render({ model, el }) {
  const root = document.createElement("div");
  root.className = "vw-player";
  const video = document.createElement("video");
  video.className = "vw-player-video";
  video.setAttribute("playsinline", "");
  video.preload = "auto";
  const bar = document.createElement("div");
  bar.className = "vw-player-bar";
  const status = document.createElement("span");
  status.className = "vw-player-status";
  const download = document.createElement("a");
  download.className = "vw-player-download";
  download.textContent = "⬇ Download";
  // a link that downloads (Enter follows it), named without the arrow glyph
  download.setAttribute("aria-label", "Download video");
  download.hidden = true;
  bar.append(status, download);
  root.append(video, bar);
  el.append(root);

  const urls = { video: null, poster: null }; // Blob URLs owned by this view
  const pending = new Map(); // rid -> {what, source, parts, received}
  let lastTimeSync = 0;
  let disposed = false;

  function revoke(what) {
    if (urls[what]) URL.revokeObjectURL(urls[what]);
    urls[what] = null;
  }

  function setStatus(text, isError) {
    status.textContent = text;
    root.classList.toggle("vw-player-error", Boolean(isError));
  }

  function request(what) {
    const source = model.get("source_id");
    const rid = `${what}-${source}-${Math.random().toString(36).slice(2)}`;
    pending.set(rid, { what, source, parts: [], received: 0 });
    model.send({ type: "get", what, source, rid });
  }

  function applyProps() {
    video.muted = model.get("muted");
    video.loop = model.get("loop");
    video.controls = model.get("controls");
    const rate = model.get("playback_rate");
    if (rate > 0) video.playbackRate = rate;
    // Default: the video's own size (shrunk only to fit the cell, via max-width in the CSS),
    // so a small clip is not upscaled into a blur.
    video.style.width = model.get("width") || "";
  }

  function load() {
    for (const what of ["video", "poster"]) revoke(what);
    pending.clear();
    video.removeAttribute("poster");
    const url = model.get("src_url");
    const source = model.get("source_id");
    download.hidden = true;
    download.removeAttribute("href");
    // No source: no black box, just the placeholder text.
    video.hidden = !url && !source;
    if (url) {
      if (!SAFE_URL.test(url)) {
        setStatus("refused: only http(s) URLs play", true);
        video.removeAttribute("src");
        return;
      }
      video.src = url;
      download.href = url;
      download.download = model.get("filename") || "";
      download.hidden = false;
      setStatus("", false);
    } else if (source) {
      video.removeAttribute("src");
      setStatus("loading…", false);
      request("video");
    } else {
      video.removeAttribute("src");
      video.load();
      setStatus(model.get("placeholder") || "", false);
    }
    if (source && model.get("has_poster")) request("poster");
  }

  function onCustom(msg, buffers) {
    if (disposed || !msg) return;
    if (msg.type === "seek") {
      if (Number.isFinite(msg.t)) video.currentTime = msg.t;
      return;
    }
    const job = pending.get(msg.rid);
    if (!job) return; // an answer to another view (same model displayed twice)
    if (msg.type === "error") {
      pending.delete(msg.rid);
      if (job.what === "video") setStatus(String(msg.message || "could not load"), true);
      return;
    }
    if (msg.type !== "chunk") return;
    job.parts[msg.index] = buffers[0];
    job.received += 1;
    if (job.received < msg.count) return;
    pending.delete(msg.rid);
    if (job.source !== model.get("source_id")) return; // the source changed meanwhile
    const blob = new Blob(job.parts, { type: msg.mime || "application/octet-stream" });
    revoke(job.what);
    urls[job.what] = URL.createObjectURL(blob);
    if (job.what === "poster") {
      video.poster = urls.poster;
    } else {
      video.src = urls.video;
      download.href = urls.video;
      download.download = model.get("filename") || "video.mp4";
      download.hidden = false;
      setStatus("", false);
      if (model.get("playing") || model.get("autoplay")) tryPlay();
    }
  }

  async function tryPlay() {
    if (!video.src) return;
    try {
      await video.play();
    } catch (err) {
      // Browsers refuse unmuted play() without a user gesture; muted playback is allowed.
      if (err && err.name === "NotAllowedError" && !video.muted) {
        video.muted = true;
        model.set("muted", true);
        model.save_changes();
        try {
          await video.play();
        } catch (_) {
          /* give up quietly: the controls still work */
        }
      }
    }
  }

  function syncTime(force) {
    const now = performance.now();
    if (!force && now - lastTimeSync < TIME_SYNC_MS) return;
    lastTimeSync = now;
    model.set("current_time", video.currentTime);
    model.save_changes();
  }

  function syncFlag(name, value) {
    if (model.get(name) !== value) {
      model.set(name, value);
      model.save_changes();
    }
  }

  video.addEventListener("timeupdate", () => syncTime(false));
  video.addEventListener("seeked", () => syncTime(true));
  video.addEventListener("play", () => syncFlag("playing", true));
  video.addEventListener("pause", () => {
    syncFlag("playing", false);
    syncTime(true);
  });
  video.addEventListener("ended", () => syncFlag("playing", false));
  video.addEventListener("loadedmetadata", () => {
    syncFlag("duration", Number.isFinite(video.duration) ? video.duration : 0);
  });
  video.addEventListener("volumechange", () => syncFlag("muted", video.muted));
  video.addEventListener("ratechange", () => syncFlag("playback_rate", video.playbackRate));
  video.addEventListener("error", () => {
    if (video.getAttribute("src")) setStatus("the browser could not play this video", true);
  });

  const onPlaying = () => {
    if (model.get("playing")) {
      if (video.paused) tryPlay();
    } else if (!video.paused) {
      video.pause();
    }
  };
  const onTime = () => {
    const t = model.get("current_time");
    // Our own throttled reports come back equal (within a step): only a real jump seeks.
    if (Number.isFinite(t) && Math.abs(video.currentTime - t) > 0.75) video.currentTime = t;
  };
  const onSource = () => load();
  const onPlaceholder = () => {
    if (!model.get("src_url") && !model.get("source_id")) {
      setStatus(model.get("placeholder") || "", false);
    }
  };

  model.on("msg:custom", onCustom);
  model.on("change:playing", onPlaying);
  model.on("change:current_time", onTime);
  model.on("change:source_id", onSource);
  model.on("change:src_url", onSource);
  model.on("change:has_poster", onSource);
  model.on("change:placeholder", onPlaceholder);
  for (const name of ["muted", "loop", "controls", "playback_rate", "width"]) {
    model.on(`change:${name}`, applyProps);
  }

  applyProps();
  load();

  return () => {
    disposed = true;
    model.off("msg:custom", onCustom);
    model.off("change:playing", onPlaying);
    model.off("change:current_time", onTime);
    model.off("change:source_id", onSource);
    model.off("change:src_url", onSource);
    model.off("change:has_poster", onSource);
    model.off("change:placeholder", onPlaceholder);
    for (const name of ["muted", "loop", "controls", "playback_rate", "width"]) {
      model.off(`change:${name}`, applyProps);
    }
    video.pause();
    for (const what of ["video", "poster"]) revoke(what);
  };
}

export default { render };
