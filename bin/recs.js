#!/usr/bin/env node
// Runs the compiled dist/ (`npm ci` builds it; `npm run build` again) while it is newer than everything
// under src/; otherwise the TypeScript sources through tsx, so an edit takes effect without a rebuild.
// Cluster workers re-run this file and so take the same way.
import { readdirSync, statSync } from "node:fs";

const root = new URL("../", import.meta.url);

/** The newest mtime of src/ and everything in it (a directory's changes when a file is added or removed). */
function newestChange(dir) {
  let newest = statSync(dir).mtimeMs;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const url = new URL(entry.name + (entry.isDirectory() ? "/" : ""), dir);
    newest = Math.max(newest, entry.isDirectory() ? newestChange(url) : statSync(url).mtimeMs);
  }
  return newest;
}

function builtIsCurrent() {
  let built;
  try {
    built = statSync(new URL("dist/.built", root)).mtimeMs;
  } catch {
    return false;
  }
  try {
    return built > newestChange(new URL("src/", root));
  } catch {
    return true; // an install of dist/ without the sources
  }
}

// Traces (OTEL_EXPORTER_OTLP_ENDPOINT) for the server only, set up before it imports gRPC, ioredis, pg.
const traced = process.argv[2] === "serve";
let main;
if (builtIsCurrent()) {
  if (traced) await (await import("../dist/tracing.js")).startTracing();
  ({ main } = await import("../dist/cli/main.js"));
} else {
  let register;
  try {
    ({ register } = await import("tsx/esm/api"));
  } catch (err) {
    console.error(
      `recs: dist/ is missing or older than src/, and tsx (a devDependency) is not installed: ` +
        `run \`npm run build\`, or \`npm ci\` for the development tools (${err.message})`,
    );
    process.exit(1);
  }
  register();
  if (traced) await (await import("../src/tracing.ts")).startTracing();
  ({ main } = await import("../src/cli/main.ts"));
}
await main(process.argv);
