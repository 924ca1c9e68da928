import { createRequire } from "node:module";
import { credentials, loadPackageDefinition, Metadata } from "@grpc/grpc-js";
import { loadSync } from "@grpc/proto-loader";

export type ReflectionVersion = "v1" | "v1alpha";

type ReflectionStream = NodeJS.EventEmitter & { write(m: object): void; end(): void };
type ReflectionClient = { ServerReflectionInfo(md: Metadata): ReflectionStream; close(): void };

/**
 * Lists the services a server reflects, through the standard reflection API of the given version
 * (grpcurl speaks both), with `x-api-key` when given. Rejects with the call's status error.
 */
export async function reflectedServices(
  target: string,
  version: ReflectionVersion,
  apiKey?: string,
): Promise<string[]> {
  const path = createRequire(import.meta.url).resolve(
    `@grpc/reflection/build/proto/grpc/reflection/${version}/reflection.proto`,
  );
  const pkg = loadPackageDefinition(loadSync(path, { keepCase: true })) as unknown as {
    grpc: {
      reflection: Record<
        ReflectionVersion,
        { ServerReflection: new (t: string, c: ReturnType<typeof credentials.createInsecure>) => ReflectionClient }
      >;
    };
  };
  const client = new pkg.grpc.reflection[version].ServerReflection(target, credentials.createInsecure());
  const md = new Metadata();
  if (apiKey) md.set("x-api-key", apiKey);
  try {
    return await new Promise<string[]>((resolve, reject) => {
      const call = client.ServerReflectionInfo(md);
      call.on("data", (res: { list_services_response?: { service: Array<{ name: string }> } }) =>
        resolve(res.list_services_response?.service.map((s) => s.name) ?? []),
      );
      call.on("error", reject);
      call.on("end", () => reject(new Error("reflection stream ended without an answer")));
      call.write({ list_services: "" });
      call.end();
    });
  } finally {
    client.close();
  }
}
