import { randomUUID } from "node:crypto";
import type { Server, ServerDuplexStream, ServiceDefinition, UntypedServiceImplementation } from "@grpc/grpc-js";
import { ReflectionService } from "@grpc/reflection";
import type { PackageDefinition } from "@grpc/proto-loader";
import { Unauthenticated } from "../errors";
import { authorized, type CallPolicy } from "./calls";
import { toServiceError } from "./status";

/**
 * Adds server reflection (grpc.reflection.v1 and v1alpha) behind the same API-key check as every RPC
 * but health: the reflected contract is the service's whole surface, which a caller without a key has
 * no business mapping. The library registers its own handlers, so it gets a stand-in for the server
 * whose `addService` wraps each handler before handing it on.
 */
export function addReflection(
  server: Pick<Server, "addService">,
  described: PackageDefinition,
  policy: CallPolicy,
): void {
  const guarded: Pick<Server, "addService"> = {
    addService(service: ServiceDefinition, implementation: UntypedServiceImplementation) {
      const wrapped: UntypedServiceImplementation = {};
      for (const [name, handler] of Object.entries(implementation)) {
        wrapped[name] = (call: ServerDuplexStream<unknown, unknown>) => {
          if (authorized(policy, call.metadata))
            return (handler as (call: ServerDuplexStream<unknown, unknown>) => void)(call);
          const requestId = randomUUID();
          // grpc-js turns an 'error' on a server stream into the call's status.
          call.emit(
            "error",
            toServiceError(new Unauthenticated("missing or unknown x-api-key metadata"), policy.logger, requestId),
          );
        };
      }
      server.addService(service, wrapped);
    },
  };
  new ReflectionService(described).addToServer(guarded);
}
