import { CloudEvent, HTTP } from 'cloudevents';
import type { StoredEvent } from './event.types';

/** Prefix of every CloudEvents `type` the gateway emits (docs/events.md, "CloudEvents"). */
export const CLOUD_EVENT_TYPE_PREFIX = 'io.waybill';

/**
 * The CloudEvents `type` of a chaincode event name: `io.waybill.<subject>.<verb>`, the name's words
 * in lower case, the last one the verb (`AssetCreated` → `io.waybill.asset.created`,
 * `HandoverProposed` → `io.waybill.handover.proposed`, `PersonalDataRefErased` →
 * `io.waybill.personal-data-ref.erased`). Stable: receivers route on it.
 */
export function cloudEventType(name: string): string {
  const words = name.match(/[A-Z][a-z0-9]*/g) ?? [name];
  const verb = words[words.length - 1] ?? name;
  const subject = words.slice(0, -1).join('-') || 'ledger';
  return `${CLOUD_EVENT_TYPE_PREFIX}.${subject.toLowerCase()}.${verb.toLowerCase()}`;
}

/** Where events come from: the network, channel and chaincode (CloudEvents `source`). */
export interface EventOrigin {
  readonly network: string;
  readonly channel: string;
  readonly chaincode: string;
}

/** The CloudEvents `source` of an origin: `/waybill/<network>/<channel>/<chaincode>` (a URI reference). */
export function cloudEventSource(o: Readonly<EventOrigin>): string {
  return `/waybill/${encodeURIComponent(o.network)}/${encodeURIComponent(o.channel)}/${encodeURIComponent(o.chaincode)}`;
}

/**
 * A stored event as a CloudEvent 1.0 (built and validated by the `cloudevents` SDK):
 * - `id`: the stable event ID (`<txId>:<name>`), the de-duplication key;
 * - `source`: {@link cloudEventSource}; `type`: {@link cloudEventType};
 * - `subject`: the primary asset (absent for an event about no asset);
 * - `time`: the transaction's timestamp (the block's time for this event);
 * - `data` (`application/json`): the chaincode's payload, unchanged;
 * - extensions `blocknumber` (integer), `txid`, and `assetids` (every asset concerned, comma-separated).
 */
export function toCloudEvent(e: StoredEvent, origin: Readonly<EventOrigin>): CloudEvent<unknown> {
  const primary = e.assetIds[0];
  return new CloudEvent<unknown>({
    specversion: '1.0',
    id: e.id,
    source: cloudEventSource(origin),
    type: cloudEventType(e.name),
    ...(primary === undefined ? {} : { subject: primary }),
    time: new Date(e.timestamp).toISOString(),
    datacontenttype: 'application/json',
    data: JSON.parse(e.payload) as unknown,
    blocknumber: e.blockNumber,
    txid: e.txId,
    ...(e.assetIds.length > 0 ? { assetids: e.assetIds.join(',') } : {}),
  });
}

/** How a CloudEvent travels over HTTP (CloudEvents HTTP protocol binding). */
export type CloudEventHttpMode = 'structured' | 'binary';

/**
 * A CloudEvent as an HTTP request's headers and body: structured (`application/cloudevents+json`,
 * the whole event in the body) or binary (`ce-*` headers, the data as the body).
 */
export function cloudEventHttp(
  event: CloudEvent<unknown>,
  mode: CloudEventHttpMode,
): { headers: Record<string, string>; body: string } {
  const message = mode === 'binary' ? HTTP.binary(event) : HTTP.structured(event);
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(message.headers))
    if (v !== undefined) headers[k.toLowerCase()] = String(v);
  return { headers, body: typeof message.body === 'string' ? message.body : JSON.stringify(message.body) };
}

/** The structured-mode JSON text of a CloudEvent (what the sinks carry). */
export function cloudEventJson(event: CloudEvent<unknown>): string {
  return event.toString();
}
