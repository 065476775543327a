import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { PeriodicJob } from './common/background-loop';
import type { JsonLogger } from './common/logger';
import { type GatewayConfig, kekRotationCheckMs } from './config/config';
import { KEY_BYTES, kekId, type KeyRing } from './crypto/envelope-crypto';
import type { Database } from './database/database';
import { rewrapDataKeys } from './personal-data/key-rotation';
import { PersonalDataRepository } from './personal-data/personal-data.repository';
import { WebhookRepository } from './webhooks/webhook.repository';

/** The outcome of one rotation. */
export interface KekRotationReport {
  readonly from: readonly string[];
  readonly to: string;
  readonly dataKeys: number;
  readonly webhookSecrets: number;
}

/**
 * Scheduled key-encryption-key rotation (`WAYBILL_PD_KEK_ROTATION_INTERVAL_MS`, docs/privacy.md
 * "Erasure and backups"). Each epoch's KEK lives only in `WAYBILL_PD_KEK_FILE` and in memory; a
 * rotation
 *
 * 1. writes a fresh random KEK to the file, ahead of the current one (atomically: a temporary file,
 *    fsync, rename), so a crash at any point leaves a file that opens everything;
 * 2. rewraps every data key and webhook secret under it;
 * 3. rewrites the file with the new KEK alone and drops the old one from memory: it is destroyed.
 *
 * A database backup taken before an erasure still holds the erased subject's data key, wrapped
 * under the KEK of its epoch; once that KEK is destroyed, nothing the organisation keeps opens it.
 * One process per KEK file rotates (the epochs table is shared, the file is not).
 */
export class KekRotation {
  readonly #job: PeriodicJob;

  constructor(
    private readonly db: Database,
    private readonly ring: KeyRing,
    private readonly config: Pick<GatewayConfig, 'personalData'>,
    private readonly logger: JsonLogger,
    private readonly now: () => number = Date.now,
  ) {
    const every = config.personalData.kekRotationIntervalMs;
    this.#job = new PeriodicJob(
      { name: 'KEK rotation', everyMs: every > 0 ? kekRotationCheckMs(every) : 0, logger },
      async () => {
        if (await this.due()) await this.rotate();
      },
    );
  }

  /**
   * Records the current KEK's epoch if it is new, and finishes a rotation a stopped process left
   * half done (the file still lists a previous KEK). Call at start, before serving.
   */
  async prepare(): Promise<void> {
    await this.db.execute(
      'INSERT INTO pd_kek_epochs (kek_id, started_at) VALUES ($1, $2) ON CONFLICT (kek_id) DO NOTHING',
      [this.ring.currentId, this.now()],
    );
    if (
      this.config.personalData.kekFile &&
      this.ring.ids.length > 1 &&
      this.config.personalData.kekRotationIntervalMs > 0
    ) {
      await this.#finish();
    }
  }

  start(): void {
    this.#job.start();
  }

  stop(): Promise<void> {
    return this.#job.stop();
  }

  /** Whether the current KEK's epoch has lasted the rotation interval. */
  async due(): Promise<boolean> {
    const interval = this.config.personalData.kekRotationIntervalMs;
    if (interval <= 0) return false;
    const started = await epochStartedAt(this.db, this.ring.currentId);
    return started !== undefined && started + interval <= this.now();
  }

  /** Rotates now (see the class comment). */
  async rotate(): Promise<KekRotationReport> {
    const file = this.config.personalData.kekFile;
    if (!file) throw new Error('a scheduled KEK rotation needs WAYBILL_PD_KEK_FILE');
    const next = randomBytes(KEY_BYTES);
    const current = readKeyLines(file);
    writeKeyFile(file, [next.toString('base64'), ...current]);
    const to = this.ring.rotate(next);
    next.fill(0);
    await this.db.execute(
      'INSERT INTO pd_kek_epochs (kek_id, started_at) VALUES ($1, $2) ON CONFLICT (kek_id) DO NOTHING',
      [to, this.now()],
    );
    return this.#finish();
  }

  async #finish(): Promise<KekRotationReport> {
    const file = this.config.personalData.kekFile;
    if (!file) throw new Error('a scheduled KEK rotation needs WAYBILL_PD_KEK_FILE');
    const { rewrapped } = await rewrapDataKeys(new PersonalDataRepository(this.db), this.ring);
    const webhookSecrets = await new WebhookRepository(this.db, this.ring).rewrapSecrets();
    const [current] = readKeyLines(file);
    if (current === undefined) throw new Error(`${file} holds no key`);
    writeKeyFile(file, [current]);
    const from = this.ring.forgetPrevious();
    // The configuration's copies of destroyed KEKs go too (the ring held its own copies).
    for (const k of [this.config.personalData.kek, ...this.config.personalData.previousKeks]) {
      if (kekId(k) !== this.ring.currentId) k.fill(0);
    }
    for (const id of from) {
      await this.db.execute(
        'UPDATE pd_kek_epochs SET destroyed_at = $1 WHERE kek_id = $2 AND destroyed_at IS NULL',
        [this.now(), id],
      );
    }
    const report = { from, to: this.ring.currentId, dataKeys: rewrapped, webhookSecrets };
    this.logger.write('info', 'key-encryption key rotated; the previous one is destroyed', {
      ...report,
      from: from.join(','),
    });
    return report;
  }
}

/** When the epoch of KEK `kekId` started (undefined: not recorded). */
export async function epochStartedAt(db: Database, kekId: string): Promise<number | undefined> {
  const [row] = await db.query<{ started_at: number }>(
    'SELECT started_at FROM pd_kek_epochs WHERE kek_id = $1',
    [kekId],
  );
  return row === undefined ? undefined : Number(row.started_at);
}

function readKeyLines(file: string): string[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
}

/** Replaces the key file atomically (mode 0600): a crash leaves the old file or the new one. */
function writeKeyFile(file: string, lines: readonly string[]): void {
  const tmp = `${file}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeSync(fd, `${lines.join('\n')}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
}
