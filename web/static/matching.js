// The request and hauler-day pages: they call the matching API with the account token typed into the page.
"use strict";

const TOKEN_KEY = "wasteAccountToken";

function accountToken() {
  const input = document.getElementById("token");
  if (!input.value && localStorage.getItem(TOKEN_KEY)) input.value = localStorage.getItem(TOKEN_KEY);
  return input.value.trim();
}

async function api(method, path, body) {
  const headers = { "Authorization": `Bearer ${accountToken()}` };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const answer = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const data = await answer.json().catch(() => ({}));
  if (!answer.ok) {
    const field = data.errors && data.errors[0] && data.errors[0].field;
    throw new Error(`${field ? field + ": " : ""}${data.detail || answer.statusText}`);
  }
  localStorage.setItem(TOKEN_KEY, accountToken());
  return data;
}

function cell(row, text) {
  const td = document.createElement("td");
  td.textContent = text === null || text === undefined ? "" : String(text);
  row.appendChild(td);
  return td;
}

function money(value) {
  return value === null || value === undefined ? "" : Number(value).toFixed(2);
}

// -- requester --------------------------------------------------------------------------------------------

function showRequest(view) {
  const box = document.getElementById("request-detail");
  const r = view.request;
  box.innerHTML = "";
  const head = document.createElement("h2");
  head.textContent = `Request ${r.request_id}: ${r.status}`;
  head.id = "request-status";
  head.dataset.status = r.status;
  box.appendChild(head);
  const table = document.createElement("table");
  table.className = "data offers";
  table.innerHTML = "<thead><tr><th>hauler</th><th>day</th><th>window</th><th>price</th><th>offer</th></tr></thead>";
  const body = document.createElement("tbody");
  for (const o of view.offers) {
    const tr = document.createElement("tr");
    tr.className = "offer";
    cell(tr, o.hauler_id); cell(tr, o.service_date); cell(tr, `${o.window_start}-${o.window_end}`); cell(tr, money(o.price));
    const action = cell(tr, o.status);
    if (r.status === "offered" && o.status === "open") {
      const button = document.createElement("button");
      button.textContent = "accept"; button.className = "accept";
      button.onclick = async () => { showRequest(await api("POST", `/api/requests/${r.request_id}/accept`, { offer_id: o.offer_id })); loadMine(); };
      action.textContent = ""; action.appendChild(button);
    }
    body.appendChild(tr);
  }
  table.appendChild(body);
  box.appendChild(table);
  if (["requested", "offered", "accepted", "scheduled"].includes(r.status)) {
    const cancel = document.createElement("button");
    cancel.textContent = "cancel this request"; cancel.id = "cancel-request";
    cancel.onclick = async () => { showRequest(await api("POST", `/api/requests/${r.request_id}/status`, { status: "cancelled", note: "cancelled on the web page" })); loadMine(); };
    box.appendChild(cancel);
  }
  const list = document.createElement("ol");
  list.className = "history";
  for (const e of view.history) {
    const li = document.createElement("li");
    li.textContent = `${e.ts.slice(0, 19).replace("T", " ")} UTC: ${e.status_to} by ${e.actor}${e.note ? " (" + e.note + ")" : ""}`;
    list.appendChild(li);
  }
  box.appendChild(list);
}

async function loadMine() {
  if (!accountToken()) return;
  const rows = await api("GET", "/api/requests");
  const body = document.querySelector("#my-requests tbody");
  body.innerHTML = "";
  for (const r of rows) {
    const tr = document.createElement("tr");
    tr.className = "my-request"; tr.style.cursor = "pointer";
    cell(tr, r.request_id); cell(tr, `${r.stream} (${r.container})`); cell(tr, `${r.earliest}..${r.latest}`);
    cell(tr, r.status); cell(tr, r.hauler_id);
    cell(tr, r.service_date ? `${r.service_date} ${r.window_start}-${r.window_end}` : ""); cell(tr, money(r.price));
    tr.onclick = async () => showRequest(await api("GET", `/api/requests/${r.request_id}`));
    body.appendChild(tr);
  }
  document.body.dataset.requests = String(rows.length);
}

