/**
 * Compiles src/ into dist/ (`npm run build`, and `prepare` on `npm ci`): one ES module per source file
 * at the same relative path, so every `new URL(..., import.meta.url)` (the .proto, data/catalog.jsonl,
 * the migrations) resolves from dist/ exactly as from src/. Packages stay external (node_modules).
 * bin/recs.js runs dist/ while dist/.built is newer than everything under src/ (docs/operations.md).
 */
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { build, type Plugin } from "esbuild";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const SRC = join(ROOT, "src");
const DIST = join(ROOT, "dist");
/** Written last: bin/recs.js compares its mtime with the sources'. */
export const BUILD_STAMP = join(DIST, ".built");

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(path) : [path];
  });
}

/**
 * Node ESM wants full specifiers; the sources import `./params` and `./kernels`. Every relative import
 * stays an import of its own compiled file, with the path esbuild resolved rewritten to `.js`.
 */
const relativeImportsAsJs: Plugin = {
  name: "relative-imports-as-js",
  setup(esbuild) {
    esbuild.onResolve({ filter: /^\.\.?(\/|$)/ }, async (args) => {
      if (args.pluginData === "inner") return undefined;
      const resolved = await esbuild.resolve(args.path, {
        kind: args.kind,
        resolveDir: args.resolveDir,
        importer: args.importer,
        pluginData: "inner",
      });
      if (resolved.errors.length > 0) return { errors: resolved.errors };
      const target = relative(dirname(args.importer), resolved.path).replace(/\.ts$/, ".js");
      return { path: target.startsWith(".") ? target : `./${target}`, external: true };
    });
    // A module started by URL (a worker's entry) is compiled like the others: point the URL at the .js.
    esbuild.onLoad({ filter: /\.ts$/ }, (args) => ({
      contents: readFileSync(args.path, "utf8").replace(
        /new URL\((["'])(\.\.?\/[^"']+)\.ts\1, import\.meta\.url\)/g,
        "new URL($1$2.js$1, import.meta.url)",
      ),
      loader: "ts",
    }));
  },
};

export async function buildDist(): Promise<void> {
  const started = performance.now();
  rmSync(DIST, { recursive: true, force: true });
  const files = filesUnder(SRC);
  const entryPoints = files.filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"));
  await build({
    entryPoints,
    outbase: SRC,
    outdir: DIST,
    bundle: true,
    packages: "external",
    platform: "node",
    format: "esm",
    target: "node20",
    sourcemap: "linked",
    logLevel: "warning",
    plugins: [relativeImportsAsJs],
  });
  // Files read at run time next to their module (src/state/postgres/migrations/*.sql).
  const assets = files.filter((f) => !f.endsWith(".ts"));
  for (const asset of assets) {
    const out = join(DIST, relative(SRC, asset));
    mkdirSync(dirname(out), { recursive: true });
    copyFileSync(asset, out);
  }
  writeFileSync(BUILD_STAMP, `${new Date().toISOString()}\n`);
  console.log(
    `built dist/: ${entryPoints.length} modules, ${assets.length} assets ` +
      `in ${Math.round(performance.now() - started)} ms`,
  );
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildDist();
