import { ERROR_CODES, EVENTS } from '@waybill/chaincode/constants';
import type { AuthenticatedClient } from '../common/client';
import { JsonLogger } from '../common/logger';
import { EventBus } from '../events/event-bus';
import type { EventQuery, EventStoreRepository } from '../events/event-store.repository';
import type { StoredEvent } from '../events/event.types';
import { ChaincodeError, LedgerUnavailableError } from '../ledger/ledger.errors';
import type { AssetsService } from './assets.service';
import { TERMS_PURGE_CHECKPOINT, TermsPurger } from './terms-purger';

const CLIENT: AuthenticatedClient = {
  keyId: 'system:terms-purge',
  name: 'sale terms purge',
  identityId: 'retailer-user1',
  role: 'retailer',
  mspId: 'RetailerMSP',
};

let seq = 0;
function event(name: string, assetId: string, payload: Record<string, unknown>): StoredEvent {
  seq += 1;
  return {
    seq,
    id: `tx${seq}:${name}`,
    blockNumber: seq,
    txId: `tx${seq}`,
    name,
    assetIds: [assetId],
    timestamp: 0,
    payload: JSON.stringify(payload),
  };
}
const cancelled = (assetId: string, buyer: string, buyerPurged = false) =>
  event(EVENTS.SALE_CANCELLED, assetId, {
    assetId,
    saleId: `sale-${assetId}`,
    seller: 'ManufacturerMSP',
    buyer,
    termsPurged: { seller: true, buyer: buyerPurged },
  });

/** The event store's part the purger uses, in memory. */
class MemoryEvents {
  readonly stored: StoredEvent[] = [];
  readonly checkpoints = new Map<string, number>();
  store(): EventStoreRepository {
    return {
      checkpoint: (name: string) => Promise.resolve(this.checkpoints.get(name)),
      setCheckpoint: (name: string, position: number) => {
        this.checkpoints.set(name, position);
        return Promise.resolve();
      },
      maxSeq: () => Promise.resolve(this.stored.at(-1)?.seq ?? 0),
      list: (q: EventQuery) =>
        Promise.resolve(
          this.stored
            .filter((e) => e.seq > q.afterSeq && e.seq <= (q.uptoSeq ?? Infinity))
            .filter((e) => q.names === undefined || q.names.includes(e.name))
            .slice(0, q.limit),
        ),
    } as unknown as EventStoreRepository;
  }
}

function chaincodeError(code: string): ChaincodeError {
  return new ChaincodeError({ stage: 'submit', message: `${code}: x`, code, chaincodeMessage: 'x' });
}

describe('TermsPurger', () => {
  let events: MemoryEvents;
  let calls: { assetId: string; args: readonly string[]; identity: string }[];
  let answer: (assetId: string) => Promise<unknown>;
  const assets = {
    submitOnAsset: (client: AuthenticatedClient, tx: string, assetId: string, args: readonly string[]) => {
      expect(tx).toBe('purgeTerms');
      calls.push({ assetId, args, identity: client.identityId });
      return answer(assetId);
    },
  } as unknown as AssetsService;
  const purger = () => new TermsPurger(events.store(), assets, new EventBus(), CLIENT, new JsonLogger('error', () => undefined));

  beforeEach(() => {
    events = new MemoryEvents();
    calls = [];
    answer = () => Promise.resolve({ txId: 'purge-tx', result: {} });
  });

  it('purges only sales cancelled with this organisation as buyer whose buyer terms are still there', async () => {
    events.stored.push(
      cancelled('LOT-1', 'RetailerMSP'),
      event(EVENTS.SALE_PROPOSED, 'LOT-2', { saleId: 'sale-LOT-2', buyer: 'RetailerMSP' }),
      cancelled('LOT-3', 'CarrierMSP'),
      cancelled('LOT-4', 'RetailerMSP', true),
      cancelled('LOT-5', 'RetailerMSP'),
    );
    expect(await purger().step()).toBe(false);
    expect(calls).toEqual([
      { assetId: 'LOT-1', args: ['sale-LOT-1'], identity: 'retailer-user1' },
      { assetId: 'LOT-5', args: ['sale-LOT-5'], identity: 'retailer-user1' },
    ]);
    expect(events.checkpoints.get(TERMS_PURGE_CHECKPOINT)).toBe(seq);
    // Its position is durable: a second run (a restart) purges nothing again.
    expect(await purger().step()).toBe(false);
    expect(calls).toHaveLength(2);
  });

  it('takes TERMS_MISSING (never agreed, already purged) and FORBIDDEN as done', async () => {
    events.stored.push(cancelled('LOT-A', 'RetailerMSP'), cancelled('LOT-B', 'RetailerMSP'));
    answer = (id) => Promise.reject(chaincodeError(id === 'LOT-A' ? ERROR_CODES.TERMS_MISSING : ERROR_CODES.FORBIDDEN));
    await purger().step();
    expect(calls.map((c) => c.assetId)).toEqual(['LOT-A', 'LOT-B']);
    expect(events.checkpoints.get(TERMS_PURGE_CHECKPOINT)).toBe(seq);
  });

  it('stops at a ledger failure without moving past it, and purges it on the next run', async () => {
    events.stored.push(cancelled('LOT-X', 'RetailerMSP'), cancelled('LOT-Y', 'RetailerMSP'));
    const first = events.stored[0]?.seq ?? 0;
    answer = (id) =>
      id === 'LOT-Y' ? Promise.reject(new LedgerUnavailableError({ stage: 'submit', message: 'peer down' })) : Promise.resolve({ txId: 't' });
    await expect(purger().step()).rejects.toThrow('peer down');
    expect(events.checkpoints.get(TERMS_PURGE_CHECKPOINT)).toBe(first);
    answer = () => Promise.resolve({ txId: 't' });
    await purger().step();
    expect(calls.map((c) => c.assetId)).toEqual(['LOT-X', 'LOT-Y', 'LOT-Y']);
    expect(events.checkpoints.get(TERMS_PURGE_CHECKPOINT)).toBe(seq);
  });
});
