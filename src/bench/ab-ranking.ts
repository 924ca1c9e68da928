/**
 * A/B of a Recommend's retrieval + ranking between two checkouts of this repository, loaded into one
 * process and timed in alternation (30 pairs of 200 requests), so a host whose speed drifts by tens of
 * percent within minutes still gives a usable ratio. Each side builds the same 10,000-item catalog
 * (d = 32) and ranks the same requests as `bench:micro`'s last lines do; STEADY=1 first trains the
 * model until most candidates hold per-item statistics. Both checkouts need their node_modules (a
 * symlink to this one's is enough) and the ranking API of commit fe0feab or later.
 *
 *   git worktree add /tmp/old <commit> && ln -s "$PWD/node_modules" /tmp/old/node_modules
 *   npx tsx src/bench/ab-ranking.ts /tmp/old "$PWD"      # prints each side's median µs and the median ratio
 */
import { performance } from "node:perf_hooks";
import { resolve } from "node:path";
import { rankingApiAt, rankingFixture } from "./ranking-fixture";

type Tree = { dir: string; run: () => void };

/** One checkout's ranking of a request, as a function that ranks the next request each call. */
async function setup(dir: string, steady: boolean): Promise<() => void> {
  const fixture = rankingFixture(await rankingApiAt(dir));
  if (steady) fixture.train();
  return () => void fixture.rank();
}

function microsPerCall(run: () => void, calls: number): number {
  const start = performance.now();
  for (let i = 0; i < calls; i++) run();
  return ((performance.now() - start) * 1000) / calls;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

const [a, b] = process.argv.slice(2);
if (!a || !b) {
  console.error("usage: npx tsx src/bench/ab-ranking.ts OLD_CHECKOUT NEW_CHECKOUT");
  process.exit(2);
}
const steady = process.env.STEADY === "1";
const trees: Tree[] = [];
for (const dir of [resolve(a), resolve(b)]) trees.push({ dir, run: await setup(dir, steady) });
for (const tree of trees) microsPerCall(tree.run, 500); // warm-up
const old: number[] = [];
const now: number[] = [];
const ratios: number[] = [];
for (let pair = 0; pair < 30; pair++) {
  const x = microsPerCall(trees[0]!.run, 200);
  const y = microsPerCall(trees[1]!.run, 200);
  old.push(x);
  now.push(y);
  ratios.push(y / x);
}
console.log(
  `${steady ? "steady state" : "fresh model"}: ${trees[0]!.dir} ${median(old).toFixed(1)} µs, ` +
    `${trees[1]!.dir} ${median(now).toFixed(1)} µs per request; ` +
    `median ratio (second / first) ${median(ratios).toFixed(3)}`,
);
