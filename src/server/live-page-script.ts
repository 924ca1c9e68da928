/**
 * The live page's script (`LIVE_PAGE_HTML` inlines it): polls `summary.json` every few seconds, keeps ten
 * minutes of history, and draws the figures and charts. Plain browser JavaScript in one template
 * literal, split with `+` where a line would pass 120 characters.
 */
export const LIVE_PAGE_SCRIPT =
  `"use strict";
const params = new URLSearchParams(location.search);
const everyMs = Math.max(250, Number(params.get("every") || 2) * 1000);
const keepMs = 10 * 60 * 1000;
const colors = ["#2563eb", "#d97706", "#059669", "#dc2626", "#7c3aed", "#0891b2", "#db2777", "#65a30d"];
const history = [];
const $ = (id) => document.getElementById(id);
const share = (part, whole) => (whole > 0 ? part / whole : null);
const pct = (v) => (v === null ? "–" : (100 * v).toFixed(1) + "%");
const num = (v, digits) => (v === null || v === undefined ? "–" : Number(v).toFixed(digits));
const ms = (seconds) => (seconds === null ? "–" : (seconds * 1000).toFixed(seconds < 0.01 ? 2 : 1) + " ms");
const total = (record) => Object.values(record).reduce((a, b) => a + b, 0);

function setFigure(name, value, text) {
  const el = document.querySelector('[data-figure="' + name + '"]');
  el.dataset.value = value === null ? "" : String(value);
  el.textContent = text;
}

function quantile(q, le, counts) {
  const n = counts[counts.length - 1] || 0;
  if (n <= 0) return null;
  const rank = q * n;
  for (let i = 0; i < le.length; i++) {
    if (counts[i] < rank) continue;
    const upper = le[i] === null ? Infinity : le[i];
    if (!isFinite(upper)) return i > 0 ? le[i - 1] : null;
    const lower = i === 0 ? 0 : le[i - 1];
    const below = i === 0 ? 0 : counts[i - 1];
    const inBucket = counts[i] - below;
    return inBucket <= 0 ? upper : lower + ((upper - lower) * (rank - below)) / inBucket;
  }
  return null;
}

/** Figures between two polls (rates, windowed p99 and shares); null where nothing happened. */
function windowed(prev, cur) {
  const dt = (cur.atMs - prev.atMs) / 1000;
  const rpc = {};
  for (const r of cur.rpc) {
    const before = prev.rpc.find((p) => p.method === r.method);
    const counts = r.buckets.counts.map((c, i) => c - (before ? before.buckets.counts[i] || 0 : 0));
    rpc[r.method] = { rps: (r.total - (before ? before.total : 0)) / dt, p99: quantile(0.99, r.buckets.le, counts) };
  }
  const d = (f) => f(cur) - f(prev);
  const answers = d((s) => s.recommend.answers);
  const served = d((s) => s.recommend.itemsServed);
  const lookups = d((s) => s.servingContext.hits + s.servingContext.misses);
  return {
    t: cur.atMs,
    rpc,
    degraded: share(d((s) => total(s.recommend.degraded)), answers),
    explored: share(d((s) => s.recommend.itemsExplored), served),
    clickRate: share(d((s) => s.feedback.clicks), served),
    rewardRate: share(d((s) => s.feedback.rewardSum), served),
    updates: d((s) => total(s.model.updates)) / dt,
    hitRate: share(d((s) => s.servingContext.hits), lookups),
    surfaces: surfaceRates(prev, cur, dt),
  };
}

/** Each surface's model updates per second between two polls (a surface new since the last poll held 0). */
function surfaceRates(prev, cur, dt) {
  const rates = {};
  for (const s of cur.surfaces) {
    const before = prev.surfaces.find((p) => p.surface === s.surface);
    rates[s.surface] = (s.version - (before ? before.version : 0)) / dt;
  }
  return rates;
}

/**
 * One row of the surfaces table; every cell carries its raw value (data-value) like the figures. Names
 * are [a-z0-9_-] (checkSurface) but come from the log other replicas wrote: escaped all the same.
 */
function surfaceRow(s, rate) {
  const name = s.surface.replace(/[&<>"']/g, (c) => "&#" + c.charCodeAt(0) + ";");
  const cell = (figure, value, text) =>
    '<td data-figure="surface-' + figure + "-" + name + '" data-value="' + (value === null ? "" : value) ` +
  `+ '">' + text + "</td>";
  const clickRate = share(s.clicks, s.itemsServed), rewardRate = share(s.rewardSum, s.itemsServed);
  return '<tr data-surface="' + name + '"><td>' + name + "</td>" + cell("version", s.version, s.version)
    + cell("update-rate", rate, rate === null ? "–" : rate.toFixed(1)) + cell("items", s.itemsServed, s.itemsServed)
    + cell("empty", s.empty, s.empty) + cell("click-rate", clickRate, pct(clickRate))
    + cell("reward-rate", rewardRate, num(rewardRate, 3)) + "</tr>";
}

function niceMax(v) {
  if (!(v > 0)) return 1;
  const p = Math.pow(10, Math.floor(Math.log10(v)));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

function lineChart(svgId, legendId, series, opts) {
  const svg = $(svgId);
  const W = svg.clientWidth || 400, H = svg.clientHeight || 150, L = 44, R = 8, T = 8, B = 18;
  const now = history.length ? history[history.length - 1].t : Date.now();
  const t0 = Math.max(now - keepMs, history.length ? history[0].t : now);
  const span = Math.max(now - t0, everyMs * 4);
  let max = 0;
  for (const s of series) for (const [, v] of s.points) if (v !== null && isFinite(v)) max = Math.max(max, v);
  max = opts.share ? Math.min(1, niceMax(max * 1.1)) : niceMax(max * 1.1);
  const x = (t) => L + ((t - (now - span)) / span) * (W - L - R);
  const y = (v) => T + (1 - v / max) * (H - T - B);
  let out = "";
  for (let i = 0; i <= 4; i++) {
    const v = (max * i) / 4;
    out += '<line x1="' + L + '" x2="' + (W - R) + '" y1="' + y(v) + '" y2="' + y(v) + '" stroke="#e3e6ec"/>';
    out += '<text x="' + (L - 4) + '" y="' + (y(v) + 3) + '" text-anchor="end">' ` +
  `+ (opts.share ? Math.round(v * 100) + "%" : +v.toPrecision(3)) + "</text>";
  }
  out += '<text x="' + L + '" y="' + (H - 4) + '">-' + Math.round(span / 1000) + ' s</text><text x="' + (W - R) ` +
  `+ '" y="' + (H - 4) + '" text-anchor="end">now</text>';
  series.forEach((s, i) => {
    let d = "", pen = "M";
    for (const [t, v] of s.points) {
      if (v === null || !isFinite(v)) { pen = "M"; continue; }
      d += pen + x(t).toFixed(1) + "," + y(Math.min(v, max)).toFixed(1) + " ";
      pen = "L";
    }
    out += '<path d="' + d + '" fill="none" stroke-width="1.8" stroke="' + colors[i % colors.length] + '"/>';
  });
  svg.innerHTML = out;
  if (legendId) $(legendId).innerHTML = series.map((s, i) => '<span><i style="background:' ` +
  `+ colors[i % colors.length] + '"></i>' + s.name + "</span>").join("");
}

function barChart(svgId, counts) {
  const svg = $(svgId);
  const W = svg.clientWidth || 400, H = svg.clientHeight || 150, L = 44, B = 18, T = 8;
  const keys = Object.keys(counts).sort((a, b) => Number(a) - Number(b));
  const max = niceMax(Math.max(0, ...keys.map((k) => counts[k])));
  const slots = Math.max(keys.length, 5), w = (W - L - 8) / slots;
  let out = "";
  for (let i = 0; i <= 4; i++) {
    const yv = T + (1 - i / 4) * (H - T - B);
    out += '<line x1="' + L + '" x2="' + (W - 8) + '" y1="' + yv + '" y2="' + yv ` +
  `+ '" stroke="#e3e6ec"/><text x="' + (L - 4) + '" y="' + (yv + 3) + '" text-anchor="end">' ` +
  `+ +((max * i) / 4).toPrecision(3) + "</text>";
  }
  keys.forEach((k, i) => {
    const h = (counts[k] / max) * (H - T - B);
    out += '<rect data-position="' + k + '" data-value="' + counts[k] + '" x="' + (L + i * w + 3) + '" y="' ` +
  `+ (H - B - h) + '" width="' + (w - 6) + '" height="' + h + '" fill="#2563eb"/>';
    out += '<text x="' + (L + i * w + w / 2) + '" y="' + (H - 4) + '" text-anchor="middle">' ` +
  `+ (k === "9" ? "9+" : k) + "</text>";
  });
  if (keys.length === 0) out += '<text x="' + (W / 2) + '" y="' + (H / 2) ` +
  `+ '" text-anchor="middle">no clicks on recommended items yet</text>';
  svg.innerHTML = out;
}

function render(cur) {
  const win = history.length ? history[history.length - 1] : null;
  setFigure("model-version", cur.model.version, String(cur.model.version));
  setFigure("catalog-items", cur.catalog.items, String(cur.catalog.items));
  const age = cur.model.snapshotAgeSeconds;
  setFigure("snapshot-age", age, age < 0 ? "none yet" : age.toFixed(0) + " s");
  const known = (v) => (v === null ? "–" : String(v));
  setFigure("log-position", cur.model.logPosition, known(cur.model.logPosition));
  setFigure("log-newest", cur.model.logNewestPosition, known(cur.model.logNewestPosition));
  setFigure("updates-pending", cur.model.updatesPending, known(cur.model.updatesPending));
  $("rpc-rows").innerHTML = cur.rpc.map((r) => {
    const w = win && win.rpc[r.method];
    return '<tr data-method="' + r.method + '"><td>' + r.method + '</td><td>' + (w ? w.rps.toFixed(1) : "–") ` +
  `+ "</td><td>" + (w ? ms(w.p99) : "–") +
      '</td><td data-figure="p99-' + r.method + '" data-value="' + (r.p99Seconds === null ? "" : r.p99Seconds) ` +
  `+ '">' + ms(r.p99Seconds) +
      '</td><td data-figure="errors-' + r.method + '" data-value="' + r.errors + '">' + r.errors ` +
  `+ '</td><td data-figure="calls-' + r.method + '" data-value="' + r.total + '">' + r.total + "</td></tr>";
  }).join("");
  const rec = cur.recommend, fb = cur.feedback, ctx = cur.servingContext;
  const degraded = share(total(rec.degraded), rec.answers);
  setFigure("degraded-share", degraded, pct(degraded));
  const explored = share(rec.itemsExplored, rec.itemsServed);
  setFigure("explored-share", explored, pct(explored));
  setFigure("empty-answers", rec.empty, String(rec.empty));
  setFigure("items-served", rec.itemsServed, String(rec.itemsServed));
  const clickRate = share(fb.clicks, rec.itemsServed), rewardRate = share(fb.rewardSum, rec.itemsServed);
  setFigure("click-rate", clickRate, pct(clickRate));
  setFigure("reward-rate", rewardRate, num(rewardRate, 3));
  setFigure("clicks", fb.clicks, String(fb.clicks));
  const hitRate = share(ctx.hits, ctx.hits + ctx.misses);
  setFigure("context-hit-rate", hitRate, pct(hitRate));
  setFigure("untrained", total(fb.untrained), String(total(fb.untrained)));
  setFigure("update-rate", win ? win.updates : null, win ? win.updates.toFixed(1) : "–");
  const several = cur.surfaces.length > 1;
  $("surfaces").hidden = !several;
  $("surface-rows").innerHTML = several ? cur.surfaces.map((s) => surfaceRow(s, win ? ` +
  `(win.surfaces[s.surface] ?? null) : null)).join("") : "";
  const methods = cur.rpc.map((r) => r.method);
  const pts = (f) => history.map((h) => [h.t, f(h)]);
  lineChart("chart-rps", "legend-rps", methods.map((m) => ({ name: m, ` +
  `points: pts((h) => (h.rpc[m] ? h.rpc[m].rps : null)) })), {});
  lineChart("chart-p99", "legend-p99", methods.map((m) => ({ name: m, ` +
  `points: pts((h) => (h.rpc[m] && h.rpc[m].p99 !== null ? h.rpc[m].p99 * 1000 : null)) })), {});
  lineChart("chart-shares", "legend-shares", [
    { name: "degraded", points: pts((h) => h.degraded) },
    { name: "explored", points: pts((h) => h.explored) },
    { name: "serving-context hit rate", points: pts((h) => h.hitRate) },
  ], { share: true });
  lineChart("chart-response", "legend-response", [{ name: "click rate", points: pts((h) => h.clickRate) }, ` +
  `{ name: "reward rate", points: pts((h) => h.rewardRate) }], {});
  lineChart("chart-model", "legend-model", [{ name: "updates/s", points: pts((h) => h.updates) }], {});
  barChart("chart-positions", fb.clicksByPosition);
}

let previous = null, polls = 0;
async function poll() {
  try {
    const res = await fetch("summary.json", { cache: "no-store" });
    if (!res.ok) throw new Error("HTTP " + res.status);
    const cur = await res.json();
    if (previous) history.push(windowed(previous, cur));
    while (history.length > 1 && history[0].t < cur.atMs - keepMs) history.shift();
    previous = cur;
    render(cur);
    polls++;
    document.body.dataset.polls = String(polls);
    document.body.dataset.summaryAt = String(cur.atMs);
    $("status").className = "";
    $("status").textContent = "updated " + new Date(cur.atMs).toLocaleTimeString() + " · every " ` +
  `+ everyMs / 1000 + " s";
  } catch (err) {
    $("status").className = "stale";
    $("status").textContent = "cannot reach the service (" + err.message + "); retrying";
  }
  setTimeout(poll, everyMs);
}
poll();
`;
