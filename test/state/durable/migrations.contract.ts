import { afterEach, describe, expect, it } from "vitest";
import { loadMigrations } from "../../../src/state/postgres/migrator";
import { catalogItem } from "./fixtures";
import type { DurableHarness } from "./harness";

export function describeMigrationsContract(harness: DurableHarness): void {
  describe(`migrations on ${harness.engine}`, () => {
    afterEach(() => harness.closeAll());

    it("apply every migration once, and running them again changes nothing", async () => {
      const { stores, sql } = await harness.openUnmigrated();
      await stores.migrate();
      await stores.items.upsert([catalogItem("kept")]);
      await stores.migrate();
      const { rows } = await sql.query<{ version: number; name: string }>(
        "SELECT version, name FROM schema_migrations ORDER BY version",
      );
      expect(rows.map((row) => row.name)).toEqual((await loadMigrations()).map((m) => m.name));
      expect(rows[0]?.name).toBe("001_init.sql");
      expect(await stores.items.count()).toBe(1);
    });

    it("let two replicas migrate a fresh database at the same moment", async () => {
      const { stores, sql, replica } = await harness.openUnmigrated();
      const other = replica ? await replica() : stores;
      await Promise.all([stores.migrate(), other.migrate(), other.migrate()]);
      const { rows } = await sql.query<{ count: string }>("SELECT count(*) AS count FROM schema_migrations");
      expect(Number(rows[0]?.count)).toBe((await loadMigrations()).length);
      await other.items.upsert([catalogItem("x")]);
      expect(await stores.items.count()).toBe(1);
    });
  });
}
