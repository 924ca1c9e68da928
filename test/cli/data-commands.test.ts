import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openPostgresStores } from "../../src/state/postgres/open-postgres-stores";
import { runRecs as recs, spawnServer } from "../helpers/process";
import { postgresAvailable } from "../helpers/servers";
import { createTestStorage, testCatalog, type TestStorage } from "../helpers/service";

const catalogLines = (count: number) =>
  `${testCatalog(count)
    .map((item) =>
      JSON.stringify({
        item_id: item.itemId,
        embedding: item.embedding,
        category: item.category,
        attributes: item.attributes,
      }),
    )
    .join("\n")}\n`;

describe("recs load-catalog and migrate", { timeout: 180_000 }, () => {
  let dir: string;
  let file: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "recs-data-cmd-"));
    file = join(dir, "catalog.jsonl");
    await writeFile(file, catalogLines(20));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it(
    "refuses the embedded folder a running server holds, naming folder and pid, " +
      "and says which store it wrote once free",
    async () => {
      const dataDir = join(dir, "embedded");
      const env = {
        RECS_DATA_DIR: dataDir,
        RECS_EMBEDDING_DIM: "8",
        RECS_LOAD_SAMPLE_CATALOG: "never",
        RECS_LOG_LEVEL: "warn",
      };
      const server = await spawnServer(env);
      let refused: Awaited<ReturnType<typeof recs>>;
      try {
        refused = await recs(["load-catalog", file], env);
      } finally {
        expect((await server.signal("SIGTERM")).code).toBe(0);
      }
      expect(refused.code).toBe(1);
      expect(refused.stdout).not.toMatch(/upserted/);
      expect(refused.stderr).toContain(
        `recs: the embedded data folder ${dataDir} is in use by process ${server.child.pid} `,
      );
      expect(refused.stderr).toMatch(
        /Stop that process \(`recs serve`\) first, or send items to the running server with Catalog\.UpsertItems/,
      );

      const migrated = await recs(["migrate"], env);
      expect(migrated).toMatchObject({
        code: 0,
        stdout: `migrations are up to date in embedded store at ${dataDir}\n`,
      });
      const loaded = await recs(["load-catalog", file], env);
      expect(loaded.code).toBe(0);
      expect(loaded.stdout).toBe(`20 items upserted into embedded store at ${dataDir}, 0 rejected (of 20)\n`);
      const durable = await openPostgresStores({ dataDir, embeddingDim: 8 });
      try {
        expect(await durable.items.count()).toBe(20);
      } finally {
        await durable.close();
      }
    },
  );

  it("names the Postgres it wrote, without the password", async ({ skip }) => {
    if (!(await postgresAvailable())) skip();
    const storage: TestStorage = await createTestStorage("real");
    try {
      const url = new URL(storage.env.DATABASE_URL!);
      // The test server trusts local connections, so any password does; the point is that it is never printed.
      if (!url.password) url.password = "never-printed-7c1e";
      const secret = decodeURIComponent(url.password);
      const loaded = await recs(["load-catalog", file], { DATABASE_URL: url.toString(), RECS_EMBEDDING_DIM: "8" });
      expect(loaded.code, loaded.stderr).toBe(0);
      url.password = "";
      expect(loaded.stdout).toBe(`20 items upserted into ${url.toString()}, 0 rejected (of 20)\n`);
      expect(loaded.stdout + loaded.stderr).not.toContain(secret);
    } finally {
      await storage.drop();
    }
  });
});
