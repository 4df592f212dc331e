// Dispatcher map: bins by fill and risk, one coloured line per truck with numbered stops, plan jobs, downloads.
"use strict";

const ROUTE_COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2",
  "#7f7f7f", "#bcbd22", "#393b79", "#637939", "#8c6d31", "#843c39", "#7b4173", "#3182bd", "#e6550d", "#31a354",
  "#756bb1", "#636363"];

const map = L.map("map", { preferCanvas: true, zoomSnap: 0.25 });
// Tiles are a backdrop only, from the server the settings name (WASTE_MAP_TILES_URL); with none, or when they
// cannot be fetched, the map shows bins and routes on a plain ground.
const tilesUrl = document.getElementById("map").dataset.tilesUrl;
if (tilesUrl) {
  // The attribution is plain text from the settings: Leaflet inserts it as HTML, so escape it first.
  const attribution = document.createElement("span");
  attribution.textContent = document.getElementById("map").dataset.tilesAttribution || "";
  L.tileLayer(tilesUrl, { maxZoom: 19, attribution: attribution.innerHTML }).addTo(map);
}
const binLayer = L.layerGroup().addTo(map);
const routeLayer = L.layerGroup().addTo(map);
const siteLayer = L.layerGroup().addTo(map);
const routeLines = {};
// Bins (thousands) go on a canvas; routes (tens) are SVG paths, one per truck, easy to hover and to find.
const routeRenderer = L.svg();
let current = null;
// Stop numbers crowd a whole city: they show for the truck picked in the panel, or for all when zoomed in close.
const NUMBERS_FROM_ZOOM = 15;
let stopNumbers = [];
let selected = null;

function showNumbers() {
  for (const { truck, layer } of stopNumbers) {
    const wanted = selected === truck || (selected === null && map.getZoom() >= NUMBERS_FROM_ZOOM);
    if (wanted && !map.hasLayer(layer)) layer.addTo(map);
    if (!wanted && map.hasLayer(layer)) map.removeLayer(layer);
  }
}
map.on("zoomend", showNumbers);

function fillColour(bin) {
  if (bin.fill_pct === null || bin.status === "silent" || bin.status === "stuck" || bin.status === "no_data") return "#9e9e9e";
  if (bin.fill_pct >= 95) return "#c62828";
  if (bin.fill_pct >= 80) return "#ef6c00";
  if (bin.fill_pct >= 50) return "#f9a825";
  return "#2e7d32";
}

