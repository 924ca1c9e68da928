#!/usr/bin/env node
// Runs the TypeScript sources directly through tsx's loader, so a fresh clone needs no build step.
import { register } from "tsx/esm/api";

register();
// Traces (OTEL_EXPORTER_OTLP_ENDPOINT) for the server only, set up before it imports gRPC, ioredis, pg.
if (process.argv[2] === "serve") await (await import("../src/tracing.ts")).startTracing();
const { main } = await import("../src/cli/main.ts");
await main(process.argv);
