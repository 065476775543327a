import { ALL_ASSET_STATUSES, LIMITS } from '@waybill/chaincode/constants';
import { PROJECTION_CHECKPOINT, READER_CHECKPOINT, type EventStoreRepository } from '../events/event-store.repository';
import type { LedgerPort } from '../ledger/ledger.port';
import { notReached, pollUntil, type WaiterClock } from '../ledger/min-block';
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

/** A reconciliation was asked for while one runs. */
export class ReconcileRunningError extends Error {
  constructor() {
    super('a reconciliation is running already');
    this.name = 'ReconcileRunningError';
  }
}
const HEIGHT_CACHE_MS = 1_000;

/** The read model as the API uses it: queries, lag and reconciliation against the ledger. */
export class ReadModelService {
  #reconciling = false;
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
   * Resolves once the read model holds block `block` (its projection passed it), waiting until
   * `deadline` (a `Date.now()` value).
   * @throws {@link ProblemException} MIN_BLOCK_NOT_REACHED (503, retryable) at the deadline.
   */
  async waitForBlock(block: number, deadline: number, clock?: WaiterClock): Promise<void> {
    let projected: number | null = null;
    const reached = await pollUntil(
      async () => {
        projected = (await this.status()).projectedBlock;
        return projected !== null && projected >= block;
      },
      deadline,
      clock,
    );
    if (!reached) throw notReached('this organisation’s read model', block, (projected ?? -1) + 1);
  }

  /**
   * Compares every asset of the ledger (read through its status indexes, a page at a time) with
   * the read model: each ledger page is compared with the same assets' projected documents as it
   * arrives, so memory holds one page of documents and the asset ids, never the whole ledger. One
   * reconciliation runs at a time in a process. Run it when the lag is 0, or the assets changed
   * meanwhile show as differences.
   * @throws {@link ReconcileRunningError} while another one runs.
   */
  async reconcile(): Promise<ReconcileReport> {
    if (this.#reconciling) throw new ReconcileRunningError();
    this.#reconciling = true;
    try {
      return await this.#reconcile();
    } finally {
      this.#reconciling = false;
    }
  }

  /** Whether a reconciliation runs now. */
  get reconciling(): boolean {
    return this.#reconciling;
  }

  async #reconcile(): Promise<ReconcileReport> {
    const seen = new Set<string>();
    const differences: Difference[] = [];
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
        const fresh = page.records.filter((a) => !seen.has(a.id));
        const projected = await this.repo.documents(fresh.map((a) => a.id));
        for (const asset of fresh) {
          seen.add(asset.id);
          const mine = projected.get(asset.id);
          if (mine === undefined) {
            differences.push({ assetId: asset.id, kind: 'missing' });
            continue;
          }
          const fields = differingFields(asset, JSON.parse(mine) as Record<string, unknown>);
          if (fields.length > 0) differences.push({ assetId: asset.id, kind: 'different', fields });
        }
        bookmark = page.records.length === 0 ? '' : page.bookmark;
      } while (bookmark !== '');
    }
    const projectedIds = await this.repo.ids();
    for (const id of projectedIds) if (!seen.has(id)) differences.push({ assetId: id, kind: 'extra' });
    differences.sort((a, b) => (a.assetId < b.assetId ? -1 : a.assetId > b.assetId ? 1 : 0));
    return {
      ledgerAssets: seen.size,
      readModelAssets: projectedIds.length,
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
