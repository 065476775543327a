import { ManagedBlockchainServiceException } from '@aws-sdk/client-managedblockchain';
import { CliError } from '../common/errors';
import { ambError, pollUntil, whenReady, type PollOptions } from './client';

const serviceError = (name: string, message: string): ManagedBlockchainServiceException =>
  new ManagedBlockchainServiceException({ name, message, $fault: 'client', $metadata: {} });

describe('ambError', () => {
  it('is one line with the operation, the error name and message', () => {
    const e = ambError(
      'GetNetwork',
      serviceError('ResourceNotFoundException', 'Network n-1 not found.\nmore'),
    );
    expect(e).toEqual(
      new CliError('AWS refused GetNetwork: ResourceNotFoundException: Network n-1 not found.'),
    );
  });

  it('adds the closing of the service to an access refusal of a create', () => {
    expect(ambError('CreateNetwork', serviceError('AccessDeniedException', 'not allowed')).message).toMatch(
      /^AWS refused CreateNetwork: AccessDeniedException: not allowed\. AWS Managed Blockchain accepts no new customers since 2026-10-29 and ends on 2027-09-29/,
    );
    expect(ambError('GetNetwork', serviceError('AccessDeniedException', 'not allowed')).message).toBe(
      'AWS refused GetNetwork: AccessDeniedException: not allowed',
    );
  });

  it('says what is missing for credentials and region', () => {
    expect(
      ambError(
        'ListNetworks',
        Object.assign(new Error('Could not load credentials from any providers'), {
          name: 'CredentialsProviderError',
        }),
      ).message,
    ).toMatch(/^no AWS credentials for ListNetworks: set AWS_PROFILE or AWS_ACCESS_KEY_ID/);
    expect(ambError('ListNetworks', new Error('Region is missing')).message).toBe(
      'no AWS region for ListNetworks: set AWS_REGION or a region in your AWS profile',
    );
  });
});

describe('pollUntil', () => {
  const clock = (): PollOptions & { waits: number[] } => {
    let t = 0;
    const waits: number[] = [];
    return {
      initialDelayMs: 1000,
      maxDelayMs: 4000,
      timeoutMs: 20_000,
      now: () => t,
      sleep: (ms) => {
        waits.push(ms);
        t += ms;
        return Promise.resolve();
      },
      waits,
    };
  };

  it('backs off exponentially (with jitter, capped), treats ResourceNotReady as not yet, reports each new state once', async () => {
    const opts = clock();
    const answers: (string | Error)[] = [
      serviceError('ResourceNotReadyException', 'wait'),
      'CREATING',
      'CREATING',
      'CREATING',
      'CREATING',
      'AVAILABLE',
    ];
    const lines: string[] = [];
    const value = await pollUntil(
      'network n-1',
      () => {
        const a = answers.shift();
        return a instanceof Error ? Promise.reject(a) : Promise.resolve(a ?? '');
      },
      (s) => s,
      (s) => s === 'AVAILABLE',
      (s) => s === 'FAILED',
      opts,
      (l) => lines.push(l),
    );
    expect(value).toBe('AVAILABLE');
    expect(lines.map((l) => l.replace(/ \(\d+s\)$/, ''))).toEqual([
      'network n-1: NOT_READY',
      'network n-1: CREATING',
      'network n-1: AVAILABLE',
    ]);
    const nominal = [1000, 2000, 4000, 4000, 4000];
    opts.waits.forEach((w, i) => {
      expect(w).toBeGreaterThanOrEqual((nominal[i] ?? 0) * 0.8);
      expect(w).toBeLessThanOrEqual((nominal[i] ?? 0) * 1.2);
    });
  });

  it('stops on a failed state and on the timeout, saying how to go on', async () => {
    await expect(
      pollUntil(
        'node nd-1',
        () => Promise.resolve('FAILED'),
        (s) => s,
        () => false,
        (s) => s === 'FAILED',
        clock(),
        () => undefined,
      ),
    ).rejects.toThrow(new CliError('node nd-1 ended FAILED'));
    await expect(
      pollUntil(
        'node nd-1',
        () => Promise.resolve('CREATING'),
        (s) => s,
        () => false,
        () => false,
        clock(),
        () => undefined,
      ),
    ).rejects.toThrow(/node nd-1 still CREATING after 20s; run the command again to keep waiting/);
  });

  it('passes other errors through at once', async () => {
    const opts = clock();
    await expect(
      pollUntil(
        'x',
        () => Promise.reject(serviceError('ThrottlingException', 'slow')),
        String,
        () => true,
        () => false,
        opts,
        () => undefined,
      ),
    ).rejects.toMatchObject({
      name: 'ThrottlingException',
    });
    expect(opts.waits).toEqual([]);
  });
});

describe('whenReady', () => {
  it('retries ResourceNotReadyException only', async () => {
    const opts: PollOptions = {
      initialDelayMs: 1,
      maxDelayMs: 1,
      timeoutMs: 1,
      sleep: () => Promise.resolve(),
    };
    let calls = 0;
    await expect(
      whenReady(
        () =>
          ++calls < 3
            ? Promise.reject(serviceError('ResourceNotReadyException', 'later'))
            : Promise.resolve('done'),
        opts,
      ),
    ).resolves.toBe('done');
    expect(calls).toBe(3);
    await expect(
      whenReady(() => Promise.reject(serviceError('InvalidRequestException', 'no')), opts),
    ).rejects.toMatchObject({ name: 'InvalidRequestException' });
  });
});
