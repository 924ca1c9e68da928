import { fileURLToPath } from "node:url";
import { loadPackageDefinition, type GrpcObject } from "@grpc/grpc-js";
import { loadSync, type Options, type PackageDefinition } from "@grpc/proto-loader";
import type { ProtoGrpcType } from "./generated/recommender";

/** The contract file; clients in other languages generate stubs from this exact path. */
export const PROTO_PATH = fileURLToPath(new URL("../../proto/recs/v1/recommender.proto", import.meta.url));

/** The same options the generated types (src/server/generated, `npm run gen:types`) were made with. */
export const PROTO_OPTIONS: Options = { keepCase: false, longs: String, enums: String, defaults: true, oneofs: true };

let cached: { definition: PackageDefinition; grpc: ProtoGrpcType } | null = null;

/** The loaded `recs.v1` package: service definitions for the server, client constructors for clients. */
export function loadRecsProto(): { definition: PackageDefinition; grpc: ProtoGrpcType } {
  if (!cached) {
    const definition = loadSync(PROTO_PATH, PROTO_OPTIONS);
    cached = { definition, grpc: loadPackageDefinition(definition) as GrpcObject as unknown as ProtoGrpcType };
  }
  return cached;
}
