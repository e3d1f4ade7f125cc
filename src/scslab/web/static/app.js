// scslab web application: the little the pages need a browser for.
// Served from the package under a Content-Security-Policy without inline script; data
// comes from data-* attributes and the JSON API, never from the internet.
"use strict";

(function () {
  const $ = (sel, root) => (root || document).querySelector(sel);
  const $$ = (sel, root) => Array.from((root || document).querySelectorAll(sel));

  async function api(method, url, body) {
    const opts = { method, headers: {} };
    if (body !== undefined) {
      opts.headers["Content-Type"] = "application/json";
      opts.body = JSON.stringify(body);
    }
    const res = await fetch(url, opts);
    let data = null;
    try { data = await res.json(); } catch (e) { data = null; }
    return { status: res.status, data, headers: res.headers };
  }

  function showErrors(box, res) {
    box.hidden = false;
    box.textContent = "";
    const d = res.data || {};
    const head = document.createElement("p");
    if (res.status === 429) {
      head.textContent = (d.error || "The server is busy.") + " Try again in a few seconds.";
    } else {
      head.textContent = d.error ? d.error[0].toUpperCase() + d.error.slice(1) + ":" : "The request failed (" + res.status + ").";
    }
    box.appendChild(head);
    if (Array.isArray(d.errors)) {
      const ul = document.createElement("ul");
      for (const e of d.errors) {
        const li = document.createElement("li");
        const code = document.createElement("code");
        code.textContent = e.field;
        li.appendChild(code);
        li.appendChild(document.createTextNode(": " + e.reason));
        ul.appendChild(li);
      }
      box.appendChild(ul);
    }
  }

  function setProgress(p, text) {
    const bar = $("#progress-bar");
    if (bar) {
      const pct = Math.round(100 * Math.max(0, Math.min(1, p)));
      bar.style.width = pct + "%";
      bar.setAttribute("aria-valuenow", String(pct));
    }
    const t = $("#progress-text");
    if (t) t.textContent = text;
  }

  // Poll a run (or comparison) until it is done or failed; resolves with the last status.
  function follow(url, onTick) {
    return new Promise((resolve) => {
      const tick = async () => {
        const res = await api("GET", url);
        const d = res.data || {};
        onTick(d);
        if (res.status !== 200 || d.status === "done" || d.status === "failed") resolve(d);
        else setTimeout(tick, 400);
      };
      tick();
    });
  }

  function describe(d) {
    const pct = Math.round(100 * (d.progress || 0));
    if (d.status === "queued") return "queued — waiting for a free worker";
    if (d.status === "running") return (d.phase || "running") + " — " + pct + " %";
    if (d.status === "done") return "done — 100 %";
    if (d.status === "failed") return "failed: " + (d.error || "unknown error");
    return d.status || "";
  }

  // The lever inputs of a form remember their preset values; leverChanges gives the changed ones.
  function leverInputs(form) {
    const inputs = $$("input[name^='policy.']", form);
    for (const input of inputs) {
      input.dataset.default = input.type === "checkbox" ? String(input.checked) : input.value;
    }
    return inputs;
  }

  function leverChanges(inputs) {
    const out = {};
    for (const input of inputs) {
      const now = input.type === "checkbox" ? String(input.checked) : input.value;
      if (now !== input.dataset.default) {
        out[input.name] = input.type === "checkbox" ? input.checked : parseFloat(input.value);
      }
    }
    return out;
  }

  // ------------------------------------------------------------------ Run page
  function runPage() {
    const form = $("#run-form");
    const preset = $("#preset");
    preset.addEventListener("change", () => {
      window.location.href = "/run?preset=" + encodeURIComponent(preset.value);
    });
    const levers = leverInputs(form);
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const errors = $("#run-errors");
      errors.hidden = true;
      const body = {
        scenario: preset.value,
        n: parseInt($("#n").value, 10),
        years: parseFloat($("#years").value),
        seed: parseInt($("#seed").value, 10),
        set: leverChanges(levers),
      };
      const lever = $("#change-lever").value;
      const day = $("#change-day").value;
      if (lever && day !== "") {
        const raw = $("#change-value").value.trim().toLowerCase();
        const kind = $("#change-lever").selectedOptions[0].dataset.kind;
        const value = kind === "bool" ? raw === "true" || raw === "on" || raw === "yes" : parseFloat(raw);
        body.schedule = [{ day: parseInt(day, 10), set: { ["policy." + lever]: value } }];
      }
      const button = $("#run-button");
      button.disabled = true;
      const res = await api("POST", "/api/runs", body);
      if (res.status !== 202) {
        button.disabled = false;
        showErrors(errors, res);
        return;
      }
      const id = res.data.run_id;
      $("#run-progress").hidden = false;
      setProgress(0, "queued");
      const last = await follow("/api/runs/" + id, (d) => setProgress(d.progress || 0, describe(d)));
      button.disabled = false;
      if (last.status === "done") {
        setProgress(1, "done — 100 %");
        $("#run-progress").dataset.done = "true";
        setTimeout(() => { window.location.href = "/runs/" + id; }, 700);
      }
    });
  }

  // ------------------------------------------------------------------ a run's page
  const PLOT_CONFIG = { displaylogo: false, responsive: true };

  async function drawFigures(runId) {
    const divs = $$(".figure[data-figure]");
    if (!divs.length) return;
    const res = await api("GET", "/api/runs/" + encodeURIComponent(runId) + "/view");
    if (res.status !== 200) return;
    const sections = {};
    for (const s of res.data.sections || []) sections[s.id] = s;
    for (const div of divs) {
      const s = sections[div.dataset.sectionId];
      const f = s && s.figures.find((x) => x.key === div.dataset.figure);
      if (!f || !window.Plotly) continue;
      const layout = Object.assign({}, f.figure.layout || {});
      await window.Plotly.newPlot(div, f.figure.data || [], layout, PLOT_CONFIG);
      div.dataset.rendered = "true";
    }
  }

  function runViewPage() {
    const live = $("#live");
    if (live) {
      follow("/api/runs/" + live.dataset.run, (d) => setProgress(d.progress || 0, describe(d))).then((d) => {
        if (d.status === "done" || d.status === "failed") window.location.reload();
      });
      return;
    }
    const first = $(".figure[data-run]");
    if (first) drawFigures(first.dataset.run);
  }

  // ------------------------------------------------------------------ Runs page
  function runsPage() {
    for (const b of $$("button[data-delete]")) {
      b.addEventListener("click", async () => {
        const id = b.dataset.delete;
        if (!window.confirm("Delete run " + id + " and everything stored with it?")) return;
        const res = await api("DELETE", "/api/runs/" + encodeURIComponent(id));
        if (res.status === 204) {
          const row = b.closest("tr");
          if (row) row.remove();
        } else {
          window.alert((res.data && res.data.error) || "could not delete (" + res.status + ")");
        }
      });
    }
    const live = $$("[data-live]");
    for (const span of live) {
      follow("/api/runs/" + span.dataset.live, (d) => { span.textContent = describe(d); }).then(() => {
        window.location.reload();
      });
    }
  }

  // ------------------------------------------------------------------ Compare
  function experimentForm() {
    const form = $("#experiment-form");
    if (!form) return;
    const preset = $("#x-preset");
    preset.addEventListener("change", () => {
      window.location.href = "/compare?preset=" + encodeURIComponent(preset.value) + "#experiment";
    });
    const levers = leverInputs(form);
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const errors = $("#experiment-errors");
      errors.hidden = true;
      const body = {
        scenario: preset.value,
        n: parseInt($("#x-n").value, 10),
        years: parseFloat($("#x-years").value),
        seed: parseInt($("#x-seed").value, 10),
        runs: parseInt($("#x-runs").value, 10),
        reform_set: leverChanges(levers),
      };
      const button = $("#experiment-button");
      button.disabled = true;
      const res = await api("POST", "/api/compare", body);
      button.disabled = false;
      if (res.status !== 202) {
        showErrors(errors, res);
        return;
      }
      window.location.href = "/compare/" + res.data.compare_id;
    });
  }

  function comparePage() {
    experimentForm();
    const form = $("#compare-form");
    if (!form) return;
    const params = new URLSearchParams(window.location.search);
    const a = $("#compare-a");
    const b = $("#compare-b");
    if (params.get("a")) a.value = params.get("a");
    if (b.options.length > 1 && b.value === a.value) {
      b.selectedIndex = a.selectedIndex === 0 ? 1 : 0;
    }
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const res = await api("POST", "/api/compare", { a: a.value, b: b.value });
      if (res.status !== 202) {
        showErrors($("#compare-errors"), res);
        return;
      }
      window.location.href = "/compare/" + res.data.compare_id;
    });
  }

  async function drawCompareCharts(id) {
    const divs = $$(".figure[data-compare-figure]");
    if (!divs.length || !window.Plotly) return;
    const res = await api("GET", "/api/compare/" + encodeURIComponent(id));
    if (res.status !== 200 || !res.data.result) return;
    const charts = {};
    for (const c of res.data.result.charts || []) charts[c.key] = c.figure;
    for (const div of divs) {
      const f = charts[div.dataset.compareFigure];
      if (!f) continue;
      await window.Plotly.newPlot(div, f.data || [], Object.assign({}, f.layout || {}), PLOT_CONFIG);
      div.dataset.rendered = "true";
    }
  }

  function compareViewPage() {
    const live = $("#live-compare");
    if (!live) {
      const main = $("[data-compare-id]");
      if (main) drawCompareCharts(main.dataset.compareId);
      return;
    }
    follow("/api/compare/" + live.dataset.compare, (d) => setProgress(d.progress || 0, describe(d))).then(() => {
      window.location.reload();
    });
  }

  // ------------------------------------------------------------------ credit file
  function creditPage() {
    const div = $("#score-chart");
    if (!div || !window.Plotly) return;
    const pts = JSON.parse(div.dataset.points || "[]");
    const trace = {
      x: pts.map((p) => p.day),
      y: pts.map((p) => p.score),
      text: pts.map((p) => (p.grade ? "grade " + p.grade : "")),
      mode: "lines+markers",
      line: { shape: "hv", color: "#4c78a8" },
      hovertemplate: "day %{x}: score %{y:.0f} %{text}<extra></extra>",
      name: "score",
    };
    const layout = {
      height: 280,
      margin: { l: 60, r: 20, t: 20, b: 45 },
      xaxis: { title: { text: "day" }, rangemode: "tozero" },
      yaxis: { title: { text: "score" } },
      showlegend: false,
    };
    window.Plotly.newPlot(div, [trace], layout, PLOT_CONFIG).then(() => { div.dataset.rendered = "true"; });
  }

  const pages = {
    run: runPage,
    "run-view": runViewPage,
    runs: runsPage,
    compare: comparePage,
    "compare-view": compareViewPage,
    credit: creditPage,
  };
  document.addEventListener("DOMContentLoaded", () => {
    const fn = pages[document.body.dataset.page];
    if (fn) fn();
  });
})();
