import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromium, type Browser, type Page } from "playwright-core";
import { freePort } from "../helpers/process";
import {
  createTestStorage,
  startTestService,
  testCatalog,
  type TestService,
  type TestStorage,
} from "../helpers/service";

const CHROMIUM = process.env.RECS_CHROMIUM ?? "/usr/bin/chromium";
const ARTIFACTS = join(import.meta.dirname, "..", "..", "test-artifacts");

/** The exposition text as name{labels} → value, read independently of the page's own summary code. */
function scrapeValues(text: string) {
  const samples = text
    .split("\n")
    .map((line) => /^(\w+)(?:\{(.*)\})? (\S+)$/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({
      name: m[1]!,
      labels: Object.fromEntries([...(m[2] ?? "").matchAll(/(\w+)="([^"]*)"/g)].map((p) => [p[1]!, p[2]!])),
      value: Number(m[3]),
    }));
  return (name: string, labels: Record<string, string> = {}) =>
    samples
      .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
      .reduce((sum, s) => sum + s.value, 0);
}

/**
 * Polls `expression` in the page until it holds. Not page.waitForFunction: that builds a function from
 * a string inside the page, which the page's Content-Security-Policy (no eval) refuses.
 */
async function waitInPage(page: Page, expression: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await page.evaluate<boolean>(expression))) {
    if (Date.now() > deadline) throw new Error(`the page never reached: ${expression}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe("the live page on the metrics port, in a real browser", () => {
  let storage: TestStorage;
  let t: TestService;
  let browser: Browser | null = null;

  beforeAll(async () => {
    storage = await createTestStorage("embedded");
    // A long reward wait: no default rewards move the counters while the page and /metrics are compared.
    t = await startTestService(storage, { metricsPort: await freePort(), rewardWaitMs: 600_000, epsilon: 0.3 });
    await t.client.upsertItems(testCatalog(30));
  });

  afterAll(async () => {
    await browser?.close();
    t?.client.close();
    await t?.service.stop();
    await storage?.drop();
  });

  it("shows the figures /metrics holds, drawn from nothing outside the process", async (ctx) => {
    if (!existsSync(CHROMIUM)) {
      if (process.env.CI === "true")
        throw new Error(`no browser at ${CHROMIUM}: apt-get install -y chromium (.ci/run does) or set RECS_CHROMIUM`);
      ctx.skip();
    }
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
    });
    const page = await browser.newPage({ viewport: { width: 1280, height: 1100 } });
    const origin = `http://127.0.0.1:${t.service.metricsPort}`;
    const requested: string[] = [];
    page.on("request", (request) => requested.push(request.url()));
    const consoleErrors: string[] = [];
    page.on("console", (message) => void (message.type() === "error" && consoleErrors.push(message.text())));
    page.on("pageerror", (err) => consoleErrors.push(err.message));
    await page.goto(`${origin}/?every=0.5`);
    await waitInPage(page, "Number(document.body.dataset.polls ?? 0) >= 1");
    // One surface (default): no surfaces table.
    expect(await page.evaluate<boolean>(`document.getElementById("surfaces").hidden`)).toBe(true);

    // Traffic over a few polls, so the charts have points: answers, clicks at several slots, a dismiss,
    // feedback on a recommendation nobody holds (a serving-context miss), a bad call, an empty answer.
    for (let round = 0; round < 6; round++) {
      for (let i = 0; i < 8; i++) {
        const user = `lp-u${i}`;
        const answer = await t.client.recommend({ userId: user, sessionId: `lp-s${i}`, k: 5 });
        const slot = (round + i) % 4;
        if (i % 2 === 0)
          await t.client.feedback({
            eventId: `lp-${round}-${i}`,
            userId: user,
            sessionId: `lp-s${i}`,
            itemId: answer.items[slot]!.itemId,
            type: "CLICK",
            recommendationId: answer.recommendationId,
          });
        if (i === 3)
          await t.client.feedback({
            eventId: `lp-d-${round}`,
            userId: user,
            sessionId: `lp-s${i}`,
            itemId: answer.items[0]!.itemId,
            type: "DISMISS",
            recommendationId: answer.recommendationId,
          });
      }
      await t.client.feedback({
        eventId: `lp-gone-${round}`,
        userId: "lp-u0",
        sessionId: "lp-s0",
        itemId: "item-1",
        type: "CLICK",
        recommendationId: `not-served-${round}`,
      });
      await t.client.recommend({ userId: "" }).catch(() => undefined);
      await t.client.recommend({ userId: "lp-u9", candidateIds: ["no-such-item"] });
      // A second surface: one answer of four items per round, a click at slot 0 or 1; once, an empty answer.
      const home = await t.client.recommend({ userId: "lp-h", sessionId: "lp-hs", k: 4, surface: "home" });
      await t.client.feedback({
        eventId: `lp-h-${round}`,
        userId: "lp-h",
        sessionId: "lp-hs",
        itemId: home.items[round % 2]!.itemId,
        type: "CLICK",
        recommendationId: home.recommendationId,
      });
      if (round === 0) await t.client.recommend({ userId: "lp-h", surface: "home", candidateIds: ["no-such-item"] });
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    const doneAt = Date.now();
    await waitInPage(page, `Number(document.body.dataset.summaryAt ?? 0) > ${doneAt + 100}`);

    // Strings, not functions: the test is compiled without the DOM library.
    const shown = await page.evaluate<Record<string, string>>(
      `Object.fromEntries([...document.querySelectorAll("[data-figure]")]` +
        `.map((el) => [el.dataset.figure, el.dataset.value ?? ""]))`,
    );
    const text = await (await fetch(`${origin}/metrics`)).text();
    const value = scrapeValues(text);
    const figure = (name: string) => Number(shown[name]);

    const itemsServed = value("recs_recommended_items_total");
    expect(value("recs_recommended_items_total", { surface: "default" })).toBe(6 * 8 * 5);
    expect(value("recs_recommended_items_total", { surface: "home" })).toBe(6 * 4);
    expect(itemsServed).toBe(6 * 8 * 5 + 6 * 4);
    expect(figure("items-served")).toBe(itemsServed);
    expect(figure("model-version")).toBe(value("recs_model_updates"));
    expect(figure("model-version")).toBeGreaterThan(0);
    // Replica agreement, from the source `recs model status` reads: in step with the log, nothing pending.
    expect(figure("log-position")).toBe(value("recs_model_log_position"));
    expect(figure("log-position")).toBe(Number(t.service.engine.modelStatus().logPosition));
    expect(figure("log-position")).toBeGreaterThan(0);
    expect(figure("log-newest")).toBe(value("recs_log_newest_position"));
    expect(figure("log-newest")).toBeGreaterThanOrEqual(figure("log-position"));
    expect(figure("updates-pending")).toBe(value("recs_model_updates_pending"));
    expect(figure("updates-pending")).toBe(0);
    expect(figure("catalog-items")).toBe(30);
    expect(figure("catalog-items")).toBe(value("recs_catalog_items"));
    expect(figure("calls-Recommend")).toBe(value("recs_rpc_total", { method: "Recommend" }));
    expect(figure("errors-Recommend")).toBe(
      value("recs_rpc_total", { method: "Recommend" }) - value("recs_rpc_total", { method: "Recommend", code: "OK" }),
    );
    expect(figure("calls-Feedback")).toBe(value("recs_rpc_total", { method: "Feedback" }));
    expect(figure("empty-answers")).toBe(value("recs_empty_responses_total"));
    expect(figure("empty-answers")).toBe(7);
    expect(figure("clicks")).toBe(value("recs_feedback_accepted_total", { type: "click", answers: "recommendation" }));
    const clicks = figure("clicks");
    expect(figure("click-rate")).toBeCloseTo(clicks / itemsServed, 12);
    expect(figure("reward-rate")).toBeCloseTo(
      value("recs_feedback_reward_sum", { answers: "recommendation" }) / itemsServed,
      12,
    );
    expect(figure("explored-share")).toBeCloseTo(
      value("recs_recommended_items_total", { explored: "true" }) / itemsServed,
      12,
    );
    expect(figure("explored-share")).toBeGreaterThan(0);
    expect(figure("degraded-share")).toBe(0);
    expect(figure("untrained")).toBe(value("recs_feedback_untrained_total"));
    const hits =
      value("recs_bandit_updates_total", { source: "feedback" }) +
      value("recs_feedback_untrained_total", { reason: "item_not_served" });
    const misses =
      value("recs_feedback_untrained_total", { reason: "context_gone" }) +
      value("recs_feedback_untrained_total", { reason: "context_unreadable" });
    expect(misses).toBe(6);
    expect(figure("context-hit-rate")).toBeCloseTo(hits / (hits + misses), 12);
    // p99 since start: the interpolated bucket quantile of the Recommend histogram.
    expect(figure("p99-Recommend")).toBeGreaterThan(0);
    expect(figure("p99-Recommend")).toBeLessThanOrEqual(2.5);

    // Clicks by slot: one bar per position, each the counter's value.
    const bars = await page.evaluate<Record<string, number>>(
      `Object.fromEntries([...document.querySelectorAll("rect[data-position]")]` +
        `.map((el) => [el.dataset.position, Number(el.dataset.value)]))`,
    );
    for (const position of ["0", "1", "2", "3"])
      expect(bars[position]).toBe(value("recs_clicks_by_position_total", { position }));
    // Two surfaces: the surfaces table, one row each (default first), every cell the metrics' value.
    expect(await page.locator("#surfaces").isVisible()).toBe(true);
    expect(
      await page.evaluate<string[]>(
        `[...document.querySelectorAll("#surface-rows tr")].map((tr) => tr.dataset.surface)`,
      ),
    ).toEqual(["default", "home"]);
    for (const surface of ["default", "home"]) {
      const served = value("recs_recommended_items_total", { surface });
      expect(figure(`surface-version-${surface}`)).toBe(value("recs_model_updates", { surface }));
      expect(figure(`surface-items-${surface}`)).toBe(served);
      expect(figure(`surface-empty-${surface}`)).toBe(value("recs_empty_responses_total", { surface }));
      const surfaceClicks = value("recs_feedback_accepted_total", {
        type: "click",
        answers: "recommendation",
        surface,
      });
      expect(figure(`surface-click-rate-${surface}`)).toBeCloseTo(surfaceClicks / served, 12);
      expect(figure(`surface-reward-rate-${surface}`)).toBeCloseTo(
        value("recs_feedback_reward_sum", { answers: "recommendation", surface }) / served,
        12,
      );
      expect(shown[`surface-update-rate-${surface}`]).toMatch(/^\d/);
    }
    // Home learned only from its six clicks (no default rewards within the test's reward wait).
    expect(figure("surface-version-home")).toBe(6);
    expect(figure("surface-empty-home")).toBe(1);
    expect(figure("surface-click-rate-home")).toBeCloseTo(6 / 24, 12);
    expect(figure("surface-version-default") + figure("surface-version-home")).toBe(figure("model-version"));
    // Charts drew lines from the polls.
    expect(await page.locator("#chart-rps path[d^='M']").count()).toBeGreaterThan(0);

    expect(requested.every((url) => url.startsWith(`${origin}/`))).toBe(true);
    expect(consoleErrors).toEqual([]);
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, "live-page.png"), fullPage: true });
  }, 60_000);
});
