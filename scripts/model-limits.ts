/**
 * Model memory and update rate of one replica (docs/scaling.md, "Measured limits"): an OnlineModel at
 * d=32 is fed random updates over ARMS items (default 10,000, the maxArms default); prints the
 * snapshot size, the heap+array-buffer growth, and updates applied per second in a tight loop of
 * OnlineModel.apply (the rate at which one replica can apply updates from the log or the bus).
 *
 *   node --expose-gc --import tsx scripts/model-limits.ts [ARMS] [SECONDS]
 */
import { OnlineModel } from "../src/engine/model";
import type { ModelUpdate } from "../src/state/ports";

const arms = Number(process.argv[2] ?? 10_000);
const seconds = Number(process.argv[3] ?? 3);
const gc = (globalThis as { gc?: () => void }).gc;
const used = () => {
  gc?.();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};

const before = used();
const rssBefore = process.memoryUsage().rss;
const model = OnlineModel.create({ dim: 32, alpha: 0.5 });
const { sharedDim, armDim } = model.spec;
const pool: ModelUpdate[] = Array.from({ length: 1024 }, (_, i) => ({
  itemId: "",
  shared: Float32Array.from({ length: sharedDim }, () => Math.random() - 0.5),
  arm: Float32Array.from({ length: armDim }, () => Math.random()),
  reward: i % 7 === 0 ? 1 : 0,
}));
const update = (n: number): ModelUpdate => ({ ...pool[n % pool.length]!, itemId: `item-${n % arms}` });
for (let n = 0; n < arms; n++) model.apply(update(n)); // every arm gets its statistics
const after = used();
const rssAfter = process.memoryUsage().rss;
const snapshot = model.exportSnapshot();
console.log(
  `d=32 (sharedDim ${sharedDim}, armDim ${armDim}), ${arms} arms: ` +
    `snapshot ${(snapshot.length / 1e6).toFixed(2)} MB, heap+buffers +${((after - before) / 1e6).toFixed(1)} MB, ` +
    `RSS +${((rssAfter - rssBefore) / 1e6).toFixed(1)} MB`,
);

const cpu = process.cpuUsage();
const started = performance.now();
let applied = 0;
while (performance.now() - started < seconds * 1000) {
  for (let i = 0; i < 1000; i++) model.apply(update(applied++));
}
const wall = (performance.now() - started) / 1000;
const c = process.cpuUsage(cpu);
const cpuS = (c.user + c.system) / 1e6;
console.log(
  `apply: ${applied} updates in ${wall.toFixed(2)} s, ${Math.round(applied / wall)} updates/s, ` +
    `${Math.round(applied / cpuS)} per CPU-second, ${((cpuS * 1e6) / applied).toFixed(1)} µs CPU each`,
);
