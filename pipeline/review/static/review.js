// Review actions in place: every review form on the call page goes to the JSON API with the
// session's CSRF token, and the page is updated where it stands: no reload, so the audio keeps
// playing and the page keeps its scroll position. Keys: C confirm, D dismiss (asks the reason),
// O the score override, S or Shift+Enter «проверено» and on to the next call.
(function () {
  "use strict";
  const call = document.getElementById("call");
  if (!call) return;
  const id = call.dataset.analysis;
  const csrf = (document.querySelector("meta[name=csrf-token]") || {}).content || "";
  const status = document.getElementById("action-status");
  const page = window.CallPage || { current: function () { return null; }, setCurrent: function () {} };
  const TITLES = {
    confirm_finding: "подтверждено", dismiss_finding: "отклонено", appeal_finding: "апелляция",
    stage_present: "этап есть", stage_absent: "этапа нет", override_score: "балл исправлен", mark_reviewed: "проверено"
  };

  function typing(event) {
    const t = event.target;
    return !!t && (t.isContentEditable || /^(INPUT|SELECT|TEXTAREA)$/.test(t.tagName));
  }

  function send(body) {
    status.textContent = "сохраняю…";
    return fetch("/api/calls/" + id + "/actions", {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify(body)
    }).then(function (r) {
      return r.json().then(function (data) {
        if (!r.ok) throw new Error(typeof data.detail === "string" ? data.detail : "HTTP " + r.status);
        return data;
      });
    }).then(function (data) {
      status.textContent = "сохранено: " + (TITLES[data.kind] || data.kind);
      applied(data, body);
      return data;
    }).catch(function (err) {
      status.textContent = "Не сохранено: " + err.message;
      throw err;
    });
  }

  function cell(text) { const td = document.createElement("td"); td.textContent = text; return td; }

  function reasonTitle(code) {
    const option = document.querySelector("#findings select[name=reason] option[value='" + CSS.escape(code) + "']");
    return option ? option.textContent : code;
  }

  function addTrailRow(data, what) {
    const table = document.querySelector("#review table.trail");
    const row = document.createElement("tr");
    row.className = data.kind;
    const note = (data.reason ? reasonTitle(data.reason) + (data.comment ? ": " : "") : "") + (data.comment || "");
    const when = new Date(data.at).toLocaleString("ru-RU", { dateStyle: "short", timeStyle: "short" });
    [when, data.user, TITLES[data.kind] || data.kind, what,
     data.score !== null && data.score !== undefined ? Math.round(data.score).toString() : "", note]
      .forEach(function (text) { row.appendChild(cell(text)); });
    table.querySelector("tbody").appendChild(row);
    table.hidden = false;
    document.getElementById("no-actions").hidden = true;
  }

  function applied(data, body) {
    let what = "";
    if (body.finding_idx !== undefined && body.finding_idx !== null) {
      const article = document.getElementById("finding-" + body.finding_idx);
      article.classList.remove("confirm_finding", "dismiss_finding", "appeal_finding");
      article.classList.add(data.kind);
      const badge = article.querySelector(".badge.decision");
      badge.className = "badge decision " + data.kind;
      badge.textContent = TITLES[data.kind] + (data.reason ? ": " + reasonTitle(data.reason) : "") + " · " + data.user;
      badge.hidden = false;
      what = article.querySelector("header b").textContent + " #" + body.finding_idx;
    } else if (body.stage_id) {
      const row = document.querySelector("#stages tr[data-stage='" + CSS.escape(body.stage_id) + "']");
      const present = data.kind === "stage_present";
      row.classList.toggle("present", present);
      row.classList.toggle("absent", !present);
      row.querySelector("td.present").textContent = (present ? "да" : "нет") + " · исправлено";
      what = row.querySelector("td").textContent;
    }
    if (data.call) {
      document.getElementById("score").textContent = Math.round(data.call.score).toString();
      document.getElementById("reviewed-badge").hidden = !data.call.reviewed;
      if (data.kind === "override_score") document.getElementById("score-note").textContent = "(исправлен вручную)";
    }
    addTrailRow(data, what);
  }

  // every review form: the button pressed (or Enter's default button) says the kind
  document.addEventListener("submit", function (event) {
    const form = event.target;
    if (!form.classList || !form.classList.contains("act")) return;
    event.preventDefault();
    const submitter = event.submitter || form.querySelector("button[name=kind]");
    const fields = new FormData(form);
    const body = { kind: submitter.value };
    if (fields.get("finding_idx") !== null) body.finding_idx = parseInt(fields.get("finding_idx"), 10);
    if (fields.get("stage_id")) body.stage_id = fields.get("stage_id");
    if (fields.get("score")) body.score = parseFloat(String(fields.get("score")).replace(",", "."));
    if (fields.get("comment")) body.comment = fields.get("comment");
    if (body.kind === "dismiss_finding") {
      if (!fields.get("reason")) { askReason(form.closest("article")); return; }
      body.reason = fields.get("reason");
    }
    send(body).then(function () {
      if (body.kind === "override_score") { form.reset(); if (document.activeElement) document.activeElement.blur(); }
    }).catch(function () { /* shown in the status line */ });
  });

  // --- dismissal: the reason from the standard's list, by number key or click ---
  const dialog = document.getElementById("dismiss-dialog");
  const dismissForm = document.getElementById("dismiss-form");
  let dismissing = null;
  function askReason(article) {
    if (!article || !dialog) return;
    dismissing = article;
    page.setCurrent(article);
    dismissForm.reset();
    dialog.showModal();
    dialog.querySelector("input[name=reason]").focus();
  }
  if (dialog) {
    dialog.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && event.target.name === "reason") {  // Enter on a reason: as the button
        event.preventDefault(); dismissForm.requestSubmit(document.getElementById("dismiss-ok")); return;
      }
      if (event.target.name === "comment") return;  // typing the comment
      const n = parseInt(event.key, 10);
      const radios = dialog.querySelectorAll("input[name=reason]");
      if (n >= 1 && n <= radios.length) { event.preventDefault(); radios[n - 1].checked = true; radios[n - 1].focus(); }
    });
    dismissForm.addEventListener("submit", function (event) {
      const chose = event.submitter ? event.submitter.value : "ok";
      const reason = (dismissForm.querySelector("input[name=reason]:checked") || {}).value;
      if (chose === "cancel") return;  // method=dialog closes it
      if (!reason) { event.preventDefault(); status.textContent = "Выберите причину отклонения"; return; }
      const comment = dismissForm.querySelector("input[name=comment]").value.trim();
      const body = { kind: "dismiss_finding", finding_idx: parseInt(dismissing.dataset.idx, 10), reason: reason };
      if (comment) body.comment = comment;
      send(body).catch(function () { /* shown */ });
    });
  }

  function saveAndNext() {
    send({ kind: "mark_reviewed" }).then(function () { window.location.assign(call.dataset.next); })
      .catch(function () { /* shown */ });
  }
  const next = document.getElementById("save-next");
  if (next) next.addEventListener("click", saveAndNext);

  const reviewer = !!document.getElementById("override-form");
  document.addEventListener("keydown", function (event) {
    if (!reviewer || event.ctrlKey || event.metaKey || event.altKey || document.querySelector("dialog[open]")) return;
    if (event.key === "Enter" && event.shiftKey) { event.preventDefault(); saveAndNext(); return; }
    if (typing(event)) return;
    const key = event.key.toLowerCase();
    const finding = page.current();
    if ((key === "c" || key === "с") && finding) {
      event.preventDefault();
      send({ kind: "confirm_finding", finding_idx: parseInt(finding.dataset.idx, 10) }).catch(function () {});
    } else if ((key === "d" || key === "в") && finding) {
      event.preventDefault(); askReason(finding);
    } else if (key === "o" || key === "щ") {
      event.preventDefault();
      document.querySelector("#override-form input[name=score]").focus({ preventScroll: true });
    } else if (key === "s" || key === "ы") {
      event.preventDefault(); saveAndNext();
    }
  });
})();
