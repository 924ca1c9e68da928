import { afterEach, describe, expect, it } from "vitest";
import { uniqueName } from "../../helpers/servers";
import type { DurableHarness } from "./harness";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function describeSqlClientContract(harness: DurableHarness): void {
  describe(`SqlClient on ${harness.engine}`, () => {
    afterEach(() => harness.closeAll());

    it("keeps an open transaction to itself while other callers query and commit concurrently", async () => {
      const sql = await harness.openClient();
      const table = uniqueName("t");
      await sql.exec(`CREATE TABLE ${table} (n integer)`);
      const slow = sql.transaction(async (tx) => {
        await tx.query(`INSERT INTO ${table} VALUES (1)`);
        await sleep(50); // others get their turn to run now
        await tx.query(`INSERT INTO ${table} VALUES (2)`);
        throw new Error("abandoned");
      });
      // Only the open transaction's own rows must stay invisible; the other commit may land first or not.
      const seenMeanwhile = sql.query<{ count: string }>(`SELECT count(*) AS count FROM ${table} WHERE n IN (1, 2)`);
      const committed = sql.transaction((tx) => tx.query(`INSERT INTO ${table} VALUES (3)`));
      await expect(slow).rejects.toThrow("abandoned");
      expect((await seenMeanwhile).rows).toEqual([{ count: "0" }]);
      await committed;
      const { rows } = await sql.query<{ n: number }>(`SELECT n FROM ${table} ORDER BY n`);
      expect(rows).toEqual([{ n: 3 }]);
    });

    it("returns int8 as exact decimal strings and counts affected rows", async () => {
      const sql = await harness.openClient();
      const { rows } = await sql.query<{ big: string }>("SELECT $1::bigint AS big", ["9007199254740993"]);
      expect(rows).toEqual([{ big: "9007199254740993" }]);
      const table = uniqueName("t");
      await sql.exec(`CREATE TABLE ${table} (n integer); INSERT INTO ${table} VALUES (1), (2), (3);`);
      expect((await sql.query(`DELETE FROM ${table} WHERE n < $1`, [3])).rowCount).toBe(2);
    });
  });
}
