import { afterEach, describe, expect, it, vi } from "vitest";
import { withinMs } from "../src/time-limit";

afterEach(() => vi.useRealTimers());

describe("withinMs", () => {
  it("settles as the promise does when it is in time, and leaves no timer behind", async () => {
    vi.useFakeTimers();
    await expect(withinMs(Promise.resolve(42), 1_000, () => new Error("late"))).resolves.toBe(42);
    await expect(withinMs(Promise.reject(new Error("store said no")), 1_000, () => new Error("late"))).rejects.toThrow(
      "store said no",
    );
    expect(vi.getTimerCount()).toBe(0);
  });

  it("rejects with the timeout's error once the time is up, whatever the promise does later", async () => {
    vi.useFakeTimers();
    let finish!: (value: string) => void;
    const slow = new Promise<string>((resolve) => (finish = resolve));
    const guarded = withinMs(slow, 500, () => new Error("no answer within 500 ms"));
    const outcome = expect(guarded).rejects.toThrow("no answer within 500 ms");
    await vi.advanceTimersByTimeAsync(499);
    let settled = false;
    void guarded.then(
      () => (settled = true),
      () => (settled = true),
    );
    await Promise.resolve();
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await outcome;
    finish("too late");
    await expect(slow).resolves.toBe("too late");
  });
});
