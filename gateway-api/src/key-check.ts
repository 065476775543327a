import type { GatewayConfig } from './config/config';
import type { Database } from './database/database';
import { KeyRing } from './crypto/envelope-crypto';
import { WebhookRepository } from './webhooks/webhook.repository';
import { PersonalDataRepository } from './personal-data/personal-data.repository';

/**
 * Checks that the configured key-encryption keys open what the store holds sealed under them: the
 * personal-data keys and the webhook signing secrets (one sample per KEK id).
 * @throws Error with a one-line reason naming KEK ids (never key bytes) when they do not.
 */
export async function checkPersonalDataKeys(
  db: Database,
  config: Pick<GatewayConfig, 'personalData'>,
): Promise<KeyRing> {
  const ring = new KeyRing(config.personalData.kek, config.personalData.previousKeks);
  const repo = new PersonalDataRepository(db);
  for (const sample of await repo.kekSamples()) {
    if (!ring.has(sample.kekId)) {
      throw new Error(
        `personal-data store holds data keys wrapped by key-encryption key ${sample.kekId}, which is neither ` +
          `WAYBILL_PD_KEK (id ${ring.currentId}) nor in WAYBILL_PD_PREVIOUS_KEKS: configure that key`,
      );
    }
    try {
      ring.unwrap(sample.wrappedKey, sample.kekId, sample.subjectId);
    } catch {
      throw new Error(
        `a data key wrapped by key-encryption key ${sample.kekId} does not open with the configured key: wrong key or tampered store`,
      );
    }
  }
  const webhooks = new WebhookRepository(db, ring);
  for (const sample of await webhooks.secretSamples()) {
    if (!ring.has(sample.kekId)) {
      throw new Error(
        `webhook secrets are sealed by key-encryption key ${sample.kekId}, which is neither WAYBILL_PD_KEK ` +
          `(id ${ring.currentId}) nor in WAYBILL_PD_PREVIOUS_KEKS: configure that key`,
      );
    }
  }
  try {
    await webhooks.list();
  } catch {
    throw new Error(
      'a webhook secret does not open with the configured key-encryption keys: wrong key or tampered store',
    );
  }
  return ring;
}
