// The call page's player: every [data-seek] element plays the recording from its second;
// the waveform shows the stages and findings as coloured regions whose labels never overlap;
// the transcript follows playback; keys drive playback and move between findings.
// Review actions (confirm, dismiss, override…) live in review.js and use window.CallPage.
(function () {
  "use strict";
  const player = document.getElementById("player");
  const box = document.getElementById("player-box");
  const findings = Array.from(document.querySelectorAll("#findings article.finding"));
  let current = -1;  // the finding N/P last went to: C and D act on it

  function typing(event) {
    const t = event.target;
    return !!t && (t.isContentEditable || /^(INPUT|SELECT|TEXTAREA)$/.test(t.tagName));
  }

  function play() {
    if (!player) return;
    const playing = player.play();
    if (playing && playing.catch) playing.catch(function () { /* autoplay refused: the position is set */ });
  }

  function seek(seconds) {
    if (!player) return;
    player.currentTime = Math.max(0, seconds);
    play();
  }

  function nudge(delta) {
    if (player) player.currentTime = Math.min(player.duration || Infinity, Math.max(0, player.currentTime + delta));
  }

  const speed = document.getElementById("speed");
  const RATES = speed ? Array.from(speed.options).map(function (o) { return parseFloat(o.value); }) : [1];
  function setRate(rate) {
    if (!player) return;
    player.playbackRate = rate;
    if (speed) {  // the option's own text of the value: «1.0» and 1 are the same speed
      const option = Array.from(speed.options).find(function (o) { return parseFloat(o.value) === rate; });
      if (option) speed.value = option.value;
    }
  }
  function stepRate(direction) {
    const at = RATES.indexOf(player ? player.playbackRate : 1);
    const next = RATES[Math.min(RATES.length - 1, Math.max(0, (at < 0 ? RATES.indexOf(1) : at) + direction))];
    setRate(next);
  }
  if (speed) speed.addEventListener("change", function () { setRate(parseFloat(speed.value)); });

  function markCurrent(i) {
    findings.forEach(function (f, k) { f.classList.toggle("current", k === i); });
  }
  function goFinding(direction) {
    if (!findings.length) return;
    current = current < 0 ? (direction > 0 ? 0 : findings.length - 1)
      : Math.min(findings.length - 1, Math.max(0, current + direction));
    const f = findings[current];
    markCurrent(current);
    f.scrollIntoView({ block: "nearest" });
    seek(parseFloat(f.dataset.start));
  }

  const help = document.getElementById("help");
  function toggleHelp() {
    if (!help) return;
    if (help.open) help.close(); else help.showModal();
  }
  const helpButton = document.getElementById("help-button");
  if (helpButton) helpButton.addEventListener("click", toggleHelp);
  const wire = function (id, fn) { const el = document.getElementById(id); if (el) el.addEventListener("click", fn); };
  wire("back5", function () { nudge(-5); });
  wire("fwd5", function () { nudge(5); });
  wire("play", function () { if (player.paused) play(); else player.pause(); });

  document.addEventListener("click", function (event) {
    const target = event.target.closest("[data-seek]");
    if (target) seek(parseFloat(target.dataset.seek));
  });
  document.addEventListener("keydown", function (event) {
    const line = event.target.closest && event.target.closest("li[data-seek]");
    if (line && (event.key === "Enter" || event.key === " ")) {
      event.preventDefault(); seek(parseFloat(line.dataset.seek)); return;
    }
    if (typing(event) || event.ctrlKey || event.metaKey || event.altKey) return;
    if (document.querySelector("dialog[open]") && event.key !== "?") return;
    const key = event.key;
    const lower = key.toLowerCase();
    let handled = true;
    if (key === " ") { if (player && player.paused) play(); else if (player) player.pause(); }
    else if (lower === "j" || lower === "о") nudge(-5);
    else if (lower === "l" || lower === "д") nudge(5);
    else if (key === "[" || key === "х") stepRate(-1);
    else if (key === "]" || key === "ъ") stepRate(1);
    else if (lower === "n" || lower === "т") goFinding(1);
    else if (lower === "p" || lower === "з") goFinding(-1);
    else if (key === "?" || key === ",") toggleHelp();
    else if (key === "/") { const s = document.getElementById("transcript-search"); if (s) s.focus(); }
    else handled = false;
    if (handled) event.preventDefault();
  });

  // --- the transcript follows playback, but not against the reader's own scrolling ---
  const list = document.getElementById("lines");
  const lines = list ? Array.from(list.querySelectorAll("li.utt")) : [];
  const starts = lines.map(function (li) { return parseFloat(li.dataset.seek); });
  let userScrolledAt = 0, autoScrolling = false, shown = -1;
  if (list) {
    list.addEventListener("scroll", function () { if (!autoScrolling) userScrolledAt = Date.now(); });
  }
  function lineAt(t) {
    let lo = 0, hi = starts.length - 1, found = -1;
    while (lo <= hi) { const mid = (lo + hi) >> 1; if (starts[mid] <= t) { found = mid; lo = mid + 1; } else hi = mid - 1; }
    return found;
  }
  function follow() {
    const i = lineAt(player.currentTime);
    if (i === shown) return;
    if (shown >= 0) lines[shown].classList.remove("playing");
    shown = i;
    if (i < 0) return;
    const li = lines[i];
    li.classList.add("playing");
    if (Date.now() - userScrolledAt < 4000) return;  // the reader is scrolling: leave the list where they put it
    const top = li.offsetTop - list.offsetTop, bottom = top + li.offsetHeight;
    if (top < list.scrollTop || bottom > list.scrollTop + list.clientHeight) {
      autoScrolling = true;
      list.scrollTop = Math.max(0, top - list.clientHeight / 3);  // inside the list only: the page stays put
      window.setTimeout(function () { autoScrolling = false; }, 50);
    }
  }
  if (player && lines.length) { player.addEventListener("timeupdate", follow); player.addEventListener("seeked", follow); }

  const search = document.getElementById("transcript-search");
  if (search) {
    search.addEventListener("input", function () {
      const q = search.value.trim().toLowerCase();
      let hits = 0, first = null;
      lines.forEach(function (li) {
        const hit = !!q && li.querySelector(".text").textContent.toLowerCase().includes(q);
        li.classList.toggle("hit", hit);
        li.classList.toggle("dim", !!q && !hit);
        if (hit) { hits += 1; first = first || li; }
      });
      document.getElementById("search-count").textContent = q ? "найдено: " + hits : "";
      if (first) { autoScrolling = true; list.scrollTop = first.offsetTop - list.offsetTop; userScrolledAt = Date.now(); }
    });
    search.addEventListener("keydown", function (event) {
      if (event.key === "Escape") { search.value = ""; search.dispatchEvent(new Event("input")); search.blur(); }
    });
  }

  window.CallPage = {
    player: player, seek: seek,
    current: function () { return current >= 0 ? findings[current] : null; },
    setCurrent: function (el) { current = findings.indexOf(el); markCurrent(current); }
  };

  if (!player || !box) return;
  const startAt = parseFloat(box.dataset.startAt || "0");
  if (startAt > 0) {
    const jump = function () { player.currentTime = startAt; };
    if (player.readyState >= 1) jump(); else player.addEventListener("loadedmetadata", jump, { once: true });
  }

  // --- the waveform and its regions ---
  const COLOURS = {
    stage: "rgba(46, 139, 87, 0.25)",
    critical: "rgba(200, 30, 30, 0.35)", major: "rgba(230, 120, 0, 0.35)",
    minor: "rgba(230, 200, 0, 0.35)", info: "rgba(120, 120, 120, 0.25)"
  };
  const CHANNEL = [{ wave: "#4a78c2", progress: "#23467d" }, { wave: "#9a5bb5", progress: "#5e2f73" }];
  const LABEL_PX = 7, LANE_PX = 15;  // a label's width per character, and the height of one label lane

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

  // Labels of regions close in time would print over each other: each goes down to the
  // first lane where it clears the label before it.
  function stackLabels(regions, duration, width) {
    const laneEnds = [];
    regions.slice().sort(function (a, b) { return a.start - b.start; }).forEach(function (r) {
      if (!r.content) return;
      r.content.style.width = "max-content";  // the label's box is its text, not the region's width
      r.content.style.whiteSpace = "nowrap";
      r.content.style.fontSize = "11px";
      const left = (r.start / duration) * width;
      const measured = r.content.getBoundingClientRect().width;
      const right = left + (measured || LABEL_PX * (r.content.textContent || "").length) + 6;
      let lane = laneEnds.findIndex(function (end) { return end <= left; });
      if (lane < 0) { lane = laneEnds.length; laneEnds.push(right); } else laneEnds[lane] = right;
      r.content.style.marginTop = (lane * LANE_PX) + "px";
    });
  }

  if (!window.WaveSurfer || !document.getElementById("waveform")) return;
  fetch(box.dataset.peaksUrl, { credentials: "same-origin" })
    .then(function (r) { if (!r.ok) throw new Error("HTTP " + r.status); return r.json(); })
    .then(function (data) {
      const regions = WaveSurfer.Regions.create();
      const ws = WaveSurfer.create({
        container: "#waveform", media: player, peaks: data.channels, duration: data.duration,
        height: 56, splitChannels: data.channels.map(function (_c, i) {
          const c = CHANNEL[i % CHANNEL.length];
          return { waveColor: c.wave, progressColor: c.progress };
        }),
        plugins: [regions]
      });
      const legend = document.getElementById("legend");
      if (legend && data.channels.length === 1) {  // a mono mix: one waveform for both speakers
        legend.innerHTML = "";
        const only = document.createElement("span");
        only.className = "chan chan-0";
        only.textContent = "одна дорожка: продавец и клиент вместе";
        legend.appendChild(only);
      }
      const callWide = new WeakSet();
      function addRegions() {
        if (regions.getRegions().length) return;
        regionsFromPage(data.duration).forEach(function (r) {
          const region = regions.addRegion(r);
          if (r.callWide) callWide.add(region);
        });
        stackLabels(regions.getRegions(), data.duration, document.getElementById("waveform").clientWidth);
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
