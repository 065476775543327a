import type { ClientIdentity } from 'fabric-shim-api';

/** A client identity for unit tests: an MSP id and certificate attributes. */
export class FakeClientIdentity implements ClientIdentity {
  readonly #mspId: string;
  readonly #attributes: Readonly<Record<string, string>>;

  constructor(mspId: string, attributes: Readonly<Record<string, string>> = {}) {
    this.#mspId = mspId;
    this.#attributes = attributes;
  }

  getMSPID(): string {
    return this.#mspId;
  }

  getAttributeValue(attrName: string): string | null {
    return this.#attributes[attrName] ?? null;
  }

  assertAttributeValue(attrName: string, attrValue: string): boolean {
    return this.#attributes[attrName] === attrValue;
  }

  getID(): string {
    return `x509::/OU=client/CN=test-user::/CN=ca.${this.#mspId}`;
  }

  getIDBytes(): Uint8Array {
    return Buffer.alloc(0);
  }
}
