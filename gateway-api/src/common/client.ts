import type { Role } from '@waybill/chaincode/constants';

/** The client behind a valid API key: it acts as one Fabric identity of this organisation. */
export interface AuthenticatedClient {
  readonly keyId: string;
  readonly name: string;
  readonly identityId: string;
  readonly role: Role;
  readonly mspId: string;
}
