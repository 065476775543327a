import type { KeyRing } from '../crypto/envelope-crypto';
import type { PersonalDataRepository } from './personal-data.repository';

/**
 * Rewraps every data key that is not under the ring's current KEK (the second step of a KEK
 * rotation, docs/privacy.md). Records are untouched: they are sealed with the data keys, which do
 * not change. Safe to run while gateways serve requests and to run again after an interruption.
 * @returns how many keys were rewrapped, and the KEK id they are under now.
 * @throws SealError when a data key does not open with any configured KEK (nothing is changed for it).
 */
export async function rewrapDataKeys(
  repo: PersonalDataRepository,
  keys: KeyRing,
): Promise<{ rewrapped: number; kekId: string }> {
  let rewrapped = 0;
  for (;;) {
    const batch = await repo.subjectsNotUnder(keys.currentId, 500);
    if (batch.length === 0) break;
    for (const s of batch) {
      const dataKey = keys.unwrap(s.wrappedKey, s.kekId, s.subjectId);
      const { wrapped, kekId } = keys.wrap(dataKey, s.subjectId);
      if (await repo.rewrap(s.subjectId, s.kekId, wrapped, kekId)) rewrapped += 1;
    }
  }
  return { rewrapped, kekId: keys.currentId };
}
