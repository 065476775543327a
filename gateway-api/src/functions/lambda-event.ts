import { createHash } from 'node:crypto';

/**
 * The event EventBridge hands a Lambda target for an entry the gateway's EventBridge sink put:
 * `detail` is the CloudEvent (the entry's Detail), `detail-type` its type, `source` the entry's
 * Source, `time` the entry's Time to the second. The local runner builds exactly this, so a handler
 * runs unchanged behind an EventBridge rule on AWS. `id` is derived from the event ID (stable across
 * retries; EventBridge's own is a random UUID, which handlers must not rely on for de-duplication:
 * use `detail.id`).
 */
export interface EventBridgeLambdaEvent {
  readonly version: '0';
  readonly id: string;
  readonly 'detail-type': string;
  readonly source: string;
  readonly account: string;
  readonly time: string;
  readonly region: string;
  readonly resources: readonly string[];
  readonly detail: Record<string, unknown>;
}

/** The Lambda event of a structured CloudEvent (its JSON object). */
export function eventBridgeLambdaEvent(
  cloudEvent: Record<string, unknown>,
  where: { readonly source: string; readonly region: string; readonly account: string },
): EventBridgeLambdaEvent {
  const id = typeof cloudEvent.id === 'string' ? cloudEvent.id : '';
  const time = typeof cloudEvent.time === 'string' ? cloudEvent.time : new Date().toISOString();
  return {
    version: '0',
    id: uuidFrom(id),
    'detail-type': typeof cloudEvent.type === 'string' ? cloudEvent.type : 'unknown',
    source: where.source,
    account: where.account,
    time: `${time.slice(0, 19)}Z`,
    region: where.region,
    resources: [],
    detail: cloudEvent,
  };
}

/** A UUID-shaped (version 5 layout) digest of a string. */
function uuidFrom(s: string): string {
  const h = createHash('sha1').update(`waybill-event:${s}`).digest();
  h[6] = ((h[6] ?? 0) & 0x0f) | 0x50;
  h[8] = ((h[8] ?? 0) & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
}

/**
 * The Idempotency-Key a function should send for its write on the ledger: derived from the
 * function's name and the triggering event's ID, so every retry of that invocation (after a
 * timeout, a crash, a redelivery) carries the same key and the gateway answers the first outcome
 * instead of acting twice. The gateway passes it as `WAYBILL_IDEMPOTENCY_KEY`... per invocation it is
 * in the context (`clientContext.custom.idempotencyKey`); on AWS a handler derives it the same way.
 */
export function idempotencyKeyFor(functionName: string, eventId: string): string {
  return `fn-${createHash('sha256').update(`${functionName}\n${eventId}`).digest('base64url').slice(0, 40)}`;
}
