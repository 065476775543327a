import { Inject } from '@nestjs/common';
import { DATABASE, type Database, type Row, type SqlValue } from '../database/database';
import type { LedgerBlock } from '../ledger/ledger.port';
import { assetIdsOf } from './asset-ids';
import { isAttested } from './event-attestation';
import {
  eventId,
  NETWORK_MIGRATED,
  type NetworkIdentity,
  type NetworkMigratedPayload,
  type StoredEvent,
} from './event.types';

/** Checkpoint names in `event_checkpoints`. */
export const READER_CHECKPOINT = 'reader';
export const PROJECTION_CHECKPOINT = 'projection';

/** What {@link EventStoreRepository.list} selects. */
export interface EventQuery {
  /** Events after this position. */
  readonly afterSeq: number;
  /** Up to and including this position (a snapshot bound, so a cursor can skip what did not match). */
  readonly uptoSeq?: number;
  readonly names?: readonly string[];
  readonly assetId?: string;
  /** Also select the gateway's own events (NetworkMigrated) whatever `names` and `assetId` say. */
  readonly withGatewayEvents?: boolean;
  readonly limit: number;
}

/** A network this database followed, from its epoch on. */
export interface NetworkEpoch extends NetworkIdentity {
  readonly epoch: number;
  /** Position of the first event of this epoch (0 for the first network). */
  readonly firstSeq: number;
}

/** What {@link EventStoreRepository.enterNetwork} did. */
export type NetworkEntry =
  | { readonly kind: 'adopted' | 'unchanged'; readonly network: NetworkEpoch }
  | { readonly kind: 'switched'; readonly network: NetworkEpoch; readonly from: NetworkEpoch; readonly event: StoredEvent };

/** Steps of a network switch, for tests that crash between them. */
export type SwitchStep = 'event' | 'reader checkpoint' | 'read model' | 'epoch';

const decoder = new TextDecoder();

/**
 * The gateway's durable copy of the channel's chaincode events, and the reader's checkpoint.
 * A block's events and the checkpoint move in one database transaction, so a crash leaves either
 * the whole block or none of it: the reader resumes at the block after the checkpoint.
 */
export class EventStoreRepository {
  constructor(@Inject(DATABASE) private readonly db: Database) {}

  /** A checkpoint's position, or undefined when never written. */
  async checkpoint(name: string): Promise<number | undefined> {
    const rows = await this.db.query<{ position: unknown }>(
      'SELECT position FROM event_checkpoints WHERE name = $1',
      [name],
    );
    return rows[0] === undefined ? undefined : Number(rows[0].position);
  }

  async setCheckpoint(name: string, position: number): Promise<void> {
    await this.db.execute(
      `INSERT INTO event_checkpoints (name, position, updated_at) VALUES ($1, $2, $3)
       ON CONFLICT (name) DO UPDATE SET position = excluded.position, updated_at = excluded.updated_at`,
      [name, position, Date.now()],
    );
  }

  /**
   * Stores the chaincode events of a block's valid transactions (of `chaincode` only) and moves the
   * reader checkpoint to the block. A block at or below the checkpoint is ignored (replayed).
   * @returns the events stored.
   */
  async appendBlock(block: LedgerBlock, chaincode: string): Promise<StoredEvent[]> {
    const number = Number(block.number);
    // PostgreSQL: appends are serialised on the checkpoint row, so a writer that is no longer the
    // event leader (it lost its lock a moment ago) sees the new leader's checkpoint and stores nothing.
    const lock = this.db.dialect === 'postgres' ? ' FOR UPDATE' : '';
    return this.db.transaction(async (tx) => {
      const cp = await tx.query<{ position: unknown }>(
        `SELECT position FROM event_checkpoints WHERE name = $1${lock}`,
        [READER_CHECKPOINT],
      );
      if (cp[0] !== undefined && Number(cp[0].position) >= number) return [];
      const max = await tx.query<{ seq: unknown }>('SELECT MAX(seq) AS seq FROM ledger_events');
      let seq = Number(max[0]?.seq ?? 0);
      const stored: StoredEvent[] = [];
      for (const t of block.transactions) {
        if (t.validationCode !== 'VALID') continue;
        for (const e of t.chaincodeEvents) {
          if (e.chaincode !== chaincode) continue;
          const text = decoder.decode(e.payload);
          let payload: unknown;
          try {
            payload = JSON.parse(text);
          } catch {
            payload = undefined;
          }
          // A forged event (one the transaction's protected writes do not back) never reaches the
          // store, hence never SSE, the read model or a webhook.
          if (!isAttested(e.name, payload, e.writes, t.creatorMspId)) continue;
          const assetIds = assetIdsOf(e.name, payload);
          const declared = (payload as { timestamp?: unknown } | undefined)?.timestamp;
          const timestamp =
            typeof declared === 'string' && !Number.isNaN(Date.parse(declared))
              ? Date.parse(declared)
              : (t.timestamp?.getTime() ?? Date.now());
          const event: StoredEvent = {
            seq: seq + 1,
            id: eventId(t.txId, e.name),
            blockNumber: number,
            txId: t.txId,
            name: e.name,
            assetIds,
            timestamp,
            // A payload that is not JSON (not Waybill's) is kept, as a JSON string.
            payload: payload === undefined ? JSON.stringify(text) : text,
          };
          const inserted = await tx.execute(
            `INSERT INTO ledger_events (seq, event_id, block_number, tx_id, event_name, asset_id, asset_ids,
               tx_timestamp, payload, stored_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (event_id) DO NOTHING`,
            [
              event.seq,
              event.id,
              number,
              event.txId,
              event.name,
              assetIds[0] ?? '',
              JSON.stringify(assetIds),
              timestamp,
              event.payload,
              Date.now(),
            ],
          );
          if (inserted === 0) continue;
          seq += 1;
          for (const assetId of assetIds) {
            await tx.execute('INSERT INTO ledger_event_assets (asset_id, seq) VALUES ($1, $2)', [
              assetId,
              event.seq,
            ]);
          }
          stored.push(event);
        }
      }
      await tx.execute(
        `INSERT INTO event_checkpoints (name, position, updated_at) VALUES ($1, $2, $3)
         ON CONFLICT (name) DO UPDATE SET position = excluded.position, updated_at = excluded.updated_at`,
        [READER_CHECKPOINT, number, Date.now()],
      );
      return stored;
    });
  }

