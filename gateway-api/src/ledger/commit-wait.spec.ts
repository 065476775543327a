import { awaitCommit } from './commit-wait';
import { LedgerTimeoutError, LedgerUnavailableError } from './ledger.errors';

/** A clock that each wait moves forward by the time waited. */
function fakeClock(): { now: () => number; advance: (ms: number) => void } {
  let t = 1_000_000;
  return { now: () => t, advance: (ms) => (t += ms) };
}

const timeout = (): LedgerTimeoutError => new LedgerTimeoutError({ stage: 'commitStatus', message: 'deadline exceeded' });

describe('awaitCommit', () => {
  it('answers at once when the transaction commits within the first interval, without re-sending', async () => {
    const resend = jest.fn(() => Promise.resolve());
    const waits: number[] = [];
    const r = await awaitCommit((ms) => (waits.push(ms), Promise.resolve('VALID')), resend, { deadlineMs: 60_000, resendAfterMs: 10_000 });
    expect(r).toEqual({ status: 'VALID', resends: 0 });
    expect(waits).toEqual([10_000]);
    expect(resend).not.toHaveBeenCalled();
  });

  it('re-sends the transaction each interval without a commit, then answers with its status', async () => {
    const clock = fakeClock();
    const resend = jest.fn(() => Promise.resolve());
    const waits: number[] = [];
    let calls = 0;
    const getStatus = (ms: number): Promise<string> => {
      waits.push(ms);
      if (++calls < 3) {
        clock.advance(ms);
        return Promise.reject(timeout());
      }
      return Promise.resolve('VALID');
    };
    const r = await awaitCommit(getStatus, resend, { deadlineMs: 60_000, resendAfterMs: 10_000, now: clock.now });
    expect(r).toEqual({ status: 'VALID', resends: 2 });
    expect(resend).toHaveBeenCalledTimes(2);
    expect(waits).toEqual([10_000, 10_000, 10_000]);
  });

  it('throws the timeout at the whole deadline, the last wait cut to what is left', async () => {
    const clock = fakeClock();
    const resend = jest.fn(() => Promise.resolve());
    const waits: number[] = [];
    const getStatus = (ms: number): Promise<string> => {
      waits.push(ms);
      clock.advance(ms);
      return Promise.reject(timeout());
    };
    await expect(awaitCommit(getStatus, resend, { deadlineMs: 25_000, resendAfterMs: 10_000, now: clock.now })).rejects.toBeInstanceOf(LedgerTimeoutError);
    expect(waits).toEqual([10_000, 10_000, 5_000]);
    expect(resend).toHaveBeenCalledTimes(2);
  });

  it('never re-sends when resendAfterMs is 0: one wait for the whole deadline', async () => {
    const clock = fakeClock();
    const resend = jest.fn(() => Promise.resolve());
    const waits: number[] = [];
    const getStatus = (ms: number): Promise<string> => {
      waits.push(ms);
      clock.advance(ms);
      return Promise.reject(timeout());
    };
    await expect(awaitCommit(getStatus, resend, { deadlineMs: 60_000, resendAfterMs: 0, now: clock.now })).rejects.toBeInstanceOf(LedgerTimeoutError);
    expect(waits).toEqual([60_000]);
    expect(resend).not.toHaveBeenCalled();
  });

  it('keeps waiting when a re-send fails (the first copy may still commit)', async () => {
    const clock = fakeClock();
    const resend = jest.fn(() => Promise.reject(new LedgerUnavailableError({ stage: 'submit', message: 'no orderer' })));
    let calls = 0;
    const getStatus = (ms: number): Promise<string> => {
      if (++calls === 1) {
        clock.advance(ms);
        return Promise.reject(timeout());
      }
      return Promise.resolve('VALID');
    };
    await expect(awaitCommit(getStatus, resend, { deadlineMs: 60_000, resendAfterMs: 10_000, now: clock.now })).resolves.toEqual({ status: 'VALID', resends: 1 });
  });

  it('ends the wait on any answer other than a timeout, without re-sending', async () => {
    const resend = jest.fn(() => Promise.resolve());
    const failure = new LedgerUnavailableError({ stage: 'commitStatus', message: 'peer gone' });
    await expect(awaitCommit(() => Promise.reject(failure), resend, { deadlineMs: 60_000, resendAfterMs: 10_000 })).rejects.toBe(failure);
    expect(resend).not.toHaveBeenCalled();
  });
});
