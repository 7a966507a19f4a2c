// The queue: bulk assignment and «reviewed» marks through the JSON API, and keys to move
// through the rows (J/K, Enter opens, N opens the first call) without the mouse.
(function () {
  "use strict";
  const csrf = (document.querySelector("meta[name=csrf-token]") || {}).content || "";

  function typing(event) {
    const t = event.target;
    return t && (t.isContentEditable || /^(INPUT|SELECT|TEXTAREA)$/.test(t.tagName));
  }

  const links = function () { return Array.from(document.querySelectorAll("#queue tbody td.call a")); };
  document.addEventListener("keydown", function (event) {
    if (typing(event) || event.ctrlKey || event.metaKey || event.altKey) return;
    const all = links();
    if (!all.length) return;
    const at = all.indexOf(document.activeElement);
    const key = event.key.toLowerCase();
    if (key === "n" || key === "т") { event.preventDefault(); window.location.assign(all[0].href); }
    else if (key === "j" || key === "о") { event.preventDefault(); all[Math.min(all.length - 1, at + 1)].focus(); }
    else if (key === "k" || key === "л") { event.preventDefault(); all[Math.max(0, at - 1)].focus(); }
  });

  const bulk = document.getElementById("bulk");
  if (!bulk) return;
  const picks = function () { return Array.from(document.querySelectorAll("#queue input.pick:checked")); };
  const status = document.getElementById("bulk-status");
  function refresh() {
    const n = picks().length;
    bulk.hidden = n === 0;
    document.getElementById("bulk-count").textContent = String(n);
  }
  document.addEventListener("change", function (event) {
    if (event.target.id === "select-all") {
      document.querySelectorAll("#queue input.pick").forEach(function (box) { box.checked = event.target.checked; });
    }
    refresh();
  });

  function post(url, body) {
    status.textContent = "…";
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify(body)
    }).then(function (r) {
      return r.json().then(function (data) {
        if (!r.ok) throw new Error(data.detail || ("HTTP " + r.status));
        return data;
      });
    }).then(function () { window.location.reload(); })
      .catch(function (err) { status.textContent = "Ошибка: " + err.message; });
  }
  const ids = function () { return picks().map(function (box) { return parseInt(box.value, 10); }); };
  document.getElementById("bulk-assign").addEventListener("click", function () {
    post("/api/queue/assign", { analysis_ids: ids(), assignee: document.getElementById("bulk-assignee").value || null });
  });
  document.getElementById("bulk-reviewed").addEventListener("click", function () {
    post("/api/queue/reviewed", { analysis_ids: ids() });
  });
  refresh();
})();
