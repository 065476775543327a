import { abba, bestLevel, byPair, meanFigures, pairFigures, type RunFigures } from './pairs';

const run = (tps: number, gatewayMs: number, servingMs: number, loadgenMs: number): RunFigures => ({
  tps,
  gatewayMs,
  servingMs,
  loadgenMs,
});

describe('abba', () => {
  it('runs REST, raw, raw, REST: one pair in each order', () => {
    expect(abba('rest')).toEqual([
      { side: 'rest', pair: 0 },
      { side: 'raw', pair: 0 },
      { side: 'raw', pair: 1 },
      { side: 'rest', pair: 1 },
    ]);
    expect(abba('raw').map((r) => r.side)).toEqual(['raw', 'rest', 'rest', 'raw']);
  });
});

describe('byPair', () => {
  it('labels each pair by the side that ran first', () => {
    const plan = abba('rest');
    const pairs = byPair(plan, ['rest0', 'raw0', 'raw1', 'rest1']);
    expect(pairs).toEqual([
      { label: 'REST first', raw: 'raw0', rest: 'rest0' },
      { label: 'raw first', raw: 'raw1', rest: 'rest1' },
    ]);
  });

  it('refuses results that do not match the plan', () => {
    expect(() => byPair(abba('rest'), ['a', 'b', 'c'])).toThrow('3 results for 4 planned runs');
  });
});

describe('pairFigures and meanFigures', () => {
  it('subtracts the raw run and the raw client', () => {
    const p = pairFigures(run(40, 2, 1, 2.5), run(38, 5.5, 4, 0.2));
    expect(p.ratio).toBeCloseTo(0.95);
    expect(p.addedAllMs).toBeCloseTo(3.5);
    expect(p.beyondAllMs).toBeCloseTo(1);
    expect(p.addedServingMs).toBeCloseTo(3);
    expect(p.beyondServingMs).toBeCloseTo(0.5);
  });

  it('cancels a cost billed to whichever run comes first', () => {
    // The truth: the serving gateway spends 3 ms per REST call and 1 per raw call; the raw client 2.
    // Whichever run comes first is billed 0.8 ms more.
    const bias = 0.8;
    const [restFirst, rawFirst] = byPair(abba('rest'), [
      run(40, 5, 3 + bias, 0.2),
      run(40, 2, 1, 2),
      run(40, 2, 1 + bias, 2),
      run(40, 5, 3, 0.2),
    ]).map((p) => pairFigures(p.raw, p.rest));
    expect(restFirst?.beyondServingMs).toBeCloseTo(0 + bias);
    expect(rawFirst?.beyondServingMs).toBeCloseTo(0 - bias);
    expect(meanFigures([restFirst!, rawFirst!]).beyondServingMs).toBeCloseTo(0);
  });

  it('averages the ratios of the pairs', () => {
    const m = meanFigures([pairFigures(run(50, 0, 0, 0), run(45, 0, 0, 0)), pairFigures(run(50, 0, 0, 0), run(50, 0, 0, 0))]);
    expect(m.ratio).toBeCloseTo(0.95);
    expect(() => meanFigures([])).toThrow('no pair');
  });
});

describe('bestLevel', () => {
  it('picks the highest score, the first of equals', () => {
    const levels = [
      { c: 1, tps: 5 },
      { c: 64, tps: 50 },
      { c: 256, tps: 50 },
    ];
    expect(bestLevel(levels, (l) => l.tps)?.c).toBe(64);
    expect(bestLevel([], () => 0)).toBeUndefined();
  });
});
