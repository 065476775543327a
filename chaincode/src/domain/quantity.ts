import { LIMITS } from '../constants';
import type { Quantity } from './asset';
import { WaybillError } from './errors';
import { RE, expectObject, expectOnlyFields, expectPattern } from './validation';

/**
 * Exact quantity arithmetic. Amounts are JSON numbers with at most {@link LIMITS.QUANTITY_DECIMALS}
 * decimal places and at most {@link LIMITS.MAX_QUANTITY}; sums are computed on scaled integers
 * (bigint micro-units) so that a split's parts add up to the parent exactly.
 */

const SCALE = BigInt(10) ** BigInt(LIMITS.QUANTITY_DECIMALS);
const DECIMAL = new RegExp(`^(0|[1-9][0-9]*)(\\.[0-9]{1,${LIMITS.QUANTITY_DECIMALS}})?$`);

/** Checks a positive amount and returns it. */
export function expectAmount(value: unknown, path: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw WaybillError.invalidArgument(`${path} must be a number`);
  }
  if (value <= 0) {
    throw WaybillError.invalidArgument(`${path} must be positive`);
  }
  if (value > LIMITS.MAX_QUANTITY) {
    throw WaybillError.invalidArgument(`${path} must be at most ${LIMITS.MAX_QUANTITY}`);
  }
  if (!DECIMAL.test(String(value))) {
    throw WaybillError.invalidArgument(`${path} must have at most ${LIMITS.QUANTITY_DECIMALS} decimal places`);
  }
  return value;
}

/** Checks a `{amount, unit}` object. */
export function expectQuantity(value: unknown, path: string): Quantity {
  const obj = expectObject(value, path);
  expectOnlyFields(obj, ['amount', 'unit'], path); // INPUT_FIELDS.Quantity (inputs.ts imports this module)
  return {
    amount: expectAmount(obj['amount'], `${path}.amount`),
    unit: expectPattern(obj['unit'], `${path}.unit`, RE.UNIT),
  };
}

/** Converts a validated amount to micro-units. */
export function toMicroUnits(amount: number): bigint {
  const [whole = '0', fraction = ''] = String(amount).split('.');
  return BigInt(whole) * SCALE + BigInt(fraction.padEnd(LIMITS.QUANTITY_DECIMALS, '0'));
}

/** Converts micro-units back to a number (exact for the bounded range). */
export function fromMicroUnits(units: bigint): number {
  const whole = units / SCALE;
  const fraction = (units % SCALE).toString().padStart(LIMITS.QUANTITY_DECIMALS, '0');
  return Number(`${whole.toString()}.${fraction}`);
}

/** Sums validated amounts exactly. */
export function sumAmounts(amounts: readonly number[]): number {
  return fromMicroUnits(amounts.reduce((total, amount) => total + toMicroUnits(amount), BigInt(0)));
}

/** True when the amounts add up exactly to `total`. */
export function amountsAddUpTo(amounts: readonly number[], total: number): boolean {
  return amounts.reduce((sum, amount) => sum + toMicroUnits(amount), BigInt(0)) === toMicroUnits(total);
}