// Names come from the city's files: escape them before they go into HTML.
function esc(text) {
  return String(text ?? "").replace(/[&<>"']/g, c => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}

function fmt(value, digits = 0) {
  return value === null || value === undefined ? "–" : Number(value).toLocaleString(undefined, {
    minimumFractionDigits: digits, maximumFractionDigits: digits });
}

// The sign-in link that waste serve prints carries the token after "#", which no server sees: keep it in this
// browser, take it out of the address bar, and hide the box.
(function takeTokenFromLink() {
  const found = new URLSearchParams(location.hash.slice(1)).get("token");
  if (found) {
    localStorage.setItem("wasteApiToken", found);
    history.replaceState(null, "", location.pathname + location.search);
  }
  if (localStorage.getItem("wasteApiToken")) document.querySelector("label.token").hidden = true;
})();

// A token typed into the box is kept by this browser, so a dispatcher types it once.
function token() {
  const input = document.getElementById("token");
  if (!input.value.trim()) input.value = localStorage.getItem("wasteApiToken") || "";
  return input.value.trim();
}

async function loadCity(city, planId) {
  const url = `/api/cities/${encodeURIComponent(city)}/map` + (planId ? `?plan_id=${planId}` : "");
  document.getElementById("summary").innerHTML = "<p>Loading bins, forecasts and routes…</p>";
  const response = await fetch(url);
  binLayer.clearLayers(); routeLayer.clearLayers(); siteLayer.clearLayers();
  for (const key of Object.keys(routeLines)) delete routeLines[key];
  for (const { layer } of stopNumbers) map.removeLayer(layer);
  stopNumbers = []; selected = null;
  document.getElementById("trucks").innerHTML = "";
  document.getElementById("downloads").hidden = true;
  const summary = document.getElementById("summary");
  if (response.status === 404) {
    summary.innerHTML = `<p>${esc(city)} is not in the store yet. Press <b>Run a new plan</b>: it loads the sample city and its readings first.</p>`;
    map.setView([20, 0], 2);
    return;
  }
  const data = await response.json();
  current = data;
  drawBins(data.bins);
  drawSites(data.sites);
  if (data.plan) drawPlan(data.plan, data.info);
  else summary.innerHTML = `<h2>${esc(data.info.name)}</h2><p>No plan stored yet for this city. Press <b>Run a new plan</b>.</p>`;
  const points = data.bins.filter(b => b.lat !== null).map(b => [b.lat, b.lon]);
  if (points.length) map.fitBounds(L.latLngBounds(points).pad(0.02));
}

function drawBins(bins) {
  for (const bin of bins) {
    const risky = bin.p_overflow !== null && bin.p_overflow >= 0.1;
    const marker = L.circleMarker([bin.lat, bin.lon], {
      radius: risky ? 4.5 : 3, weight: risky ? 2 : 0.5, color: risky ? "#000" : "#333",
      fillColor: fillColour(bin), fillOpacity: 0.85, className: "bin-marker",
    });
    const risk = bin.p_overflow === null ? "no forecast" : `${fmt(bin.p_overflow * 100)} % risk of overflow in 24 h`;
    marker.bindPopup(`<b><a href="/bins/${encodeURIComponent(bin.bin_id)}">${esc(bin.bin_id)}</a></b> (${esc(bin.stream)})<br>` +
      `fill ${fmt(bin.fill_pct)} % at ${esc(bin.last_ts ?? "–")}<br>${risk}<br>status ${esc(bin.status ?? "–")}`);
    marker.addTo(binLayer);
  }
  document.body.dataset.bins = bins.length;
}

function drawSites(sites) {
  for (const site of sites) {
    L.marker([site.lat, site.lon], { title: `${site.name} (${site.kind})` })
      .bindPopup(`<b>${esc(site.name)}</b><br>${esc(site.kind)}`).addTo(siteLayer);
  }
}

function drawPlan(plan, info) {
  const f = plan.figures;
  document.getElementById("summary").innerHTML = `
    <h2>${esc(info.name)} <small>${plan.date} &middot; plan ${plan.plan_id}</small></h2>
    <table class="figures">
      <tr><td>bins collected</td><td>${fmt(f.bins_collected)} (must-go ${fmt(f.bins_must_go)}, may-go ${fmt(f.bins_may_go)})</td></tr>
      <tr><td>left at risk</td><td>${fmt(f.bins_left_at_risk)}</td></tr>
      <tr><td>trucks</td><td>${fmt(f.trucks_used)} of ${fmt(f.trucks_available)}</td></tr>
      <tr><td>distance</td><td>${fmt(f.distance_km)} km</td></tr>
      <tr><td>driving</td><td>${fmt(f.driving_hours, 1)} truck-hours</td></tr>
      <tr><td>disposal trips</td><td>${fmt(f.disposal_trips)}</td></tr>
      <tr><td>waste</td><td>${fmt(f.waste_collected_t, 1)} t</td></tr>
      <tr><td>cost</td><td>${fmt(f.cost)} ${esc(f.currency)}</td></tr>
    </table>`;
  const base = `/plans/${plan.plan_id}`;
  document.getElementById("dl-csv").href = `${base}/routes.zip`;
  document.getElementById("dl-gpx").href = `${base}/plan.gpx`;
  document.getElementById("dl-html").href = `${base}/sheets`;
  document.getElementById("dl-geojson").href = `${base}/plan.geojson`;
  document.getElementById("downloads").hidden = false;
  const trucks = document.getElementById("trucks");
  trucks.innerHTML = `<h3>Trucks</h3><p class="hint">Click a truck to zoom to it and number its stops; click again for all.</p>`;
  plan.trucks.forEach((truck, i) => {
    const colour = ROUTE_COLOURS[i % ROUTE_COLOURS.length];
    const line = L.polyline(truck.line.map(([lon, lat]) => [lat, lon]), {
      color: colour, weight: 3, opacity: 0.9, className: "route-line", renderer: routeRenderer,
    }).addTo(routeLayer);
    line.bindTooltip(esc(truck.truck), { sticky: true });
    routeLines[truck.truck] = line;
    const numbers = L.layerGroup();
    for (const stop of truck.stops) {
      if (stop.lat === null) continue;
      const tip = esc(`${truck.truck} #${stop.order} ${stop.kind} ${stop.id}, arrive ${stop.arrival}`);
      L.circleMarker([stop.lat, stop.lon], { radius: 2.5, weight: 0, fillColor: colour, fillOpacity: 1 })
        .bindTooltip(tip).addTo(routeLayer);
      const icon = L.divIcon({ className: "stop-number", html: `<span style="border-color:${colour}">${stop.order}</span>`,
        iconSize: [18, 18] });
      L.marker([stop.lat, stop.lon], { icon, keyboard: false }).bindTooltip(tip).addTo(numbers);
    }
    stopNumbers.push({ truck: truck.truck, layer: numbers });
    const card = document.createElement("div");
    card.className = "truck";
    card.innerHTML = `<h4><i style="background:${colour}"></i>${esc(truck.truck)}</h4>
      <p>${fmt(truck.bins)} bins &middot; ${fmt(truck.distance_km, 1)} km &middot; ${fmt(truck.hours, 1)} h &middot;
      ${fmt(truck.collected_kg)} kg &middot; ${fmt(truck.disposal_trips)} disposal trip(s)<br>
      out ${esc(truck.start)} back ${esc(truck.end)}, peak load ${fmt(truck.peak_load_kg)} kg
      &middot; <a href="/plans/${plan.plan_id}/routes/${encodeURIComponent(truck.truck)}.csv">CSV</a>
      &middot; <a href="/plans/${plan.plan_id}/sheets?truck=${encodeURIComponent(truck.truck)}" target="_blank">sheet</a></p>`;
    card.addEventListener("mouseenter", () => line.setStyle({ weight: 6 }));
    card.addEventListener("mouseleave", () => line.setStyle({ weight: 3 }));
    card.addEventListener("click", () => {
      selected = selected === truck.truck ? null : truck.truck;
      document.querySelectorAll(".truck").forEach(c => c.classList.toggle("selected", c === card && selected !== null));
      if (selected) map.fitBounds(line.getBounds().pad(0.1));
      showNumbers();
    });
    trucks.appendChild(card);
  });
}

async function runPlan() {
  const city = document.getElementById("city").value;
  const limit = Number(document.getElementById("time-limit").value) || 60;
  const button = document.getElementById("run-plan");
  const box = document.getElementById("job");
  const text = document.getElementById("job-text");
  const bar = document.getElementById("job-progress");
  button.disabled = true; box.hidden = false; bar.value = 0; text.textContent = "starting";
  const response = await fetch("/api/plans", {
    method: "POST",
    headers: { "Content-Type": "application/json", "Authorization": `Bearer ${token()}` },
    body: JSON.stringify({ city, time_limit_s: limit }),
  });
  const started = await response.json();
  if (response.status === 401) {
    document.querySelector("label.token").hidden = false;
    text.textContent = "enter the API token (printed by waste serve)"; button.disabled = false; return;
  }
  if (document.querySelector("label.token").hidden === false) localStorage.setItem("wasteApiToken", token());
  if (response.status !== 202) { text.textContent = started.detail || JSON.stringify(started.errors); button.disabled = false; return; }
  const poll = async () => {
    const status = await (await fetch(started.status_url)).json();
    bar.value = status.progress;
    text.textContent = `${status.status}: ${status.step} (${Math.round(status.progress * 100)} %)`;
    if (status.status === "done") {
      button.disabled = false; text.textContent = `plan ${status.plan_id} ready`; document.body.dataset.lastPlan = status.plan_id;
      await loadCity(city, status.plan_id);
    } else if (status.status === "failed") {
      button.disabled = false; text.textContent = `failed: ${status.error}`;  // textContent: no HTML
    } else {
      setTimeout(poll, 1000);
    }
  };
  poll();
}

const select = document.getElementById("city");
const wanted = new URLSearchParams(location.search).get("city");
if (wanted) select.value = wanted;
select.addEventListener("change", () => { history.replaceState(null, "", `?city=${select.value}`); loadCity(select.value); });
document.getElementById("run-plan").addEventListener("click", runPlan);
loadCity(select.value);
