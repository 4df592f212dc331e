// Bin page: readings, detected emptyings and the forecast with its 10-90 % interval, on one time axis.
"use strict";

const canvas = document.getElementById("chart");
let chart = null;

function points(rows, key) {
  return rows.filter(r => r[key] !== null).map(r => ({ x: Date.parse(r.ts), y: r[key] }));
}

async function draw() {
  const days = document.getElementById("days").value;
  const data = await (await fetch(`/api/bins/${encodeURIComponent(canvas.dataset.bin)}?days=${days}`)).json();
  const datasets = [
    { label: "readings (fill %)", data: points(data.readings, "fill_pct"), showLine: true, borderColor: "#1f77b4",
      backgroundColor: "#1f77b4", pointRadius: 1.5, borderWidth: 1 },
    { label: "emptyings", data: data.emptyings.map(e => ({ x: Date.parse(e.ts), y: e.fill_before_pct })),
      showLine: false, pointStyle: "triangle", pointRadius: 6, borderColor: "#c62828", backgroundColor: "#c62828" },
    { label: "forecast 90 %", data: points(data.forecast, "p90"), showLine: true, borderColor: "rgba(255,127,14,0.3)",
      backgroundColor: "rgba(255,127,14,0.18)", pointRadius: 0, fill: "+1" },
    { label: "forecast 10 %", data: points(data.forecast, "p10"), showLine: true, borderColor: "rgba(255,127,14,0.3)",
      pointRadius: 0, fill: false },
    { label: "forecast median", data: points(data.forecast, "p50"), showLine: true, borderColor: "#ff7f0e",
      borderDash: [6, 4], pointRadius: 0 },
  ];
  if (chart) chart.destroy();
  chart = new Chart(canvas, {
    type: "scatter",
    data: { datasets },
    options: {
      animation: false, maintainAspectRatio: false,
      scales: {
        x: { type: "linear", title: { display: true, text: "time (UTC)" },
          ticks: { callback: v => new Date(v).toISOString().slice(5, 16).replace("T", " ") } },
        y: { min: 0, max: Math.max(110, data.threshold_pct + 5), title: { display: true, text: "fill (%)" } },
      },
      plugins: {
        tooltip: { callbacks: { label: c => `${new Date(c.parsed.x).toISOString().slice(0, 16)}Z: ${c.parsed.y.toFixed(0)} %` } },
      },
    },
  });
  document.getElementById("chart-note").dataset.readings = data.readings.length;
}

document.getElementById("days").addEventListener("change", draw);
draw();