  /** The network followed now (the latest epoch), or undefined before the first start. */
  async network(): Promise<NetworkEpoch | undefined> {
    const rows = await this.db.query(
      'SELECT epoch, channel, genesis_hash, first_seq FROM ledger_networks ORDER BY epoch DESC LIMIT 1',
    );
    return rows[0] === undefined ? undefined : toEpoch(rows[0]);
  }

  /**
   * Records that the gateway follows `network` now. The first network is adopted (epoch 1: what
   * was stored so far came from it). The same network again changes nothing. Another network is a
   * switch, all in one database transaction, so a crash leaves either the old network with all its
   * state or the new one with all of it: a `NetworkMigrated` event is stored after every event so
   * far (its ID names the new epoch, so no ID repeats), the reader checkpoint is dropped (the new
   * channel is read from its start block, whose block numbers restart), the read model is emptied
   * and its checkpoint moved past the old network's events (it is rebuilt from the new network's
   * events, import batches included), and the new epoch is recorded. Call it before any block of
   * the network is stored, from the one process that stores events.
   * @param crashAfter test hook: throws after this step, inside the transaction.
   */
  async enterNetwork(network: NetworkIdentity, now = Date.now(), crashAfter?: SwitchStep): Promise<NetworkEntry> {
    const lock = this.db.dialect === 'postgres' ? ' FOR UPDATE' : '';
    return this.db.transaction(async (tx) => {
      const rows = await tx.query(
        `SELECT epoch, channel, genesis_hash, first_seq FROM ledger_networks ORDER BY epoch DESC LIMIT 1${lock}`,
      );
      const current = rows[0] === undefined ? undefined : toEpoch(rows[0]);
      if (current === undefined) {
        const adopted: NetworkEpoch = { ...network, epoch: 1, firstSeq: 0 };
        await tx.execute(
          'INSERT INTO ledger_networks (epoch, channel, genesis_hash, first_seq, since) VALUES ($1, $2, $3, $4, $5)',
          [1, network.channel, network.genesisBlockHash, 0, now],
        );
        return { kind: 'adopted', network: adopted };
      }
      if (current.channel === network.channel && current.genesisBlockHash === network.genesisBlockHash) {
        return { kind: 'unchanged', network: current };
      }
      const step = (s: SwitchStep): void => {
        if (crashAfter === s) throw new Error(`crash after step ${s}`);
      };
      const epoch = current.epoch + 1;
      const max = await tx.query<{ seq: unknown }>('SELECT MAX(seq) AS seq FROM ledger_events');
      const seq = Number(max[0]?.seq ?? 0) + 1;
      const payload: NetworkMigratedPayload = {
        epoch,
        from: { channel: current.channel, genesisBlockHash: current.genesisBlockHash },
        to: { channel: network.channel, genesisBlockHash: network.genesisBlockHash },
      };
      const event: StoredEvent = {
        seq,
        id: eventId(`network-${epoch}`, NETWORK_MIGRATED),
        blockNumber: 0,
        txId: '',
        name: NETWORK_MIGRATED,
        assetIds: [],
        timestamp: now,
        payload: JSON.stringify(payload),
      };
      await tx.execute(
        `INSERT INTO ledger_events (seq, event_id, block_number, tx_id, event_name, asset_id, asset_ids,
           tx_timestamp, payload, stored_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
        [seq, event.id, 0, '', NETWORK_MIGRATED, '', '[]', now, event.payload, now],
      );
      step('event');
      await tx.execute('DELETE FROM event_checkpoints WHERE name = $1', [READER_CHECKPOINT]);
      step('reader checkpoint');
      await tx.execute('DELETE FROM asset_projection');
      await tx.execute(
        `INSERT INTO event_checkpoints (name, position, updated_at) VALUES ($1, $2, $3)
         ON CONFLICT (name) DO UPDATE SET position = excluded.position, updated_at = excluded.updated_at`,
        [PROJECTION_CHECKPOINT, seq, now],
      );
      step('read model');
      await tx.execute(
        'INSERT INTO ledger_networks (epoch, channel, genesis_hash, first_seq, since) VALUES ($1, $2, $3, $4, $5)',
        [epoch, network.channel, network.genesisBlockHash, seq, now],
      );
      step('epoch');
      return { kind: 'switched', network: { ...network, epoch, firstSeq: seq }, from: current, event };
    });
  }

  /** Events in order, after a position, optionally filtered by names and asset. */
  async list(q: EventQuery): Promise<StoredEvent[]> {
    const where: string[] = ['e.seq > $1'];
    const params: SqlValue[] = [q.afterSeq];
    if (q.uptoSeq !== undefined) {
      params.push(q.uptoSeq);
      where.push(`e.seq <= $${params.length}`);
    }
    const filters: string[] = [];
    if (q.names !== undefined && q.names.length > 0) {
      const marks = q.names.map((n) => {
        params.push(n);
        return `$${params.length}`;
      });
      filters.push(`e.event_name IN (${marks.join(', ')})`);
    }
    let from = 'ledger_events e';
    if (q.assetId !== undefined) {
      params.push(q.assetId);
      // At most one row per event: (asset_id, seq) is the key of ledger_event_assets.
      from = `ledger_events e LEFT JOIN ledger_event_assets a ON a.seq = e.seq AND a.asset_id = $${params.length}`;
      filters.push('a.seq IS NOT NULL');
    }
    if (filters.length > 0) {
      if (q.withGatewayEvents === true) {
        params.push(NETWORK_MIGRATED);
        where.push(`((${filters.join(' AND ')}) OR e.event_name = $${params.length})`);
      } else where.push(...filters);
    }
    params.push(q.limit);
    const rows = await this.db.query(
      `SELECT e.seq, e.event_id, e.block_number, e.tx_id, e.event_name, e.asset_ids, e.tx_timestamp, e.payload
       FROM ${from} WHERE ${where.join(' AND ')} ORDER BY e.seq LIMIT $${params.length}`,
      params,
    );
    return rows.map(toEvent);
  }

  /** Events with these positions (any order in, seq order out). */
  async bySeq(seqs: readonly number[]): Promise<StoredEvent[]> {
    if (seqs.length === 0) return [];
    const marks = seqs.map((_, i) => `$${i + 1}`).join(', ');
    const rows = await this.db.query(
      `SELECT seq, event_id, block_number, tx_id, event_name, asset_ids, tx_timestamp, payload
       FROM ledger_events WHERE seq IN (${marks}) ORDER BY seq`,
      [...seqs],
    );
    return rows.map(toEvent);
  }

  /** The position of an event ID, or undefined when unknown. */
  async seqOf(id: string): Promise<number | undefined> {
    const rows = await this.db.query<{ seq: unknown }>('SELECT seq FROM ledger_events WHERE event_id = $1', [id]);
    return rows[0] === undefined ? undefined : Number(rows[0].seq);
  }

  /**
   * The position just before the first event of `block` or later (replay from a block) of the
   * network followed now: block numbers restart on a new network, so earlier epochs are not searched.
   */
  async seqBeforeBlock(block: number): Promise<number> {
    const firstSeq = (await this.network())?.firstSeq ?? 0;
    const rows = await this.db.query<{ seq: unknown }>(
      'SELECT MIN(seq) AS seq FROM ledger_events WHERE block_number >= $1 AND seq >= $2',
      [block, firstSeq],
    );
    const first = rows[0]?.seq;
    return first === null || first === undefined ? this.maxSeq() : Number(first) - 1;
  }

  /** The position of the newest stored event (0 when none). */
  async maxSeq(): Promise<number> {
    const rows = await this.db.query<{ seq: unknown }>('SELECT MAX(seq) AS seq FROM ledger_events');
    return Number(rows[0]?.seq ?? 0);
  }

  /** Block number of the event at a position, or undefined. */
  async blockOf(seq: number): Promise<number | undefined> {
    const rows = await this.db.query<{ block_number: unknown }>(
      'SELECT block_number FROM ledger_events WHERE seq = $1',
      [seq],
    );
    return rows[0] === undefined ? undefined : Number(rows[0].block_number);
  }
}

function toEpoch(r: Row): NetworkEpoch {
  return {
    epoch: Number(r.epoch),
    channel: String(r.channel),
    genesisBlockHash: String(r.genesis_hash),
    firstSeq: Number(r.first_seq),
  };
}

function toEvent(r: Row): StoredEvent {
  return {
    seq: Number(r.seq),
    id: String(r.event_id),
    blockNumber: Number(r.block_number),
    txId: String(r.tx_id),
    name: String(r.event_name),
    assetIds: JSON.parse(String(r.asset_ids)) as string[],
    timestamp: Number(r.tx_timestamp),
    payload: String(r.payload),
  };
}
