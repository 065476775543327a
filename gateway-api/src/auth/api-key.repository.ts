import { Inject } from '@nestjs/common';
import { DATABASE, type Database } from '../database/database';

/** An API key as stored: never the secret, only its hash. */
export interface ApiKeyRecord {
  readonly keyId: string;
  readonly name: string;
  readonly identityId: string;
  readonly role: string;
  readonly secretSha256: string;
  readonly createdAt: number;
  readonly revokedAt: number | null;
  /** When the key stops working (epoch ms); null: never. */
  readonly expiresAt: number | null;
}

interface ApiKeyRow extends Record<string, unknown> {
  key_id: string;
  name: string;
  identity_id: string;
  role: string;
  secret_sha256: string;
  created_at: number;
  revoked_at: number | null;
  expires_at: number | null;
}

/** Storage of API keys in the gateway's database. */
export class ApiKeyRepository {
  constructor(@Inject(DATABASE) private readonly db: Database) {}

  async all(): Promise<ApiKeyRecord[]> {
    const rows = await this.db.query<ApiKeyRow>('SELECT * FROM api_keys ORDER BY created_at, key_id');
    return rows.map(toRecord);
  }

  async find(keyId: string): Promise<ApiKeyRecord | undefined> {
    const rows = await this.db.query<ApiKeyRow>('SELECT * FROM api_keys WHERE key_id = $1', [keyId]);
    return rows[0] ? toRecord(rows[0]) : undefined;
  }

  /** @returns false when the key id exists already. */
  async insert(record: ApiKeyRecord): Promise<boolean> {
    const changed = await this.db.execute(
      `INSERT INTO api_keys (key_id, name, identity_id, role, secret_sha256, created_at, revoked_at, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, NULL, $7) ON CONFLICT (key_id) DO NOTHING`,
      [
        record.keyId,
        record.name,
        record.identityId,
        record.role,
        record.secretSha256,
        record.createdAt,
        record.expiresAt,
      ],
    );
    return changed === 1;
  }

  /** @returns false when the key does not exist or was revoked already. */
  async revoke(keyId: string, at: number): Promise<boolean> {
    return (
      (await this.db.execute('UPDATE api_keys SET revoked_at = $2 WHERE key_id = $1 AND revoked_at IS NULL', [
        keyId,
        at,
      ])) === 1
    );
  }

  /**
   * Brings a key's expiry forward to `at` (never later than it was).
   * @returns false when the key does not exist or was revoked.
   */
  async expire(keyId: string, at: number): Promise<boolean> {
    return (
      (await this.db.execute(
        `UPDATE api_keys SET expires_at = CASE WHEN expires_at IS NULL OR expires_at > $2 THEN $2 ELSE expires_at END
         WHERE key_id = $1 AND revoked_at IS NULL`,
        [keyId, at],
      )) === 1
    );
  }

  /** Changes whenever a key is created, revoked or given an expiry (keys are never deleted): cheap to poll. */
  async fingerprint(): Promise<string> {
    const rows = await this.db.query<{ n: number; r: number; e: number }>(
      'SELECT COUNT(*) AS n, COUNT(revoked_at) AS r, COALESCE(SUM(expires_at), 0) AS e FROM api_keys',
    );
    return `${Number(rows[0]?.n ?? 0)}/${Number(rows[0]?.r ?? 0)}/${String(rows[0]?.e ?? 0)}`;
  }
}

function toRecord(row: ApiKeyRow): ApiKeyRecord {
  return {
    keyId: row.key_id,
    name: row.name,
    identityId: row.identity_id,
    role: row.role,
    secretSha256: row.secret_sha256,
    createdAt: Number(row.created_at),
    revokedAt: row.revoked_at === null ? null : Number(row.revoked_at),
    expiresAt: row.expires_at === null || row.expires_at === undefined ? null : Number(row.expires_at),
  };
}
