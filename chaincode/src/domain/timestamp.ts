/** The parts of a protobuf Timestamp the shim gives (seconds may be a Long, a number or a string). */
export interface TimestampLike {
  readonly seconds: number | string | { toString(): string };
  readonly nanos: number;
}

/**
 * Converts a transaction timestamp to an ISO-8601 UTC string with millisecond precision.
 * Only ever fed with the proposal's timestamp (`getTxTimestamp`) or history entries, never the
 * local clock, so every endorser computes the same string.
 */
export function toIsoTimestamp(ts: TimestampLike): string {
  const seconds = typeof ts.seconds === 'number' ? ts.seconds : Number(ts.seconds.toString());
  const millis = seconds * 1000 + Math.floor((ts.nanos || 0) / 1_000_000);
  return new Date(millis).toISOString();
}
