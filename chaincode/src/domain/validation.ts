import { LIMITS, PATTERNS } from '../constants';
import { ISO_3166_ALPHA2 } from './country-codes';
import { WaybillError } from './errors';

/**
 * Input validation primitives. Every failure is an `INVALID_ARGUMENT` naming the offending path
 * (`product.sku`, `parts[2].amount`...) and the rule, never echoing long or arbitrary input.
 */

/** Largest JSON argument accepted (bytes of UTF-16 code units; inputs are small records). */
export const MAX_JSON_INPUT_LENGTH = 64 * 1024;

/** True when the text holds C0/C1 control characters or Unicode line/paragraph separators. */
function hasControlCharacters(text: string): boolean {
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || c === 0x2028 || c === 0x2029) {
      return true;
    }
  }
  return false;
}

const compiled = (source: string): RegExp => new RegExp(source);

/** Compiled {@link PATTERNS}. */
export const RE = {
  ID: compiled(PATTERNS.ID),
  MSP_ID: compiled(PATTERNS.MSP_ID),
  SKU: compiled(PATTERNS.SKU),
  UNIT: compiled(PATTERNS.UNIT),
  COUNTRY: compiled(PATTERNS.COUNTRY),
  ATTRIBUTE_KEY: compiled(PATTERNS.ATTRIBUTE_KEY),
  SHA256_HEX: compiled(PATTERNS.SHA256_HEX),
  PERSONAL_DATA_REF: compiled(PATTERNS.PERSONAL_DATA_REF),
  CURRENCY: compiled(PATTERNS.CURRENCY),
  PRICE: compiled(PATTERNS.PRICE),
  TERMS_NONCE: compiled(PATTERNS.TERMS_NONCE),
} as const;

/** A plain JSON object read from input. */
export type InputObject = Readonly<Record<string, unknown>>;

/** Parses a JSON string argument that must hold an object. */
export function parseJsonObject(raw: unknown, path: string): InputObject {
  if (typeof raw !== 'string') {
    throw WaybillError.invalidArgument(`${path} must be a JSON string`);
  }
  if (raw.length > MAX_JSON_INPUT_LENGTH) {
    throw WaybillError.invalidArgument(`${path} exceeds ${MAX_JSON_INPUT_LENGTH} characters`);
  }
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw WaybillError.invalidArgument(`${path} is not valid JSON`);
  }
  return expectObject(value, path);
}

/** Checks `value` is a plain object (not null, not an array). */
export function expectObject(value: unknown, path: string): InputObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw WaybillError.invalidArgument(`${path} must be an object`);
  }
  return value as InputObject;
}

/** Rejects fields not in `allowed` (mass-assignment and typo protection). */
export function expectOnlyFields(obj: InputObject, allowed: readonly string[], path: string): void {
  const unknown = Object.keys(obj).filter((key) => !allowed.includes(key));
  if (unknown.length > 0) {
    throw WaybillError.invalidArgument(
      `${path} has unknown field(s) ${unknown.map((k) => `'${truncate(k)}'`).join(', ')}; allowed: ${allowed.join(', ')}`,
    );
  }
}

/** Checks a required string against a pattern. */
export function expectPattern(value: unknown, path: string, pattern: RegExp): string {
  if (typeof value !== 'string') {
    throw WaybillError.invalidArgument(`${path} must be a string`);
  }
  if (!pattern.test(value)) {
    throw WaybillError.invalidArgument(`${path} must match ${pattern.source}`);
  }
  return value;
}

/** Checks an identifier (asset id, recall id). */
export function expectId(value: unknown, path: string): string {
  return expectPattern(value, path, RE.ID);
}

/** Checks an MSP id. */
export function expectMspId(value: unknown, path: string): string {
  return expectPattern(value, path, RE.MSP_ID);
}

/** Checks a lowercase-or-uppercase 64-hex SHA-256 and returns it lowercased. */
export function expectSha256(value: unknown, path: string): string {
  if (typeof value !== 'string') {
    throw WaybillError.invalidArgument(`${path} must be a string`);
  }
  return expectPattern(value.toLowerCase(), path, RE.SHA256_HEX);
}

