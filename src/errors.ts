/**
 * Typed domain errors. Code anywhere throws these; the server maps them to gRPC status in exactly one
 * place (`src/server/status.ts`). Anything else becomes INTERNAL with a generic message.
 */
export abstract class DomainError extends Error {
  abstract readonly kind:
    | "invalid_argument"
    | "not_found"
    | "already_exists"
    | "unavailable"
    | "resource_exhausted"
    | "unauthenticated"
    | "failed_precondition";
}

/** Bad input; the message names the field and the rule. */
export class InvalidArgument extends DomainError {
  readonly kind = "invalid_argument";
  override name = "InvalidArgument";
}

export class NotFound extends DomainError {
  readonly kind = "not_found";
  override name = "NotFound";
}

/** The request names something that exists already as something else (an event_id reused for another event). */
export class AlreadyExists extends DomainError {
  readonly kind = "already_exists";
  override name = "AlreadyExists";
}

/** A store needed to finish the call safely is down; nothing was changed, the client may retry. */
export class Unavailable extends DomainError {
  readonly kind = "unavailable";
  override name = "Unavailable";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Too much at once (load or size); the client should back off. */
export class ResourceExhausted extends DomainError {
  readonly kind = "resource_exhausted";
  override name = "ResourceExhausted";
}

export class Unauthenticated extends DomainError {
  readonly kind = "unauthenticated";
  override name = "Unauthenticated";
}

/** The service is not in a state to serve this call (starting, draining). */
export class FailedPrecondition extends DomainError {
  readonly kind = "failed_precondition";
  override name = "FailedPrecondition";
}

/** A short description of an unknown thrown value, for logs. */
export function describeError(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return String(err);
}
