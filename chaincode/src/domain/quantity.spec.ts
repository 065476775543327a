import { amountsAddUpTo, fromMicroUnits, sumAmounts, toMicroUnits } from './quantity';

describe('exact quantities', () => {
  it('adds decimals without floating-point drift', () => {
    expect(0.1 + 0.2).not.toBe(0.3);
    expect(sumAmounts([0.1, 0.2])).toBe(0.3);
    expect(amountsAddUpTo([0.1, 0.2], 0.3)).toBe(true);
    expect(amountsAddUpTo([333.333333, 333.333333, 333.333334], 1000)).toBe(true);
    expect(sumAmounts([999_999_999.999999, 0.000001])).toBe(1_000_000_000);
  });

  it('converts to and from micro-units', () => {
    expect(toMicroUnits(12.5)).toBe(BigInt(12_500_000));
    expect(toMicroUnits(0.000001)).toBe(BigInt(1));
    expect(fromMicroUnits(BigInt('1000000000000000'))).toBe(1_000_000_000);
    expect(fromMicroUnits(BigInt(1))).toBe(0.000001);
  });
});
