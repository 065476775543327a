import { LIMITS, PATTERNS } from '@waybill/chaincode/constants';
import { ValidateBy, type ValidationOptions } from 'class-validator';

/** The chaincode's input patterns, compiled once. */
export const RE = Object.fromEntries(Object.entries(PATTERNS).map(([k, v]) => [k, new RegExp(v)])) as Record<
  keyof typeof PATTERNS,
  RegExp
>;

const ATTRIBUTE_KEY = RE.ATTRIBUTE_KEY;

/**
 * Free text that reaches the ledger, as a JSON Schema (ECMA-262) pattern: some character that is not
 * white space, and no control character (C0, DEL, C1, line and paragraph separators), as the
 * chaincode's `expectText` checks it. U+FEFF is named next to `\s`: ECMAScript counts it as white
 * space, other regular-expression engines (the document's readers) do not.
 */
export const TEXT_PATTERN = '^(?=[\\s\\S]*[^\\s\\ufeff])[^\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029]*$';
/** {@link TEXT_PATTERN}, compiled. */
export const TEXT = new RegExp(TEXT_PATTERN, 'u');

/** The longest attribute value, in characters (the chaincode's limit). */
export const MAX_ATTRIBUTE_VALUE = 256;

/** What {@link IsAttributeMap} accepts, as the OpenAPI document states it. */
export const ATTRIBUTE_MAP_SCHEMA = {
  type: 'object',
  propertyNames: { pattern: PATTERNS.ATTRIBUTE_KEY },
  additionalProperties: {
    type: 'string',
    minLength: 1,
    maxLength: MAX_ATTRIBUTE_VALUE,
    pattern: TEXT_PATTERN,
  },
  maxProperties: LIMITS.MAX_ATTRIBUTES,
} as const;

/**
 * An attributes map: at most `LIMITS.MAX_ATTRIBUTES` entries, keys matching `PATTERNS.ATTRIBUTE_KEY`,
 * values free text ({@link TEXT_PATTERN}) of at most 256 characters. (The chaincode checks again,
 * and also refuses keys and values that look like personal data.)
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
                ATTRIBUTE_KEY.test(k) &&
                typeof v === 'string' &&
                v.length <= MAX_ATTRIBUTE_VALUE &&
                TEXT.test(v),
            )
          );
        },
        defaultMessage: () =>
          `$property must be an object of at most ${LIMITS.MAX_ATTRIBUTES} entries, keys matching ${PATTERNS.ATTRIBUTE_KEY}, values non-blank strings of at most ${MAX_ATTRIBUTE_VALUE} characters without control characters`,
      },
    },
    options,
  );
}

/**
 * What {@link IsAmount} accepts, as the OpenAPI document states it: `multipleOf` a millionth is
 * "at most 6 decimals" read on the decimal number as sent (as JSON Schema validators read it). The
 * decorators speak OpenAPI 3.0's boolean `exclusiveMinimum`; the 3.1 document gets the number.
 */
export const AMOUNT_SCHEMA = {
  type: 'number',
  minimum: 0,
  exclusiveMinimum: true,
  maximum: LIMITS.MAX_QUANTITY,
  multipleOf: 10 ** -LIMITS.QUANTITY_DECIMALS,
} as const;

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

/** Text without control characters (line and paragraph separators included, as the chaincode counts them). */
export const NO_CONTROL_CHARACTERS = /^[^\p{Cc}\u2028\u2029]*$/u;
