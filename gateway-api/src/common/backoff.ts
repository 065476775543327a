/**
 * Exponential backoff with "equal jitter": half the exponential delay is kept, the other half is
 * random. Retries spread out (no thundering herd after an outage) yet always wait at least half the
 * nominal delay, so the schedule still grows.
 *
 * @param attempt 1 for the delay after the first failure.
 * @param random a number in [0, 1) (tests pass a constant).
 */
export function backoffDelay(
  attempt: number,
  baseMs: number,
  maxMs: number,
  random: () => number = Math.random,
): number {
  const nominal = Math.min(maxMs, baseMs * 2 ** Math.min(Math.max(attempt - 1, 0), 30));
  return Math.round(nominal / 2 + random() * (nominal / 2));
}
