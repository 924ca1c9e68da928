import { LIVE_PAGE_SCRIPT } from "./live-page-script";

/**
 * The operator's live page served at / on the metrics port: one self-contained document (inline CSS,
 * script and SVG; no file, font or script from outside the process) that polls `summary.json` and
 * draws what the service is doing. Figures marked `data-figure` carry their raw value in `data-value`
 * (the browser test compares them with /metrics). Lines longer than 120 characters are split into
 * template literals joined with `+`, so the page's text is one string with nothing added at the joins.
 */
export const LIVE_PAGE_HTML =
  `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>recs · live</title>
<style>
  :root { --ink: #1d2433; --muted: #6b7385; --line: #e3e6ec; --bg: #f6f7f9; --card: #fff; }
  * { box-sizing: border-box; }
  body { margin: 0; font: 14px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--ink); ` +
  `background: var(--bg); }
  header { display: flex; flex-wrap: wrap; gap: 24px; align-items: baseline; padding: 14px 20px; ` +
  `background: var(--card); border-bottom: 1px solid var(--line); }
  header h1 { font-size: 18px; margin: 0 12px 0 0; }
  .kv { color: var(--muted); } .kv b { color: var(--ink); font-size: 16px; font-variant-numeric: tabular-nums; }
  #status { margin-left: auto; color: var(--muted); } #status.stale { color: #b3261e; font-weight: 600; }
  main { display: grid; grid-template-columns: repeat(auto-fill, minmax(420px, 1fr)); gap: 14px; padding: 14px 20px; }
  section { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 10px 14px; }
  section h2 { font-size: 13px; font-weight: 600; margin: 0 0 6px; color: var(--muted); ` +
  `text-transform: uppercase; letter-spacing: .04em; }
  section.wide { grid-column: 1 / -1; }
  table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
  th, td { text-align: right; padding: 3px 8px; border-bottom: 1px solid var(--line); }
  th:first-child, td:first-child { text-align: left; }
  th { color: var(--muted); font-weight: 500; }
  .figures { display: flex; flex-wrap: wrap; gap: 18px; margin-bottom: 4px; }
  .figure { font-variant-numeric: tabular-nums; } .figure span { color: var(--muted); font-size: 12px; ` +
  `display: block; } .figure b { font-size: 18px; }
  svg { width: 100%; height: 150px; display: block; }
  svg text { font-size: 10px; fill: var(--muted); }
  .legend { display: flex; flex-wrap: wrap; gap: 12px; font-size: 12px; color: var(--muted); }
  .legend i { display: inline-block; width: 10px; height: 3px; margin-right: 4px; vertical-align: middle; }
</style>
</head>
<body>
<header>
  <h1>recs · live</h1>
  <span class="kv">model version <b data-figure="model-version">–</b></span>
  <span class="kv">catalog <b data-figure="catalog-items">–</b> items</span>
  <span class="kv">snapshot age <b data-figure="snapshot-age">–</b></span>
  <span class="kv" title="replica agreement: the model holds every update up to its log position">log position ` +
  `<b data-figure="log-position">–</b> of <b data-figure="log-newest">–</b> · ` +
  `<b data-figure="updates-pending">–</b> updates pending</span>
  <span id="status">waiting for the first poll…</span>
</header>
<main>
  <section class="wide"><h2>RPCs</h2>
    <table><thead><tr><th>method</th><th>req/s</th><th>p99 now</th><th>p99 since start</th><th>errors</th>` +
  `<th>calls</th></tr></thead><tbody id="rpc-rows"></tbody></table>
  </section>
  <section><h2>Requests per second</h2><div class="legend" id="legend-rps"></div><svg id="chart-rps"></svg></section>
  <section><h2>p99 latency (ms)</h2><div class="legend" id="legend-p99"></div><svg id="chart-p99"></svg></section>
  <section><h2>Recommend answers and feedback found its context</h2>
    <div class="figures">
      <div class="figure"><span>degraded share</span><b data-figure="degraded-share">–</b></div>
      <div class="figure"><span>explored share</span><b data-figure="explored-share">–</b></div>
      <div class="figure"><span>empty answers</span><b data-figure="empty-answers">–</b></div>
      <div class="figure"><span>items served</span><b data-figure="items-served">–</b></div>
    </div>
    <div class="legend" id="legend-shares"></div><svg id="chart-shares"></svg>
  </section>
  <section><h2>Shopper response (per item served)</h2>
    <div class="figures">
      <div class="figure"><span>click rate</span><b data-figure="click-rate">–</b></div>
      <div class="figure"><span>reward rate</span><b data-figure="reward-rate">–</b></div>
      <div class="figure"><span>clicks</span><b data-figure="clicks">–</b></div>
    </div>
    <div class="legend" id="legend-response"></div><svg id="chart-response"></svg>
  </section>
  <section><h2>Model</h2>
    <div class="figures">
      <div class="figure"><span>updates/s</span><b data-figure="update-rate">–</b></div>
      <div class="figure"><span>serving-context hit rate</span><b data-figure="context-hit-rate">–</b></div>
      <div class="figure"><span>feedback not trained</span><b data-figure="untrained">–</b></div>
    </div>
    <div class="legend" id="legend-model"></div><svg id="chart-model"></svg>
  </section>
  <section><h2>Clicks by slot position</h2><svg id="chart-positions"></svg></section>
  <section class="wide" id="surfaces" hidden><h2>Surfaces</h2>
    <table><thead><tr><th>surface</th><th>model version</th><th>updates/s</th><th>items served</th>` +
  `<th>empty answers</th><th>click rate</th><th>reward rate</th></tr></thead><tbody id="surface-rows"></tbody></table>
  </section>
</main>
<script>
` +
  LIVE_PAGE_SCRIPT +
  `</script>
</body>
</html>
`;
