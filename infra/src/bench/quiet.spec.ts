import { idleThreshold, isQuiet, lastWindow, type QuietSample } from './quiet';

/** Samples every `stepMs` with the given CPU ms spent in each step and the given heights. */
function samples(stepMs: number, cpuPerStep: readonly number[], heights: readonly (number | undefined)[]): QuietSample[] {
  let cpu = 1000;
  const out: QuietSample[] = [{ atMs: 0, cpuMs: cpu, height: heights[0] }];
  cpuPerStep.forEach((c, i) => {
    cpu += c;
    out.push({ atMs: (i + 1) * stepMs, cpuMs: cpu, height: heights[i + 1] });
  });
  return out;
}

const rule = { windowMs: 2000, maxRateMsPerS: 100 };

describe('lastWindow', () => {
  it('is undefined until the samples span the window', () => {
    expect(lastWindow(samples(500, [10, 10, 10], [5, 5, 5, 5]), 2000)).toBeUndefined();
    expect(lastWindow([], 2000)).toBeUndefined();
  });

  it('reads the rate over the last window only', () => {
    // 400 ms of CPU in each of the first four steps, then 20 in each of the next four.
    const w = lastWindow(samples(500, [400, 400, 400, 400, 20, 20, 20, 20], Array(9).fill(7)), 2000);
    expect(w).toEqual({ rateMsPerS: 40, heightStill: true, spanMs: 2000 });
  });
});

describe('isQuiet', () => {
  it('is quiet when the rate is low and the height still over the window', () => {
    expect(isQuiet(samples(500, [20, 20, 20, 20], [9, 9, 9, 9, 9]), rule)).toBe(true);
  });

  it('is not quiet while the CPU rate is above the rule', () => {
    expect(isQuiet(samples(500, [20, 20, 20, 250], [9, 9, 9, 9, 9]), rule)).toBe(false);
  });

  it('is not quiet while blocks still arrive, however low the CPU', () => {
    expect(isQuiet(samples(500, [5, 5, 5, 5], [9, 9, 10, 10, 10]), rule)).toBe(false);
  });

  it('is not quiet when a height could not be read', () => {
    expect(isQuiet(samples(500, [5, 5, 5, 5], [9, 9, undefined, 9, 9]), rule)).toBe(false);
  });

  it('forgets a busy past once the last window is quiet', () => {
    const s = samples(500, [900, 900, 900, 5, 5, 5, 5], [1, 2, 3, 4, 4, 4, 4, 4]);
    expect(isQuiet(s.slice(0, 6), rule)).toBe(false);
    expect(isQuiet(s, rule)).toBe(true);
  });
});

describe('idleThreshold', () => {
  it('allows a quarter above the idle rate, at least 30 ms/s', () => {
    expect(idleThreshold(80)).toBe(110);
    expect(idleThreshold(200)).toBe(250);
    expect(idleThreshold(0)).toBe(30);
  });
});
