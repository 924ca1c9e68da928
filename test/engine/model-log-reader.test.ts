import { describe, expect, it } from "vitest";
import { OnlineModel } from "../../src/engine/model";
import { ModelLogReader } from "../../src/engine/model-log-reader";
import type { LoggedModelUpdate } from "../../src/state/ports";

const options = { dim: 4, alpha: 0.25 };
const spec = OnlineModel.create(options).spec;

function add(seq: number, itemId: string, reward: number): LoggedModelUpdate {
  const shared = Float32Array.from({ length: spec.sharedDim }, (_, i) => Math.sin(seq * 3 + i) / 2);
  const arm = Float32Array.from({ length: spec.armDim }, (_, i) => Math.cos(seq + i) / 3);
  return { seq: String(seq), writer: "w", effect: "add", removesSeq: null, itemId, shared, arm, reward };
}
const removal = (seq: number, of: LoggedModelUpdate): LoggedModelUpdate => ({
  ...of,
  seq: String(seq),
  effect: "remove",
  removesSeq: of.seq,
});
const tombstone = (of: LoggedModelUpdate): LoggedModelUpdate => ({
  ...of,
  itemId: "",
  effect: "forgotten",
  shared: new Float32Array(0),
  arm: new Float32Array(0),
});

function trainedOn(...updates: LoggedModelUpdate[]): OnlineModel {
  const model = OnlineModel.create(options);
  for (const update of updates) model.apply(update);
  return model;
}

const close = (a: OnlineModel, b: OnlineModel) => {
  expect(a.updateCount).toBe(b.updateCount);
  const x = a.bandit.beta();
  const y = b.bandit.beta();
  for (let i = 0; i < x.length; i++) expect(x[i]).toBeCloseTo(y[i]!, 12);
};

describe("ModelLogReader", () => {
  const gone = add(1, "item-a", 1);
  const kept = add(2, "item-a", 0);

  it("takes back an update it applied before the deletion", () => {
    const model = OnlineModel.create(options);
    const reader = new ModelLogReader(model);
    reader.apply([gone, kept]);
    expect(reader.apply([removal(3, gone)])).toMatchObject({ applied: 0, removed: 1 });
    close(model, trainedOn(kept));
  });

  it("skips the removal of an update it met as a tombstone, across pages too", () => {
    const model = OnlineModel.create(options);
    const reader = new ModelLogReader(model);
    expect(reader.apply([tombstone(gone)])).toMatchObject({ applied: 0, removed: 0 });
    reader.apply([kept]);
    expect(reader.apply([removal(3, gone)])).toMatchObject({ removed: 0 });
    close(model, trainedOn(kept));
  });

  it("forgets the tombstones it met at the end of the log, and names items to recount", () => {
    const model = OnlineModel.create(options);
    const reader = new ModelLogReader(model);
    reader.apply([gone, tombstone(kept)]);
    reader.reachedEnd();
    // (A removal of `kept` now would be one of an update the model holds: it is taken back.)
    const recount: LoggedModelUpdate = { ...tombstone(kept), seq: "4", effect: "recount", itemId: "item-b" };
    expect(reader.apply([recount]).recountItems).toEqual(["item-b"]);
    close(model, trainedOn(gone));
  });
});
