import type { FeedbackKind, SessionEvent } from "../ports";

/**
 * One session event as a short string, `<atMs base36>|<type code>|<itemId>`: about 10 bytes plus the item
 * id, so a window of 50 stays well under 2 KB in Redis. The item id goes last because it may contain `|`.
 */
const CODE_BY_KIND: Readonly<Record<FeedbackKind, string>> = {
  unspecified: "u",
  click: "c",
  add_to_cart: "a",
  purchase: "p",
  dismiss: "d",
};
const KIND_BY_CODE = new Map(Object.entries(CODE_BY_KIND).map(([kind, code]) => [code, kind as FeedbackKind]));

const ENTRY = /^(-?[0-9a-z]{1,12})\|([a-z])\|(.+)$/s;

export function encodeSessionEvent(event: SessionEvent): string {
  return `${Math.trunc(event.atMs).toString(36)}|${CODE_BY_KIND[event.type]}|${event.itemId}`;
}

/** Null for an entry this codec did not write. */
export function decodeSessionEvent(entry: string): SessionEvent | null {
  const match = ENTRY.exec(entry);
  if (!match) return null;
  const atMs = parseInt(match[1]!, 36);
  const type = KIND_BY_CODE.get(match[2]!);
  if (!Number.isSafeInteger(atMs) || type === undefined) return null;
  return { itemId: match[3]!, type, atMs };
}
