import { LIMITS, PERSONAL_DATA_CATEGORIES, type PersonalDataCategory } from '../constants';
import type { Origin, Product, Quantity } from './asset';
import { expectAmount, expectQuantity } from './quantity';
import {
  RE,
  expectArray,
  expectAttributes,
  expectCountry,
  expectId,
  expectObject,
  expectOneOf,
  expectOnlyFields,
  expectPattern,
  expectSha256,
  expectFreeText,
  parseJsonObject,
  type InputObject,
} from './validation';
import { WaybillError } from './errors';

/**
 * Parsers of the JSON inputs of transactions. Each returns a fully validated, normalised value or
 * throws `INVALID_ARGUMENT`; unknown fields are always rejected.
 */

/** A document commitment as given by the caller. */
export interface DocumentInput {
  readonly name: string;
  readonly sha256: string;
}

/** A personal-data reference as given by the caller. */
export interface PersonalDataRefInput {
  readonly ref: string;
  readonly commitment: string;
  readonly category: PersonalDataCategory;
}

/** Input of `createAsset`. */
export interface CreateAssetInput {
  readonly id: string;
  readonly product: Product;
  readonly quantity: Quantity;
  readonly origin: Origin;
  readonly attributes: Record<string, string>;
  readonly documents: readonly DocumentInput[];
  readonly personalDataRefs: readonly PersonalDataRefInput[];
}

/** One sub-lot of a split. */
export interface SplitPartInput {
  readonly id: string;
  readonly amount: number;
  /** Attributes of the sub-lot; `undefined` means "inherit the parent's". */
  readonly attributes: Record<string, string> | undefined;
}

/** Input of `splitAsset`. */
export interface SplitInput {
  readonly parts: readonly SplitPartInput[];
}

/** Input of `mergeAssets`. */
export interface MergeInput {
  readonly newAssetId: string;
  readonly assetIds: readonly string[];
  /** Required when the inputs' origins differ. */
  readonly origin: Origin | undefined;
  readonly attributes: Record<string, string>;
}

/** Input of `updateAttributes`. */
export interface AttributesUpdateInput {
  readonly set: Record<string, string>;
  readonly remove: readonly string[];
}

/**
 * Fields each JSON input accepts (anything else is rejected). Named after the input schemas in the
 * contract metadata, which a test keeps in step with this list.
 */
export const INPUT_FIELDS = {
  Product: ['sku', 'description'],
  Origin: ['site', 'country'],
  Quantity: ['amount', 'unit'],
  DocumentInput: ['name', 'sha256'],
  PersonalDataRefInput: ['ref', 'commitment', 'category'],
  CreateAssetInput: ['id', 'product', 'quantity', 'origin', 'attributes', 'documents', 'personalDataRefs'],
  SplitInput: ['parts'],
  SplitPartInput: ['id', 'amount', 'attributes'],
  MergeInput: ['newAssetId', 'assetIds', 'origin', 'attributes'],
  AttributesUpdateInput: ['set', 'remove'],
  SaleTermsInput: ['price', 'currency', 'incoterms', 'nonce'],
} as const;

/** Maximum length of a document name. */
export const MAX_DOCUMENT_NAME = 128;

/** Validates a product. */
export function parseProduct(value: unknown, path: string): Product {
  const obj = expectObject(value, path);
  expectOnlyFields(obj, INPUT_FIELDS.Product, path);
  return {
    sku: expectPattern(obj['sku'], `${path}.sku`, RE.SKU),
    description: expectFreeText(obj['description'], `${path}.description`, 256),
  };
}

/** Validates an origin. */
export function parseOrigin(value: unknown, path: string): Origin {
  const obj = expectObject(value, path);
  expectOnlyFields(obj, INPUT_FIELDS.Origin, path);
  return {
    site: expectFreeText(obj['site'], `${path}.site`, 128),
    country: expectCountry(obj['country'], `${path}.country`),
  };
}

/** Validates a document name. */
export function parseDocumentName(value: unknown, path: string): string {
  return expectFreeText(value, path, MAX_DOCUMENT_NAME);
}

/** Validates a document commitment. */
export function parseDocument(value: unknown, path: string): DocumentInput {
  const obj = expectObject(value, path);
  expectOnlyFields(obj, INPUT_FIELDS.DocumentInput, path);
  return {
    name: parseDocumentName(obj['name'], `${path}.name`),
    sha256: expectSha256(obj['sha256'], `${path}.sha256`),
  };
}

/** Validates a personal-data reference (format only: the values are opaque to the chaincode). */
export function parsePersonalDataRef(value: unknown, path: string): PersonalDataRefInput {
  const obj = expectObject(value, path);
  expectOnlyFields(obj, INPUT_FIELDS.PersonalDataRefInput, path);
  return {
    ref: parsePersonalDataRefId(obj['ref'], `${path}.ref`),
    commitment: expectSha256(obj['commitment'], `${path}.commitment`),
    category: expectOneOf(obj['category'], `${path}.category`, PERSONAL_DATA_CATEGORIES),
  };
}

/** Validates a personal-data reference id (lowercased). */
export function parsePersonalDataRefId(value: unknown, path: string): string {
  if (typeof value !== 'string') {
    throw WaybillError.invalidArgument(`${path} must be a string`);
  }
  return expectPattern(value.toLowerCase(), path, RE.PERSONAL_DATA_REF);
}

