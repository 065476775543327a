/**
 * Deterministic JSON: object keys sorted (by UTF-16 code units, recursively), no whitespace.
 * Every ledger write, event payload and answer goes through it, so that all endorsing peers
 * produce byte-identical read-write sets whatever the insertion order of keys.
 */

/** A JSON value as the chaincode writes it. */
export type Json = null | boolean | number | string | readonly Json[] | { readonly [key: string]: Json };

/**
 * Returns a deep copy of `value` whose object keys are inserted in sorted order. `undefined`
 * properties are dropped (as `JSON.stringify` would); non-finite numbers and other non-JSON values
 * are rejected because they would not round-trip.
 *
 * @throws TypeError when the value is not representable as JSON.
 */
export function sortKeysDeep<T>(value: T): T {
  return sortValue(value, '$') as T;
}

/** Serialises `value` as canonical (sorted-key) JSON. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortValue(value, '$'));
}

/** Canonical JSON as UTF-8 bytes, ready for `putState`, `setEvent` or `putPrivateData`. */
export function canonicalBytes(value: unknown): Buffer {
  return Buffer.from(canonicalJson(value), 'utf8');
}

function sortValue(value: unknown, path: string): unknown {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') {
    return value;
  }
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) {
      throw new TypeError(`non-finite number at ${path}`);
    }
    return value;
  }
  if (Array.isArray(value)) {
    return value.map((item: unknown, i) => sortValue(item === undefined ? null : item, `${path}[${i}]`));
  }
  if (typeof value === 'object' && (Object.getPrototypeOf(value) === Object.prototype || Object.getPrototypeOf(value) === null)) {
    const source = value as Record<string, unknown>;
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(source).sort()) {
      const item = source[key];
      if (item !== undefined) {
        sorted[key] = sortValue(item, `${path}.${key}`);
      }
    }
    return sorted;
  }
  throw new TypeError(`value at ${path} is not JSON (${typeof value})`);
}
