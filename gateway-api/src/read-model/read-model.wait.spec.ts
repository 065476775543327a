import { ProblemException } from '../common/problems';
import type { EventStoreRepository } from '../events/event-store.repository';
import type { LedgerPort } from '../ledger/ledger.port';
import type { ProjectionRepository } from './projection.repository';
import { ReadModelService, type ReadModelStatus } from './read-model.service';

describe('ReadModelService.waitForBlock (X-Min-Block on read-model answers)', () => {
  const service = (projected: (number | null)[]) => {
    const s = new ReadModelService(
      {} as LedgerPort,
      {} as EventStoreRepository,
      {} as ProjectionRepository,
      'id',
    );
    const status = jest.spyOn(s, 'status').mockImplementation(() => {
      const projectedBlock = projected.length > 1 ? (projected.shift() ?? null) : (projected[0] ?? null);
      return Promise.resolve<ReadModelStatus>({
        ledgerHeight: 20,
        eventsBlock: projectedBlock,
        projectedBlock,
        lagBlocks: null,
      });
    });
    return { s, status };
  };
  const noSleep = { now: Date.now, sleep: () => Promise.resolve() };

  it('resolves once the projection passed the block', async () => {
    const { s, status } = service([null, 3, 5, 7]);
    await expect(s.waitForBlock(7, Date.now() + 10_000, noSleep)).resolves.toBeUndefined();
    expect(status).toHaveBeenCalledTimes(4);
  });

  it('resolves at once when it holds the block already', async () => {
    const { s, status } = service([9]);
    await expect(s.waitForBlock(4, 0, noSleep)).resolves.toBeUndefined();
    expect(status).toHaveBeenCalledTimes(1);
  });

  it('answers 503 MIN_BLOCK_NOT_REACHED naming the read model at the deadline', async () => {
    const { s } = service([5]);
    const err = (await s.waitForBlock(6, Date.now() + 60).catch((e: unknown) => e)) as ProblemException;
    expect(err).toBeInstanceOf(ProblemException);
    expect(err.code).toBe('MIN_BLOCK_NOT_REACHED');
    expect(err.status).toBe(503);
    expect(err.headers).toEqual({ 'Retry-After': '1' });
    expect(err.message).toBe('block 6 is not yet in this organisation’s read model (blocks up to 5); retry');
  });
});
