import { randomUUID } from "node:crypto";
import type { Command } from "commander";
import { RecsClient } from "../client/recs-client";
import type { RecommendResponse__Output } from "../server/generated/recs/v1/RecommendResponse";
import type { ScoreParts__Output } from "../server/generated/recs/v1/ScoreParts";

/** `recs demo`: a scripted shopper against a running server, printed step by step. */
export function registerDemoCommand(program: Command): void {
  program
    .command("demo")
    .description("Against a running server: a shopper session step by step (recommendations, clicks, how they change)")
    .option("--target <host:port>", "the server", "127.0.0.1:50051")
    .option("--api-key <key>", "x-api-key, when the server requires one")
    .option("--clicks <n>", "clicks to make", (v) => Number(v), 3)
    .action(async (opts: { target: string; apiKey?: string; clicks: number }) => {
      const client = new RecsClient(opts.target, { apiKey: opts.apiKey, timeoutMs: 5_000 });
      try {
        await runDemo(client, opts.clicks, (line) => console.log(line));
      } finally {
        client.close();
      }
    });
}

/** The script: recommend, click the first item of one category, recommend again, repeat. */
export async function runDemo(client: RecsClient, clicks: number, print: (line: string) => void): Promise<void> {
  const userId = `demo-user-${randomUUID().slice(0, 8)}`;
  const sessionId = `demo-session-${randomUUID().slice(0, 8)}`;
  const categories = new Map<string, string>();
  const categoryOf = async (itemId: string) => {
    if (!categories.has(itemId)) categories.set(itemId, (await client.getItem(itemId)).category);
    return categories.get(itemId)!;
  };
  const show = async (title: string, rec: RecommendResponse__Output) => {
    print(
      `\n${title}  (model ${rec.modelVersion}${rec.degraded.length ? `, degraded: ${rec.degraded.join(", ")}` : ""})`,
    );
    for (const item of rec.items) {
      const flag = item.explored ? " explored" : "";
      print(
        `  #${item.position} ${item.itemId.padEnd(12)} ${(await categoryOf(item.itemId)).padEnd(10)} ` +
          `score ${item.score.toFixed(3)} = ${item.expectedReward.toFixed(3)} + bonus ` +
          `${item.explorationBonus.toFixed(3)}  p=${item.propensity.toFixed(3)}${flag}`,
      );
      if (item.parts) print(`      ${formatParts(item.parts)}`);
    }
  };
  print(`shopper ${userId}, session ${sessionId}, on mobile`);
  let rec = await client.recommend({
    userId,
    sessionId,
    k: 8,
    explain: true,
    context: { device: "mobile", page: "home" },
  });
  if (rec.items.length === 0) {
    print(
      "the catalog is empty: load one with `recs load-catalog FILE` (or start the embedded default, " +
        "which loads the sample)",
    );
    return;
  }
  await show("first recommendations", rec);
  const first = rec.items[rec.items.length - 1]!;
  const target = await categoryOf(rec.items[0]!.itemId);
  for (let step = 1; step <= clicks; step++) {
    const candidates = await Promise.all(
      rec.items.map(async (i) => ({ item: i, category: await categoryOf(i.itemId) })),
    );
    const clicked = candidates.find((c) => c.category === target)?.item ?? rec.items[0]!;
    const ack = await client.feedback({
      eventId: randomUUID(),
      userId,
      sessionId,
      itemId: clicked.itemId,
      type: "CLICK",
      recommendationId: rec.recommendationId,
    });
    print(
      `\nclick ${step}: ${clicked.itemId} (${await categoryOf(clicked.itemId)}) ` +
        `→ applied to model: ${ack.appliedToModel}`,
    );
    rec = await client.recommend({
      userId,
      sessionId,
      k: 8,
      explain: true,
      context: { device: "mobile", page: "product" },
    });
    await show(`recommendations after click ${step}`, rec);
    const share =
      (await Promise.all(rec.items.map((i) => categoryOf(i.itemId)))).filter((c) => c === target).length /
      rec.items.length;
    print(`  share of ${target}: ${(share * 100).toFixed(0)}%`);
  }
  const seed = rec.items[0]!.itemId;
  const like = await client.recommend({ userId: `${userId}-guest`, k: 4, explain: true, recentItemIds: [seed] });
  await show(`more like ${seed}: no session, recent_item_ids only (nothing stored)`, like);
  const ruled = await client.recommend({
    userId,
    sessionId,
    k: 8,
    explain: true,
    pinnedIds: [first.itemId],
    maxPerCategory: 2,
    context: { device: "mobile", page: "product" },
  });
  await show(`rules: ${first.itemId} pinned, at most 2 per category`, ruled);
  const state = await client.getUserState(userId, sessionId);
  print(
    `\nuser state: ${state.interactionCount} interactions, ` +
      `session window (newest first): ${state.session.map((e) => e.itemId).join(", ")}`,
  );
}

/** expected_reward's parts on one line: where the estimate comes from (docs/rules-and-explanations.md). */
export function formatParts(parts: ScoreParts__Output): string {
  const names: Array<[string, number]> = [
    ["session", parts.session],
    ["long-term", parts.longTerm],
    ["context", parts.context],
    ["item", parts.item],
    ["popularity", parts.popularity],
    ["bias", parts.bias],
  ];
  return `parts: ${names.map(([name, value]) => `${name} ${value >= 0 ? "+" : ""}${value.toFixed(3)}`).join("  ")}`;
}
