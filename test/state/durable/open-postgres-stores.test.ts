import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { Unavailable } from "../../../src/errors";
import { openPostgresStores } from "../../../src/state/postgres/open-postgres-stores";
import { postgresAvailable, TEST_DATABASE_URL, uniqueName } from "../../helpers/servers";
import { catalogItem, feedback, NOW_MS, unitVector } from "./fixtures";
import { TEST_DIM } from "./harness";

const available = await postgresAvailable();

describe("openPostgresStores", () => {
  it("fails fast on an unreachable DATABASE_URL, saying how to fix it and never showing the password", async () => {
    const url = "postgres://recs:s3cret-pw@127.0.0.1:1/recs";
    const attempt = openPostgresStores({ url, embeddingDim: TEST_DIM });
    await expect(attempt).rejects.toBeInstanceOf(Unavailable);
    const message = await attempt.then(
      () => "",
      (err: unknown) => (err as Error).message,
    );
    expect(message).toBe(
      "DATABASE_URL postgres://recs@127.0.0.1:1/recs is unreachable (ECONNREFUSED 127.0.0.1:1): " +
        "start Postgres or unset DATABASE_URL to use the embedded store",
    );
    expect(message).not.toContain("s3cret");
  });

  it("hides a password given as a URL parameter too", async () => {
    const attempt = openPostgresStores({
      url: "postgres://recs@127.0.0.1:1/recs?password=s3cret-pw&sslmode=disable",
      embeddingDim: TEST_DIM,
    });
    const message = await attempt.then(
      () => "",
      (err: unknown) => (err as Error).message,
    );
    expect(message).toMatch(
      /^DATABASE_URL postgres:\/\/recs@127\.0\.0\.1:1\/recs\?password=redacted&sslmode=disable is unreachable/,
    );
    expect(message).not.toContain("s3cret");
  });

  it.skipIf(!available)("tells a server that refuses (no such database) apart from one that is not there", async () => {
    const url = new URL(TEST_DATABASE_URL);
    url.pathname = `/${uniqueName("no_such_db")}`;
    const attempt = openPostgresStores({ url: url.toString(), embeddingDim: TEST_DIM });
    await expect(attempt).rejects.toThrow(
      /refused the connection \(3D000: database "no_such_db_[0-9a-f]+" does not exist\): fix the URL/,
    );
  });

  it("refuses a schema name that could not be spliced into SQL safely", async () => {
    for (const target of [{ memory: true }, { url: "postgres://recs@127.0.0.1:1/recs" }]) {
      await expect(
        openPostgresStores({ ...target, schema: "x; DROP TABLE users", embeddingDim: TEST_DIM }),
      ).rejects.toThrow(/^schema "x; DROP TABLE users" must be 1\.\.63 characters of a-z, 0-9 and _/);
    }
  });

  it.skipIf(!available)("opens Postgres in a schema it creates, and the stores work there", async () => {
    const schema = uniqueName("recs_open");
    const stores = await openPostgresStores({ url: TEST_DATABASE_URL, schema, embeddingDim: TEST_DIM });
    const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await admin.connect();
    try {
      await stores.ping();
      await stores.migrate();
      await stores.items.upsert([catalogItem("in-schema")]);
      const { rows } = await admin.query(`SELECT item_id FROM ${schema}.items`);
      expect(rows).toEqual([{ item_id: "in-schema" }]);
    } finally {
      await stores.close();
      await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await admin.end();
    }
  });

  it("keeps an embedded data folder (and its schema) across a restart: a new instance sees everything", async () => {
    const root = await mkdtemp(join(tmpdir(), "recs-pglite-"));
    const dataDir = join(root, "nested", "db"); // created on open
    try {
      const first = await openPostgresStores({ dataDir, schema: "tenant_a", embeddingDim: TEST_DIM });
      await first.migrate();
      await first.items.upsert([catalogItem("persisted")]);
      await first.events.appendFeedback([feedback("before-restart", { userId: "dana" }, unitVector(TEST_DIM, 1))]);
      await first.snapshots.save({
        surface: "default",
        modelVersion: "v7",
        eventSeq: "1",
        createdAtMs: NOW_MS,
        data: Uint8Array.from([1, 2, 3]),
      });
      const seq = await first.events.latestSeq();
      await first.close();

      const second = await openPostgresStores({ dataDir, schema: "tenant_a", embeddingDim: TEST_DIM });
      try {
        await second.migrate();
        expect((await second.items.get("persisted"))?.itemId).toBe("persisted");
        expect(await second.users.get("dana")).toMatchObject({
          interactionCount: 1,
          embedding: unitVector(TEST_DIM, 1),
        });
        expect(await second.events.latestSeq()).toBe(seq);
        expect((await second.events.appendFeedback([feedback("before-restart", { userId: "dana" })])).outcomes).toEqual(
          ["duplicate"],
        );
        expect(await second.snapshots.latest()).toMatchObject({ modelVersion: "v7", data: Uint8Array.from([1, 2, 3]) });
      } finally {
        await second.close();
      }
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  }, 120_000); // two on-disk PGlite clusters: slow on a busy machine
});
