import { msp } from '@hyperledger/fabric-protos';

/**
 * Who signs a proposal, transaction or configuration update: an MSP ID, its X.509 certificate
 * (PEM) and a signature over a message. Only the holder of the key can build one, so an
 * organisation acting on its own machine signs with its own admin key and nothing else.
 */
export interface SigningIdentity {
  readonly mspId: string;
  readonly certificate: Uint8Array;
  /** ECDSA signature (DER, low-S as Fabric requires) over SHA-256 of `message`. */
  sign(message: Uint8Array): Promise<Uint8Array>;
}

/** The `SerializedIdentity` bytes Fabric puts in headers as the creator. */
export function serializeIdentity(id: Pick<SigningIdentity, 'mspId' | 'certificate'>): Uint8Array {
  const s = new msp.SerializedIdentity();
  s.setMspid(id.mspId);
  s.setIdBytes(id.certificate);
  return s.serializeBinary();
}

