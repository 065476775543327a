import { ApiProperty } from '@nestjs/swagger';
import type { NetworkIdentity } from '../ledger/network-identity';

export type { NetworkIdentity };

/** One chaincode event as the gateway stores it. */
export interface StoredEvent {
  /** The gateway's position of the event (ledger order); not shown to clients. */
  readonly seq: number;
  /** Stable ID: `<txId>:<event name>` (one event per transaction). */
  readonly id: string;
  readonly blockNumber: number;
  readonly txId: string;
  readonly name: string;
  /** Assets the event concerns, primary first. */
  readonly assetIds: readonly string[];
  /** Transaction timestamp, epoch ms. */
  readonly timestamp: number;
  /** The chaincode's payload (JSON text). */
  readonly payload: string;
}

/** An event as the API and webhooks serve it. */
export class LedgerEventView {
  @ApiProperty({ description: 'Stable ID `<txId>:<name>`; de-duplicate on it' }) id!: string;
  @ApiProperty({ description: 'Event name (docs/events.md)' }) name!: string;
  @ApiProperty() blockNumber!: number;
  @ApiProperty() txId!: string;
  @ApiProperty({ format: 'date-time', description: 'Transaction timestamp' }) timestamp!: string;
  @ApiProperty({ type: [String], description: 'Assets concerned, primary first' }) assetIds!: string[];
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'The chaincode event payload' })
  payload!: Record<string, unknown>;
}

/**
 * The JSON text of an event as clients receive it (SSE `data`, webhook body). Built by hand so the
 * payload's bytes are passed through as the chaincode wrote them.
 */
export function eventJson(e: StoredEvent): string {
  return (
    `{"id":${JSON.stringify(e.id)},"name":${JSON.stringify(e.name)},"blockNumber":${e.blockNumber},` +
    `"txId":${JSON.stringify(e.txId)},"timestamp":${JSON.stringify(new Date(e.timestamp).toISOString())},` +
    `"assetIds":${JSON.stringify(e.assetIds)},"payload":${e.payload}}`
  );
}

/** The stable ID of an event. */
export function eventId(txId: string, name: string): string {
  return `${txId}:${name}`;
}

/**
 * The one event the gateway emits itself: it now follows another ledger network (a migration,
 * docs/migration.md). Delivered once to every SSE stream, webhook subscription and sink, whatever
 * their event-name and asset filters; its ID is `network-<epoch>:NetworkMigrated`.
 */
export const NETWORK_MIGRATED = 'NetworkMigrated';


/** The payload of a {@link NETWORK_MIGRATED} event. */
export interface NetworkMigratedPayload {
  /** The gateway's network epoch now (1 was the first network it followed). */
  readonly epoch: number;
  readonly from: NetworkIdentity;
  readonly to: NetworkIdentity;
}

/** Whether an event is the gateway's own (delivered whatever a subscriber's filters). */
export function isGatewayEvent(name: string): boolean {
  return name === NETWORK_MIGRATED;
}
