/**
 * A write the store refused for the data of a row in it (a value outside a column's range, text it cannot
 * hold), as opposed to a store that failed or could not be reached. Nothing of the write was applied, and
 * the same write without the offending rows would succeed: callers isolate the rows rather than fail (or
 * retry) everything written with them. Adapters throw it; the message says what the store objected to.
 */
export class RejectedData extends Error {
  override name = "RejectedData";
}
