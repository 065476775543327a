import { Inject } from '@nestjs/common';
import { type SortField } from '../common/sort-keys';
import { DATABASE, type Database, type SqlValue } from '../database/database';
import { PROJECTION_CHECKPOINT } from '../events/event-store.repository';

/** The column of each sort key (common/sort-keys.ts). */
const SORT_COLUMNS: Readonly<Record<SortField, string>> = {
  id: 'asset_id',
  sku: 'sku',
  status: 'status',
  createdAt: 'created_at',
  updatedAt: 'updated_at',
};

/** A read-model query: every given filter must hold. */
export interface ProjectionQuery {
  readonly owner?: string;
  readonly custodian?: string;
  readonly status?: string;
  readonly sku?: string;
  /** Case-insensitive text found in the product's SKU or description. */
  readonly q?: string;
  readonly createdFrom?: number;
  readonly createdTo?: number;
  readonly updatedFrom?: number;
  readonly updatedTo?: number;
  /** e.g. `-updatedAt`; the asset id breaks ties. */
  readonly sort: string;
  readonly offset: number;
  readonly limit: number;
}

/** The part of the ledger's asset the projection indexes. */
interface AssetFields {
  readonly id: string;
  readonly product: { readonly sku: string; readonly description: string };
  readonly owner: string;
  readonly custodian: string;
  readonly status: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly updatedTxId: string;
}

/**
 * The asset read model: one row per asset with the ledger's JSON and the columns rich queries need
 * (text, dates, sorting) — what LevelDB's composite keys cannot answer.
 */
export class ProjectionRepository {
  constructor(@Inject(DATABASE) private readonly db: Database) {}

  /**
   * Writes assets as the ledger returned them (JSON text) and deletes those the ledger no longer
   * has, then moves the projection checkpoint to `position`, in one transaction.
   */
  async apply(
    assets: readonly { readonly json: string; readonly seq: number }[],
    removed: readonly string[],
    position: number,
  ): Promise<void> {
    await this.db.transaction(async (tx) => {
      for (const { json, seq } of assets) {
        const a = JSON.parse(json) as AssetFields;
        await tx.execute(
          `INSERT INTO asset_projection (asset_id, sku, search_text, owner, custodian, status, created_at, updated_at,
             updated_tx_id, event_seq, document)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
           ON CONFLICT (asset_id) DO UPDATE SET sku = excluded.sku, search_text = excluded.search_text,
             owner = excluded.owner, custodian = excluded.custodian, status = excluded.status,
             created_at = excluded.created_at, updated_at = excluded.updated_at,
             updated_tx_id = excluded.updated_tx_id, event_seq = excluded.event_seq, document = excluded.document`,
          [
            a.id,
            a.product.sku,
            `${a.product.sku} ${a.product.description}`.toLowerCase(),
            a.owner,
            a.custodian,
            a.status,
            Date.parse(a.createdAt),
            Date.parse(a.updatedAt),
            a.updatedTxId,
            seq,
            json,
          ],
        );
      }
      for (const id of removed) await tx.execute('DELETE FROM asset_projection WHERE asset_id = $1', [id]);
      await tx.execute(
        `INSERT INTO event_checkpoints (name, position, updated_at) VALUES ($1, $2, $3)
         ON CONFLICT (name) DO UPDATE SET position = excluded.position, updated_at = excluded.updated_at`,
        [PROJECTION_CHECKPOINT, position, Date.now()],
      );
    });
  }

  /** One page of assets (their ledger JSON) matching the query, and whether more follow. */
  async query(q: ProjectionQuery): Promise<{ readonly items: string[]; readonly more: boolean }> {
    const where: string[] = [];
    const params: SqlValue[] = [];
    const add = (sql: string, value: SqlValue) => {
      params.push(value);
      where.push(sql.replace('?', `$${params.length}`));
    };
    if (q.owner !== undefined) add('owner = ?', q.owner);
    if (q.custodian !== undefined) add('custodian = ?', q.custodian);
    if (q.status !== undefined) add('status = ?', q.status);
    if (q.sku !== undefined) add('sku = ?', q.sku);
    if (q.q !== undefined) add("search_text LIKE ? ESCAPE '\\'", `%${escapeLike(q.q.toLowerCase())}%`);
    if (q.createdFrom !== undefined) add('created_at >= ?', q.createdFrom);
    if (q.createdTo !== undefined) add('created_at <= ?', q.createdTo);
    if (q.updatedFrom !== undefined) add('updated_at >= ?', q.updatedFrom);
    if (q.updatedTo !== undefined) add('updated_at <= ?', q.updatedTo);
    const descending = q.sort.startsWith('-');
    const column = SORT_COLUMNS[(descending ? q.sort.slice(1) : q.sort) as SortField];
    const dir = descending ? 'DESC' : 'ASC';
    params.push(q.limit + 1, q.offset);
    const rows = await this.db.query<{ document: unknown }>(
      `SELECT document FROM asset_projection ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY ${column} ${dir}, asset_id ${dir} LIMIT $${params.length - 1} OFFSET $${params.length}`,
      params,
    );
    return { items: rows.slice(0, q.limit).map((r) => String(r.document)), more: rows.length > q.limit };
  }

  /** The projected documents of these assets: id → its ledger JSON (absent ids are left out). */
  async documents(ids: readonly string[]): Promise<Map<string, string>> {
    if (ids.length === 0) return new Map();
    const marks = ids.map((_, i) => `$${i + 1}`).join(', ');
    const rows = await this.db.query<{ asset_id: unknown; document: unknown }>(
      `SELECT asset_id, document FROM asset_projection WHERE asset_id IN (${marks})`,
      [...ids],
    );
    return new Map(rows.map((r) => [String(r.asset_id), String(r.document)]));
  }

  /** Every projected asset id (for reconciliation). */
  async ids(): Promise<string[]> {
    const rows = await this.db.query<{ asset_id: unknown }>('SELECT asset_id FROM asset_projection');
    return rows.map((r) => String(r.asset_id));
  }
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}