/** Checks free text: 1..max characters, not blank, no control characters. */
export function expectText(value: unknown, path: string, max: number): string {
  if (typeof value !== 'string') {
    throw WaybillError.invalidArgument(`${path} must be a string`);
  }
  if (value.trim().length === 0) {
    throw WaybillError.invalidArgument(`${path} must not be blank`);
  }
  // Characters are code points, as JSON Schema's maxLength counts them (the gateway's document).
  if (value.length > max && [...value].length > max) {
    throw WaybillError.invalidArgument(`${path} must be at most ${max} characters`);
  }
  if (hasControlCharacters(value)) {
    throw WaybillError.invalidArgument(`${path} must not contain control characters`);
  }
  return value;
}

/** Checks an ISO 3166-1 alpha-2 code that is officially assigned. */
export function expectCountry(value: unknown, path: string): string {
  const code = expectPattern(value, path, RE.COUNTRY);
  if (!ISO_3166_ALPHA2.has(code)) {
    throw WaybillError.invalidArgument(`${path} '${code}' is not an assigned ISO 3166-1 alpha-2 code`);
  }
  return code;
}

/** Checks an array of at most `max` items. */
export function expectArray(value: unknown, path: string, min: number, max: number): readonly unknown[] {
  if (!Array.isArray(value)) {
    throw WaybillError.invalidArgument(`${path} must be an array`);
  }
  if (value.length < min || value.length > max) {
    throw WaybillError.invalidArgument(`${path} must have ${min}..${max} items`);
  }
  return value as readonly unknown[];
}

/** Checks an integer within [min, max] (numeric transaction parameters). */
export function expectInteger(value: unknown, path: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw WaybillError.invalidArgument(`${path} must be an integer in ${min}..${max}`);
  }
  return value;
}

/** One of a fixed set of strings. */
export function expectOneOf<T extends string>(value: unknown, path: string, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw WaybillError.invalidArgument(`${path} must be one of ${allowed.join(', ')}`);
  }
  return value as T;
}

// Guard rails against personal data in free-form attributes: not a guarantee, a tripwire for the
// obvious mistakes (the gateway is the place that knows what personal data is).
const PERSONAL_KEY_TOKENS = new Set([
  'email', 'mail', 'phone', 'mobile', 'telephone', 'address', 'street', 'postcode', 'zipcode',
  'birthdate', 'dob', 'ssn', 'passport', 'iban', 'surname', 'firstname', 'lastname', 'fullname',
]);
const EMAIL_LIKE = /[^\s@]+@[^\s@]+\.[^\s@]{2,}/;
const PHONE_LIKE = /\+\d[\d ().-]{6,}\d/;

function keyTokens(key: string): string[] {
  return key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[\s._-]+/)
    .filter((t) => t.length > 0);
}

/** Checks one attribute key/value pair. */
export function expectAttribute(key: string, value: unknown, path: string): string {
  expectPattern(key, `${path} key`, RE.ATTRIBUTE_KEY);
  if (keyTokens(key).some((token) => PERSONAL_KEY_TOKENS.has(token)) || PERSONAL_KEY_TOKENS.has(key.toLowerCase())) {
    throw WaybillError.invalidArgument(
      `${path}.${key} looks like personal data; keep it off-chain and record a personalDataRef instead`,
    );
  }
  return expectFreeText(value, `${path}.${key}`, 256);
}

/**
 * Checks free text that reaches the ledger or an event (attribute values, reasons, sites,
 * descriptions, document names): {@link expectText} plus the personal-data tripwire — text that
 * looks like an e-mail address or a phone number is refused.
 */
export function expectFreeText(value: unknown, path: string, max: number): string {
  const text = expectText(value, path, max);
  if (EMAIL_LIKE.test(text) || PHONE_LIKE.test(text)) {
    throw WaybillError.invalidArgument(`${path} looks like an e-mail address or phone number; personal data must stay off-chain`);
  }
  return text;
}

/** Checks an attributes map (string values only, bounded). */
export function expectAttributes(value: unknown, path: string): Record<string, string> {
  const obj = expectObject(value, path);
  const keys = Object.keys(obj);
  if (keys.length > LIMITS.MAX_ATTRIBUTES) {
    throw WaybillError.invalidArgument(`${path} must have at most ${LIMITS.MAX_ATTRIBUTES} entries`);
  }
  const result: Record<string, string> = {};
  for (const key of keys.sort()) {
    result[key] = expectAttribute(key, obj[key], path);
  }
  return result;
}

function truncate(text: string): string {
  return text.length > 32 ? `${text.slice(0, 32)}…` : text;
}
