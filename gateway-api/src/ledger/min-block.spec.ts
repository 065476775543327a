import { ProblemException } from '../common/problems';
import { anAsset, withAssets } from '../testing/fake-assets';
import { request, startTestApp, type TestApp, testConfig } from '../testing/test-app';
import { BlockWaiter, parseMinBlock } from './min-block';

describe('X-Min-Block parsing', () => {
  it.each([
    ['0', 0],
    ['17', 17],
    [' 42 ', 42],
    ['9007199254740991', 9007199254740991],
  ])('accepts %j', (raw, block) => {
    expect(parseMinBlock(raw)).toBe(block);
  });

  it('is absent without the header', () => {
    expect(parseMinBlock(undefined)).toBeUndefined();
  });

  it.each(['', '-1', '01', '1.5', '1e3', 'abc', '0x10', '9007199254740992', '12345678901234567'])(
    'refuses %j with a field error',
    (raw) => {
      let thrown: unknown;
      try {
        parseMinBlock(raw);
      } catch (err) {
        thrown = err;
      }
      expect(thrown).toBeInstanceOf(ProblemException);
      expect(thrown).toMatchObject({ code: 'VALIDATION_FAILED', status: 400 });
    },
  );

  it('refuses the header given twice', () => {
    expect(() => parseMinBlock(['3', '4'])).toThrow(ProblemException);
  });
});

describe('BlockWaiter', () => {
  /** A clock whose sleep advances time at once. */
  const fakeClock = () => {
    let now = 1_000;
    return { now: () => now, sleep: (ms: number) => ((now += ms), Promise.resolve()) };
  };

  it('answers from the highest height seen without asking again', async () => {
    const height = jest.fn((_identity: string) => Promise.resolve(10));
    const w = new BlockWaiter(height, fakeClock());
    await expect(w.waitFor('a', 9, 2_000)).resolves.toBe(true);
    await expect(w.waitFor('b', 3, 2_000)).resolves.toBe(true);
    await expect(w.waitFor('a', 0, 0)).resolves.toBe(true);
    expect(height).toHaveBeenCalledTimes(1);
    expect(w.known).toBe(10);
  });

  it('polls until the height passes the block', async () => {
    const heights = [4, 5, 5, 6, 8];
    const height = jest.fn(() => Promise.resolve(heights.shift() ?? 8));
    const clock = fakeClock();
    const w = new BlockWaiter(height, clock);
    await expect(w.waitFor('a', 6, clock.now() + 5_000)).resolves.toBe(true);
    expect(height).toHaveBeenCalledTimes(5);
  });

  it('gives up at the deadline', async () => {
    const clock = fakeClock();
    const w = new BlockWaiter(() => Promise.resolve(3), clock);
    const deadline = clock.now() + 700;
    await expect(w.waitFor('a', 3, deadline)).resolves.toBe(false);
    expect(clock.now()).toBe(deadline);
    expect(w.known).toBe(3);
  });

  it('shares one probe among concurrent waiters', async () => {
    let release: (h: number) => void = () => undefined;
    const height = jest.fn(() => new Promise<number>((resolve) => (release = resolve)));
    const w = new BlockWaiter(height, fakeClock());
    const waits = [1, 2, 3, 4].map((b) => w.waitFor(`id${b}`, b, 5_000));
    release(9);
    await expect(Promise.all(waits)).resolves.toEqual([true, true, true, true]);
    expect(height).toHaveBeenCalledTimes(1);
  });

  it('rejects when the height cannot be read, and asks again next time', async () => {
    const height = jest.fn().mockRejectedValueOnce(new Error('peer down')).mockResolvedValueOnce(2);
    const w = new BlockWaiter(height, fakeClock());
    await expect(w.waitFor('a', 1, 5_000)).rejects.toThrow('peer down');
    await expect(w.waitFor('a', 1, 5_000)).resolves.toBe(true);
  });
});

describe('X-Min-Block over HTTP (fake ledger)', () => {
  const WAIT_MS = 1_000;
  let t: TestApp;
  let key: string;
  const commitBlock = () =>
    t.ledger
      .submit({ identity: 'manufacturer-user1', transaction: 'noop', args: [] })
      .then((r) => Number(r.blockNumber));

  beforeAll(async () => {
    // Long enough that a loaded machine does not miss a block committed during the wait.
    t = await startTestApp({ config: testConfig({ ledger: { minBlockWaitMs: WAIT_MS } }) });
    key = t.keys['manufacturer-user1'] ?? '';
    withAssets(t.ledger, new Map([['LOT-1', anAsset({ id: 'LOT-1' })]]));
    t.ledger.handle('noop', () => ({}));
  });
  afterAll(() => t.close());

  it('answers at once for a block this organisation holds', async () => {
    const block = await commitBlock();
    const r = await request(t, 'GET', '/v1/assets/LOT-1', { key, headers: { 'x-min-block': String(block) } });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ id: 'LOT-1' });
  });

  it('waits for a block that commits meanwhile', async () => {
    const next = t.ledger.height;
    // The block commits right after the gateway first found it missing.
    const real = t.ledger.chainHeight.bind(t.ledger);
    let committing: Promise<number> | undefined;
    const probe = jest.spyOn(t.ledger, 'chainHeight').mockImplementationOnce(async (identity) => {
      const height = await real(identity);
      committing = commitBlock();
      return height;
    });
    const r = await request(t, 'GET', '/v1/assets/LOT-1', { key, headers: { 'x-min-block': String(next) } });
    const probes = probe.mock.calls.length;
    probe.mockRestore();
    // The answer came after the block: without the wait it would come before the commit.
    expect(committing).toBeDefined();
    expect(await committing).toBe(next);
    expect(probes).toBeGreaterThanOrEqual(2);
    expect(r.status).toBe(200);
  });

  it('answers 503 MIN_BLOCK_NOT_REACHED, retryable, for a block that does not come in time', async () => {
    const ahead = t.ledger.height + 5;
    const started = Date.now();
    const r = await request(t, 'GET', '/v1/assets/LOT-1', { key, headers: { 'x-min-block': String(ahead) } });
    expect(r.status).toBe(503);
    expect(r.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(r.headers['retry-after']).toBe('1');
    expect(r.body).toMatchObject({ code: 'MIN_BLOCK_NOT_REACHED', retryable: true });
    expect(String(r.body.detail)).toContain(`block ${ahead}`);
    expect(Date.now() - started).toBeGreaterThanOrEqual(WAIT_MS - 10);
  });

  it('refuses a malformed block number with 400 and never reads the ledger', async () => {
    const before = t.ledger.callsOf('getAsset').length;
    const r = await request(t, 'GET', '/v1/assets/LOT-1', { key, headers: { 'x-min-block': 'latest' } });
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ field: 'X-Min-Block' }] });
    expect(t.ledger.callsOf('getAsset').length).toBe(before);
  });

  it('leaves public routes alone', async () => {
    const live = await request(t, 'GET', '/health/live', { headers: { 'x-min-block': 'latest' } });
    expect(live.status).toBe(200);
  });
});
