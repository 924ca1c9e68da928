import { afterEach, describe, expect, it } from "vitest";
import type { CatalogItem } from "../../../src/state/ports";
import { catalogItem } from "./fixtures";
import { openMigrated, type DurableHarness } from "./harness";

const plain = (item: CatalogItem | null) => item && { ...item, embedding: Array.from(item.embedding) };

export function describeItemStoreContract(harness: DurableHarness): void {
  describe(`ItemStore on ${harness.engine}`, () => {
    afterEach(() => harness.closeAll());

    it("round-trips items exactly and returns null for unknown ids", async () => {
      const { stores } = await openMigrated(harness);
      const shoe = catalogItem("shoe-1", { attributes: { brand: "acme", "size-eu": "42", empty: "" } });
      const hat = catalogItem("hat-1", { category: "hats", attributes: {}, available: false });
      await stores.items.upsert([shoe, hat]);
      expect(plain(await stores.items.get("shoe-1"))).toEqual(plain(shoe));
      expect(plain(await stores.items.get("hat-1"))).toEqual(plain(hat));
      expect(await stores.items.get("nope")).toBeNull();
      expect(await stores.items.count()).toBe(2);
    });

    it("replaces an item on upsert, and the last copy of an id within one batch wins", async () => {
      const { stores } = await openMigrated(harness);
      await stores.items.upsert([catalogItem("a")]);
      const replaced = catalogItem("a", { category: "boots", attributes: { color: "blue" }, available: false });
      await stores.items.upsert([replaced]);
      expect(plain(await stores.items.get("a"))).toEqual(plain(replaced));
      const last = catalogItem("a", { category: "sandals" });
      await stores.items.upsert([catalogItem("a", { category: "first" }), last]);
      expect((await stores.items.get("a"))?.category).toBe("sandals");
      expect(await stores.items.count()).toBe(1);
    });

    it("pages changes oldest first and, after the last page, hands back only later upserts", async () => {
      const { stores } = await openMigrated(harness);
      await stores.items.upsert(["a", "b", "c"].map((id) => catalogItem(id)));
      await stores.items.upsert(["d", "e"].map((id) => catalogItem(id)));
      const pages: string[][] = [];
      let cursor: string | null = null;
      for (;;) {
        const page = await stores.items.changesSince(cursor, 2);
        if (page.items.length === 0) {
          expect(page.cursor).toBe(cursor);
          break;
        }
        pages.push(page.items.map((item) => item.itemId));
        cursor = page.cursor;
      }
      expect(pages).toEqual([["a", "b"], ["c", "d"], ["e"]]);

      await stores.items.upsert([catalogItem("b", { category: "changed" })]);
      const later = await stores.items.changesSince(cursor, 10);
      expect(later.items.map((item) => [item.itemId, item.category])).toEqual([["b", "changed"]]);
      expect((await stores.items.changesSince(null, 10)).items.map((item) => item.itemId)).toEqual([
        "a",
        "c",
        "d",
        "e",
        "b",
      ]);
    });

    it("sets availability alone on known items, creates none, and counts each change for the pollers", async () => {
      const { stores } = await openMigrated(harness);
      const shoe = catalogItem("shoe", { category: "shoes", attributes: { brand: "acme" } });
      await stores.items.upsert([shoe, catalogItem("hat")]);
      const { cursor } = await stores.items.changesSince(null, 10);
      const result = await stores.items.setAvailability([
        { itemId: "shoe", available: true },
        { itemId: "ghost", available: false },
        { itemId: "shoe", available: false },
      ]);
      expect(result.unknown).toEqual(["ghost"]);
      expect(result.items.map(plain)).toEqual([plain({ ...shoe, available: false })]);
      expect(plain(await stores.items.get("shoe"))).toEqual(plain({ ...shoe, available: false }));
      expect(await stores.items.get("ghost")).toBeNull();
      expect(await stores.items.count()).toBe(2);
      expect((await stores.items.changesSince(cursor, 10)).items.map((item) => [item.itemId, item.available])).toEqual([
        ["shoe", false],
      ]);
      expect(await stores.items.setAvailability([])).toEqual({ items: [], unknown: [] });
    });

    it("writes a batch all or none", async () => {
      const { stores } = await openMigrated(harness);
      // A NUL character is not storable in Postgres text, so the second item fails the statement.
      await expect(stores.items.upsert([catalogItem("good"), catalogItem("bad\u0000id")])).rejects.toThrow();
      expect(await stores.items.count()).toBe(0);
      expect(await stores.items.get("good")).toBeNull();
    });

    it("skips and reports an item stored with an embedding of the wrong dimension", async () => {
      const { stores, sql, corrupt } = await openMigrated(harness);
      await stores.items.upsert([catalogItem("ok"), catalogItem("warped")]);
      await sql.query("UPDATE items SET embedding = $1::real[] WHERE item_id = $2", [[1, 2], "warped"]);
      expect(await stores.items.get("warped")).toBeNull();
      const all = await stores.items.changesSince(null, 10);
      expect(all.items.map((item) => item.itemId)).toEqual(["ok"]);
      expect(corrupt.join("\n")).toMatch(/warped.*2 values, expected 4/);
    });
  });
}
