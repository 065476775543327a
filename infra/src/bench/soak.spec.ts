import { soakOptions } from './soak';

describe('npm run soak settings', () => {
  it('defaults to 100 000 operations at 32 in flight, a fault a minute, no time budget', () => {
    expect(soakOptions({})).toMatchObject({ transactions: 100_000, concurrency: 32, faultEverySeconds: 60, sampleSeconds: 10, basePort: 24000, maxSeconds: 0 });
  });

  it('takes a time budget after which no new write starts', () => {
    expect(soakOptions({ WAYBILL_SOAK_MAX_S: '3600', WAYBILL_SOAK_TX: '500' })).toMatchObject({ maxSeconds: 3600, transactions: 500 });
  });

  it('refuses a bad value with one line naming the variable', () => {
    for (const [name, value] of [
      ['WAYBILL_SOAK_MAX_S', '-1'],
      ['WAYBILL_SOAK_MAX_S', '1h'],
      ['WAYBILL_SOAK_TX', '0'],
      ['WAYBILL_SOAK_CONCURRENCY', '2.5'],
    ] as const) {
      expect(() => soakOptions({ [name]: value })).toThrow(new RegExp(`^${name} must be an integer`));
    }
  });
});
