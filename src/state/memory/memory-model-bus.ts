import type { ModelUpdate, ModelUpdateBus } from "../ports";

/** One replica has nobody to tell: publishing succeeds and subscribers never hear anything. */
export class MemoryModelBus implements ModelUpdateBus {
  async publish(_updates: ModelUpdate[]): Promise<void> {}

  subscribe(_onUpdates: (updates: ModelUpdate[]) => void): void {}

  async close(): Promise<void> {}
}