function initRequests() {
  accountToken();
  const form = document.getElementById("request-form");
  const message = document.getElementById("form-message");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = Object.fromEntries(new FormData(form).entries());
    const body = { ...data, source: "form", count: Number(data.count || 1) };
    if (!body.latest) delete body.latest;
    if (data.rule === "none") { body.accept = false; delete body.rule; }
    message.textContent = "asking the haulers...";
    try {
      const view = await api("POST", "/api/requests", body);
      message.textContent = view.offers.length ? `${view.offers.length} offer(s)` : "no hauler can serve this request in those days";
      showRequest(view);
      loadMine();
    } catch (error) {
      message.textContent = error.message;
      message.className = "error";
    }
  });
  document.getElementById("token").addEventListener("change", loadMine);
  loadMine().catch((error) => { message.textContent = error.message; });
}

// -- hauler day -------------------------------------------------------------------------------------------

async function loadDay() {
  const day = document.getElementById("day").value;
  const city = document.getElementById("city").value;
  const message = document.getElementById("day-message");
  const rows = await api("GET", `/api/requests?date=${day}`);
  const shown = rows.filter((r) => ["accepted", "scheduled", "collected", "missed"].includes(r.status) && r.city === city);
  shown.sort((a, b) => (a.hauler_id + a.window_start).localeCompare(b.hauler_id + b.window_start));
  const body = document.querySelector("#day-stops tbody");
  body.innerHTML = "";
  for (const r of shown) {
    const tr = document.createElement("tr");
    tr.className = "stop";
    cell(tr, r.request_id); cell(tr, r.hauler_id); cell(tr, `${r.window_start}-${r.window_end}`);
    cell(tr, `${r.stream} (${r.container})`); cell(tr, r.volume_m3); cell(tr, r.address); cell(tr, r.status);
    const actions = cell(tr, "");
    if (["accepted", "scheduled"].includes(r.status)) {
      for (const status of ["collected", "missed"]) {
        const button = document.createElement("button");
        button.textContent = status; button.className = `mark-${status}`;
        button.onclick = async () => {
          try {
            const answer = await api("POST", `/api/requests/${r.request_id}/status`, { status, note: "reported on the day page" });
            message.textContent = status === "missed"
              ? (answer.recovery_request_id ? `recovery pickup: request ${answer.recovery_request_id}` : `credited ${money(answer.credit)}`)
              : `request ${r.request_id} collected`;
          } catch (error) { message.textContent = error.message; }
          loadDay();
        };
        actions.appendChild(button);
      }
    }
    body.appendChild(tr);
  }
  document.body.dataset.stops = String(shown.length);
}

function initHaulerDay() {
  accountToken();
  const message = document.getElementById("day-message");
  const day = document.getElementById("day");
  if (!day.value) day.value = new Date(Date.now() + 86400000).toISOString().slice(0, 10);
  document.getElementById("day-form").addEventListener("submit", (event) => {
    event.preventDefault();
    loadDay().catch((error) => { message.textContent = error.message; });
  });
  document.getElementById("run-batch").onclick = async () => {
    try {
      const answer = await api("POST", "/api/match/batch", { city: document.getElementById("city").value });
      message.textContent = `batch: ${answer.status}, ${Object.values(answer.chosen).filter((o) => o).length} matched`;
      loadDay();
    } catch (error) { message.textContent = error.message; }
  };
  document.getElementById("plan-day").onclick = async () => {
    try {
      const answer = await api("POST", "/api/match/schedule", { city: document.getElementById("city").value, date: day.value });
      message.textContent = answer.map((d) => `${d.hauler_id}: ${d.stops} stops, ${d.distance_km} km`).join("; ") || "nothing to plan";
      loadDay();
    } catch (error) { message.textContent = error.message; }
  };
}

// Each page starts what it holds: the content security policy runs no inline script or handler.
document.addEventListener("DOMContentLoaded", () => {
  if (document.getElementById("request-form")) initRequests();
  if (document.getElementById("day-form")) initHaulerDay();
  for (const select of document.querySelectorAll("select[data-submit-on-change]")) {
    select.addEventListener("change", () => select.form.submit());
  }
});
