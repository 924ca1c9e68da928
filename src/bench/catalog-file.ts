import { createWriteStream } from "node:fs";
import { once } from "node:events";
import { gaussian, type Random } from "../bandit/rng";

export interface CatalogFileOptions {
  items: number;
  dim: number;
  categories: number;
  rng: Random;
}

/**
 * Writes a synthetic catalog as JSON Lines in the load-catalog format: random unit embeddings
 * (isotropic Gaussian, normalised), a category, a brand and a price band per item.
 */
export async function writeCatalogFile(path: string, options: CatalogFileOptions): Promise<number> {
  const out = createWriteStream(path);
  for (let i = 0; i < options.items; i++) {
    const raw = Array.from({ length: options.dim }, () => gaussian(options.rng));
    const norm = Math.hypot(...raw) || 1;
    const line = JSON.stringify({
      item_id: `item-${i}`,
      embedding: raw.map((v) => Number((v / norm).toFixed(6))),
      category: `cat-${i % options.categories}`,
      attributes: { brand: `brand-${Math.floor(options.rng() * 50)}`, price_band: ["low", "mid", "high"][i % 3]! },
    });
    if (!out.write(`${line}\n`)) await once(out, "drain");
  }
  out.end();
  await once(out, "finish");
  return options.items;
}
