import { ALL_ASSET_STATUSES, LIMITS } from '@waybill/chaincode/constants';
import { PROJECTION_CHECKPOINT, READER_CHECKPOINT, type EventStoreRepository } from '../events/event-store.repository';
import type { LedgerPort } from '../ledger/ledger.port';
import type { ProjectionQuery, ProjectionRepository } from './projection.repository';

/** How far the read model is behind the ledger. */
export interface ReadModelStatus {
  /** The channel's height as this organisation's peer reports it; null when no peer answers. */
  readonly ledgerHeight: number | null;
  /** Last block whose events are stored. */
  readonly eventsBlock: number | null;
  /** Last block whose events are all applied to the read model. */
  readonly projectedBlock: number | null;
  /** Blocks committed on the ledger and not yet reflected in the read model; null when unknown. */
  readonly lagBlocks: number | null;
}

/** One asset on which the read model and the ledger disagree. */
export interface Difference {
  readonly assetId: string;
  readonly kind: 'missing' | 'extra' | 'different';
  /** Top-level fields that differ (`different` only). */
  readonly fields?: readonly string[];
}

/** Result of a reconciliation. */
export interface ReconcileReport {
  readonly ledgerAssets: number;
  readonly readModelAssets: number;
  readonly differences: readonly Difference[];
  readonly status: ReadModelStatus;
}

const decoder = new TextDecoder();
const HEIGHT_CACHE_MS = 1_000;

/** The read model as the API uses it: queries, lag and reconciliation against the ledger. */
export class ReadModelService {
  #height: { value: number; at: number } | undefined;

  constructor(
    private readonly ledger: LedgerPort,
    private readonly store: EventStoreRepository,
    private readonly repo: ProjectionRepository,
    private readonly identity: string,
  ) {}

  query(q: ProjectionQuery): Promise<{ readonly items: string[]; readonly more: boolean }> {
    return this.repo.query(q);
  }

  /** Lag of the read model in blocks (ledger height cached for a second). */
  async status(fresh = false): Promise<ReadModelStatus> {
    const ledgerHeight = await this.#ledgerHeight(fresh);
    const eventsBlock = (await this.store.checkpoint(READER_CHECKPOINT)) ?? null;
    const position = (await this.store.checkpoint(PROJECTION_CHECKPOINT)) ?? 0;
    let projectedBlock: number | null;
    if (eventsBlock === null) projectedBlock = null;
    else if (position >= (await this.store.maxSeq())) projectedBlock = eventsBlock;
    else {
      const next = await this.store.blockOf(position + 1);
      projectedBlock = next === undefined ? eventsBlock : next - 1;
    }
    const lagBlocks =
      ledgerHeight === null ? null : Math.max(0, ledgerHeight - 1 - (projectedBlock ?? -1));
    return { ledgerHeight, eventsBlock, projectedBlock, lagBlocks };
  }

  /**
   * Compares every asset of the ledger (read through its status indexes) with the read model.
   * Run it when the lag is 0, or the assets changed meanwhile show as differences.
   */
  async reconcile(): Promise<ReconcileReport> {
    const ledgerAssets = new Map<string, string>();
    for (const status of ALL_ASSET_STATUSES) {
      let bookmark = '';
      do {
        const page = JSON.parse(
          decoder.decode(
            await this.ledger.evaluate({
              identity: this.identity,
              transaction: 'listAssetsByStatus',
              args: [status, String(LIMITS.MAX_PAGE_SIZE), bookmark],
            }),
          ),
        ) as { records: ({ id: string } & Record<string, unknown>)[]; bookmark: string };
        for (const a of page.records) ledgerAssets.set(a.id, JSON.stringify(a));
        bookmark = page.records.length === 0 ? '' : page.bookmark;
      } while (bookmark !== '');
    }
    const projected = await this.repo.all();
    const differences: Difference[] = [];
    for (const [id, json] of ledgerAssets) {
      const mine = projected.get(id);
      if (mine === undefined) {
        differences.push({ assetId: id, kind: 'missing' });
        continue;
      }
      const fields = differingFields(
        JSON.parse(json) as Record<string, unknown>,
        JSON.parse(mine) as Record<string, unknown>,
      );
      if (fields.length > 0) differences.push({ assetId: id, kind: 'different', fields });
    }
    for (const id of projected.keys()) if (!ledgerAssets.has(id)) differences.push({ assetId: id, kind: 'extra' });
    differences.sort((a, b) => (a.assetId < b.assetId ? -1 : a.assetId > b.assetId ? 1 : 0));
    return {
      ledgerAssets: ledgerAssets.size,
      readModelAssets: projected.size,
      differences,
      status: await this.status(true),
    };
  }

  async #ledgerHeight(fresh: boolean): Promise<number | null> {
    const now = Date.now();
    if (!fresh && this.#height && now - this.#height.at < HEIGHT_CACHE_MS) return this.#height.value;
    try {
      const value = Number(await this.ledger.chainHeight(this.identity));
      this.#height = { value, at: now };
      return value;
    } catch {
      return null;
    }
  }
}

/** Top-level keys whose values differ (deep, key order ignored). */
export function differingFields(a: Record<string, unknown>, b: Record<string, unknown>): string[] {
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  return keys.filter((k) => canonical(a[k]) !== canonical(b[k]));
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'undefined';
}