function optionalArray(obj: InputObject, field: string, path: string, max: number): readonly unknown[] {
  return obj[field] === undefined ? [] : expectArray(obj[field], `${path}.${field}`, 0, max);
}

function assertUnique(values: readonly string[], path: string, what: string): void {
  const seen = new Set<string>();
  for (const value of values) {
    if (seen.has(value)) {
      throw WaybillError.invalidArgument(`${path} has duplicate ${what} '${value}'`);
    }
    seen.add(value);
  }
}

/** Parses the input of `createAsset`. */
export function parseCreateAssetInput(raw: unknown): CreateAssetInput {
  const path = 'input';
  const obj = parseJsonObject(raw, path);
  expectOnlyFields(obj, INPUT_FIELDS.CreateAssetInput, path);
  const documents = optionalArray(obj, 'documents', path, LIMITS.MAX_DOCUMENTS).map((d, i) =>
    parseDocument(d, `${path}.documents[${i}]`),
  );
  assertUnique(documents.map((d) => d.name), `${path}.documents`, 'name');
  const personalDataRefs = optionalArray(obj, 'personalDataRefs', path, LIMITS.MAX_PERSONAL_DATA_REFS).map((r, i) =>
    parsePersonalDataRef(r, `${path}.personalDataRefs[${i}]`),
  );
  assertUnique(personalDataRefs.map((r) => r.ref), `${path}.personalDataRefs`, 'ref');
  return {
    id: expectId(obj['id'], `${path}.id`),
    product: parseProduct(obj['product'], `${path}.product`),
    quantity: expectQuantity(obj['quantity'], `${path}.quantity`),
    origin: parseOrigin(obj['origin'], `${path}.origin`),
    attributes: obj['attributes'] === undefined ? {} : expectAttributes(obj['attributes'], `${path}.attributes`),
    documents,
    personalDataRefs,
  };
}

/** Parses the input of `splitAsset`. */
export function parseSplitInput(raw: unknown): SplitInput {
  const path = 'input';
  const obj = parseJsonObject(raw, path);
  expectOnlyFields(obj, INPUT_FIELDS.SplitInput, path);
  const parts = expectArray(obj['parts'], `${path}.parts`, 2, LIMITS.MAX_SPLIT_PARTS).map((value, i) => {
    const partPath = `${path}.parts[${i}]`;
    const part = expectObject(value, partPath);
    expectOnlyFields(part, INPUT_FIELDS.SplitPartInput, partPath);
    return {
      id: expectId(part['id'], `${partPath}.id`),
      amount: expectAmount(part['amount'], `${partPath}.amount`),
      attributes: part['attributes'] === undefined ? undefined : expectAttributes(part['attributes'], `${partPath}.attributes`),
    };
  });
  assertUnique(parts.map((p) => p.id), `${path}.parts`, 'id');
  return { parts };
}

/** Parses the input of `mergeAssets`. */
export function parseMergeInput(raw: unknown): MergeInput {
  const path = 'input';
  const obj = parseJsonObject(raw, path);
  expectOnlyFields(obj, INPUT_FIELDS.MergeInput, path);
  const assetIds = expectArray(obj['assetIds'], `${path}.assetIds`, 2, LIMITS.MAX_MERGE_INPUTS).map((id, i) =>
    expectId(id, `${path}.assetIds[${i}]`),
  );
  assertUnique(assetIds, `${path}.assetIds`, 'id');
  const newAssetId = expectId(obj['newAssetId'], `${path}.newAssetId`);
  if (assetIds.includes(newAssetId)) {
    throw WaybillError.invalidArgument(`${path}.newAssetId must differ from the merged asset ids`);
  }
  return {
    newAssetId,
    assetIds,
    origin: obj['origin'] === undefined ? undefined : parseOrigin(obj['origin'], `${path}.origin`),
    attributes: obj['attributes'] === undefined ? {} : expectAttributes(obj['attributes'], `${path}.attributes`),
  };
}

/** Parses the input of `updateAttributes`. */
export function parseAttributesUpdate(raw: unknown): AttributesUpdateInput {
  const path = 'input';
  const obj = parseJsonObject(raw, path);
  expectOnlyFields(obj, INPUT_FIELDS.AttributesUpdateInput, path);
  const set = obj['set'] === undefined ? {} : expectAttributes(obj['set'], `${path}.set`);
  const remove = (obj['remove'] === undefined ? [] : expectArray(obj['remove'], `${path}.remove`, 0, LIMITS.MAX_ATTRIBUTES)).map(
    (key, i) => expectPattern(key, `${path}.remove[${i}]`, RE.ATTRIBUTE_KEY),
  );
  assertUnique(remove, `${path}.remove`, 'key');
  if (Object.keys(set).length === 0 && remove.length === 0) {
    throw WaybillError.invalidArgument(`${path} must set or remove at least one attribute`);
  }
  const both = remove.filter((key) => key in set);
  if (both.length > 0) {
    throw WaybillError.invalidArgument(`${path} both sets and removes '${both[0] ?? ''}'`);
  }
  return { set, remove };
}

/** Parses the input of `upsertPersonalDataRef`. */
export function parsePersonalDataRefInput(raw: unknown): PersonalDataRefInput {
  return parsePersonalDataRef(parseJsonObject(raw, 'input'), 'input');
}

/** Validates a hold or recall reason. */
export function parseReason(value: unknown, path = 'reason'): string {
  return expectFreeText(value, path, LIMITS.MAX_REASON_LENGTH);
}
