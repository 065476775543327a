import { LIMITS, PATTERNS } from '@waybill/chaincode/constants';
import { ValidateBy, type ValidationOptions } from 'class-validator';

/** The chaincode's input patterns, compiled once. */
export const RE = Object.fromEntries(Object.entries(PATTERNS).map(([k, v]) => [k, new RegExp(v)])) as Record<
  keyof typeof PATTERNS,
  RegExp
>;

const ATTRIBUTE_KEY = RE.ATTRIBUTE_KEY;

/**
 * An attributes map: at most `LIMITS.MAX_ATTRIBUTES` entries, keys matching `PATTERNS.ATTRIBUTE_KEY`,
 * non-blank string values of at most 256 characters. (The chaincode checks again, and also refuses
 * keys and values that look like personal data.)
 */
export function IsAttributeMap(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isAttributeMap',
      validator: {
        validate: (value: unknown) => {
          if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
          const entries = Object.entries(value as Record<string, unknown>);
          return (
            entries.length <= LIMITS.MAX_ATTRIBUTES &&
            entries.every(
              ([k, v]) =>
                ATTRIBUTE_KEY.test(k) && typeof v === 'string' && v.trim() !== '' && v.length <= 256,
            )
          );
        },
        defaultMessage: () =>
          `$property must be an object of at most ${LIMITS.MAX_ATTRIBUTES} entries, keys matching ${PATTERNS.ATTRIBUTE_KEY}, values non-blank strings of at most 256 characters`,
      },
    },
    options,
  );
}

/** A quantity amount: positive, at most `LIMITS.MAX_QUANTITY`, at most `LIMITS.QUANTITY_DECIMALS` decimals. */
export function IsAmount(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isAmount',
      validator: {
        validate: (value: unknown) =>
          typeof value === 'number' &&
          Number.isFinite(value) &&
          value > 0 &&
          value <= LIMITS.MAX_QUANTITY &&
          Number(value.toFixed(LIMITS.QUANTITY_DECIMALS)) === value,
        defaultMessage: () =>
          `$property must be a number > 0 and <= ${LIMITS.MAX_QUANTITY} with at most ${LIMITS.QUANTITY_DECIMALS} decimals`,
      },
    },
    options,
  );
}

/** Text without control characters. */
export const NO_CONTROL_CHARACTERS = /^[^\p{Cc}]*$/u;
