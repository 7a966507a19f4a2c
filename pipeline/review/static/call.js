// The call page: every [data-seek] element plays the recording from its second;
// the waveform shows the stages and findings as coloured regions.
(function () {
  "use strict";
  const player = document.getElementById("player");
  const box = document.getElementById("player-box");
  if (!player || !box) return;

  function seek(seconds) {
    player.currentTime = seconds;
    const playing = player.play();
    if (playing && playing.catch) playing.catch(function () { /* autoplay refused: the position is set */ });
  }

  document.addEventListener("click", function (event) {
    const target = event.target.closest("[data-seek]");
    if (target) seek(parseFloat(target.dataset.seek));
  });
  document.addEventListener("keydown", function (event) {
    const target = event.target.closest && event.target.closest("li[data-seek]");
    if (target && (event.key === "Enter" || event.key === " ")) { event.preventDefault(); seek(parseFloat(target.dataset.seek)); }
  });

  const startAt = parseFloat(box.dataset.startAt || "0");
  if (startAt > 0) {
    const jump = function () { player.currentTime = startAt; };
    if (player.readyState >= 1) jump(); else player.addEventListener("loadedmetadata", jump, { once: true });
  }

  const COLOURS = {
    stage: "rgba(46, 139, 87, 0.25)",
    critical: "rgba(200, 30, 30, 0.35)", major: "rgba(230, 120, 0, 0.35)",
    minor: "rgba(230, 200, 0, 0.35)", info: "rgba(120, 120, 120, 0.25)"
  };

  // A finding about the whole call (parallel_work spans 0 to the end) gets a faint region
  // that lets clicks through to the waveform: as a normal region it would cover the whole
  // waveform in colour and turn every click on it into a jump to 0:00.
  function isCallWide(start, end, duration) {
    return duration > 0 && end - start >= 0.9 * duration;
  }

  function regionsFromPage(duration) {
    return Array.from(document.querySelectorAll("[data-region]")).map(function (el) {
      const severity = (el.className.match(/sev-(\w+)/) || [])[1] || "info";
      const start = parseFloat(el.dataset.start), end = parseFloat(el.dataset.end);
      const callWide = isCallWide(start, end, duration);
      const colour = COLOURS[severity] || COLOURS.info;
      return {
        start: start, end: Math.max(end, start + 0.5), drag: false, resize: false,
        color: el.dataset.region === "stage" ? COLOURS.stage
          : callWide ? colour.replace(/[\d.]+\)$/, "0.08)") : colour,
        content: el.dataset.label, callWide: callWide
      };
    });
  }

  if (!window.WaveSurfer || !document.getElementById("waveform")) return;
  fetch(box.dataset.peaksUrl, { credentials: "same-origin" })
    .then(function (r) { if (!r.ok) throw new Error("peaks " + r.status); return r.json(); })
    .then(function (data) {
      const regions = WaveSurfer.Regions.create();
      const ws = WaveSurfer.create({
        container: "#waveform", media: player, peaks: data.channels, duration: data.duration,
        height: 48, splitChannels: data.channels.map(function (_c, i) {
          return { waveColor: i === 0 ? "#4a78c2" : "#9a5bb5", progressColor: i === 0 ? "#23467d" : "#5e2f73" };
        }),
        plugins: [regions]
      });
      const callWide = new WeakSet();
      function addRegions() {
        if (regions.getRegions().length) return;
        regionsFromPage(data.duration).forEach(function (r) {
          const region = regions.addRegion(r);
          if (r.callWide) callWide.add(region);
        });
      }
      ws.on("decode", addRegions);
      ws.on("ready", addRegions);
      regions.on("region-clicked", function (region, event) {
        if (callWide.has(region)) return;  // the waveform seeks to the clicked second itself
        event.stopPropagation(); seek(region.start);
      });
    })
    .catch(function (err) { document.getElementById("waveform").textContent = "Волна недоступна (" + err.message + ")"; });
})();
