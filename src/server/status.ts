import { status as Status, type ServiceError, Metadata } from "@grpc/grpc-js";
import { DomainError, describeError } from "../errors";
import type { Logger } from "../log";

const CODE_BY_KIND: Record<DomainError["kind"], Status> = {
  invalid_argument: Status.INVALID_ARGUMENT,
  not_found: Status.NOT_FOUND,
  already_exists: Status.ALREADY_EXISTS,
  unavailable: Status.UNAVAILABLE,
  resource_exhausted: Status.RESOURCE_EXHAUSTED,
  unauthenticated: Status.UNAUTHENTICATED,
  failed_precondition: Status.FAILED_PRECONDITION,
};

/**
 * The one place where errors become gRPC status. Domain errors keep their message; anything else is
 * INTERNAL with a generic message, and its cause goes to the log, never onto the wire.
 */
export function toServiceError(err: unknown, log: Logger, requestId: string): Partial<ServiceError> & { code: Status } {
  const metadata = new Metadata();
  metadata.set("x-request-id", requestId);
  if (err instanceof DomainError) {
    return { code: CODE_BY_KIND[err.kind], details: err.message, metadata };
  }
  log.error({ err, requestId }, `internal error: ${describeError(err)}`);
  return {
    code: Status.INTERNAL,
    details: `internal error (request id ${requestId}); the cause is in the server log`,
    metadata,
  };
}

/** The status name used as a metrics label. */
export function statusName(code: Status): string {
  return Status[code] ?? String(code);
}
