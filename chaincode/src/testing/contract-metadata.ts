import { readFileSync } from 'fs';
import { createRequire } from 'module';
import path from 'path';
import './quiet-logs';
import { JSONSerializer } from 'fabric-contract-api';
import { contracts } from '../index';

interface SystemContract {
  GetMetadata(): Promise<unknown>;
}

/** The chaincode object fabric-chaincode-node builds from the contracts (what the peer talks to). */
export interface ShimChaincode {
  readonly contractImplementations: Record<string, { contractInstance: unknown }>;
  Invoke(stub: unknown): Promise<{ status: number; message?: string; payload?: Uint8Array }>;
}

type ChaincodeFromContractCtor = new (
  contractClasses: unknown[],
  serializers: unknown,
  metadata: object,
  title: string,
  version: string,
) => ShimChaincode;

/** Path of the committed expected metadata. */
export const EXPECTED_METADATA_PATH = path.resolve(__dirname, '..', '..', 'test', 'metadata.expected.json');

/**
 * Builds the chaincode exactly as `fabric-chaincode-node start|server` does from package.json
 * (`main` exports `contracts`; title and version from `name` and `version`), with fabric-shim's own
 * ChaincodeFromContract: dispatch, parameter marshalling, client identity, metadata.
 */
export function newShimChaincode(): ShimChaincode {
  const load = createRequire(__filename);
  // Internal module of fabric-shim: no public export builds the chaincode without a peer connection.
  const Ctor = load('fabric-shim/lib/contract-spi/chaincodefromcontract.js') as ChaincodeFromContractCtor;
  const pkg = JSON.parse(readFileSync(path.resolve(__dirname, '..', '..', 'package.json'), 'utf8')) as { name: string; version: string };
  const serializers = { transaction: 'jsonSerializer', serializers: { jsonSerializer: JSONSerializer } };
  return new Ctor([...contracts], serializers, {}, pkg.name, pkg.version);
}

/**
 * The contract metadata exactly as a peer answers `org.hyperledger.fabric:GetMetadata`: built by
 * {@link newShimChaincode}, from the decorators.
 */
export async function generateContractMetadata(): Promise<unknown> {
  const chaincode = newShimChaincode();
  const system = chaincode.contractImplementations['org.hyperledger.fabric']?.contractInstance as SystemContract;
  // The shim serialises the answer with JSON.stringify: what a client receives.
  return JSON.parse(JSON.stringify(await system.GetMetadata())) as unknown;
}
