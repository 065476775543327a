import { ROLES, TRANSIENT_TERMS_KEY } from '../constants';
import type { Actor } from './contract-harness';

/** MSP ids of the default topology. */
export const MSP = {
  MANUFACTURER: 'ManufacturerMSP',
  CARRIER: 'CarrierMSP',
  RETAILER: 'RetailerMSP',
  AUTHORITY: 'AuthorityMSP',
} as const;

/** The governance record of the default topology: three trading members and one authority. */
export const GOVERNANCE_INPUT = {
  version: 1,
  members: [MSP.AUTHORITY, MSP.CARRIER, MSP.MANUFACTURER, MSP.RETAILER],
  oversight: [MSP.AUTHORITY],
} as const;

/** Typical identities of the default topology. */
export const ACTORS = {
  manufacturer: { mspId: MSP.MANUFACTURER, role: ROLES.MANUFACTURER },
  carrier: { mspId: MSP.CARRIER, role: ROLES.CARRIER },
  retailer: { mspId: MSP.RETAILER, role: ROLES.RETAILER },
  manufacturerAdmin: { mspId: MSP.MANUFACTURER, role: ROLES.ADMIN },
  carrierAdmin: { mspId: MSP.CARRIER, role: ROLES.ADMIN },
  retailerAdmin: { mspId: MSP.RETAILER, role: ROLES.ADMIN },
  /** The designated oversight organisation's identities. */
  regulator: { mspId: MSP.AUTHORITY, role: ROLES.REGULATOR },
  auditor: { mspId: MSP.AUTHORITY, role: ROLES.AUDITOR },
  authorityAdmin: { mspId: MSP.AUTHORITY, role: ROLES.ADMIN },
  /** Oversight roles minted by a trading organisation's own CA: refused by the chaincode. */
  regulatorAtCarrier: { mspId: MSP.CARRIER, role: ROLES.REGULATOR },
  auditorAtRetailer: { mspId: MSP.RETAILER, role: ROLES.AUDITOR },
  /** A second manufacturer identity at the retailer org (a retailer making own-brand goods). */
  manufacturerAtRetailer: { mspId: MSP.RETAILER, role: ROLES.MANUFACTURER },
  noRole: { mspId: MSP.MANUFACTURER },
} as const satisfies Record<string, Actor>;

/** A valid `createAsset` input (as an object; JSON-encode it to submit). */
export function assetInput(id: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id,
    product: { sku: 'SKU-COFFEE-1KG', description: 'Roasted coffee beans, 1 kg bags' },
    quantity: { amount: 100, unit: 'kg' },
    origin: { site: 'Plant 7', country: 'CO' },
    attributes: { grade: 'A', lot: 'L-2025-001' },
    ...overrides,
  };
}

/** Terms a party puts in the transient map. */
export function termsTransient(overrides: Record<string, unknown> = {}): Record<string, string> {
  return {
    [TRANSIENT_TERMS_KEY]: JSON.stringify({
      price: '1250.50',
      currency: 'EUR',
      incoterms: 'DAP',
      nonce: '0f1e2d3c4b5a69788796a5b4c3d2e1f0',
      ...overrides,
    }),
  };
}

/** A 64-hex SHA-256 made of one repeated hex digit (readable test data). */
export function sha(digit: string): string {
  return digit.repeat(64);
}

/** Resolves to the rejection of `promise` (fails if it resolves). */
export async function rejectionOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection, but the promise resolved');
}
