import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import './quiet-logs';
import { JSONSerializer } from 'fabric-contract-api';
import { contracts } from '../index';

interface SystemContract {
  GetMetadata(): Promise<unknown>;
}

interface ChaincodeFromContract {
  readonly contractImplementations: Record<string, { contractInstance: unknown }>;
}

type ChaincodeFromContractCtor = new (
  contractClasses: unknown[],
  serializers: unknown,
  metadata: object,
  title: string,
  version: string,
) => ChaincodeFromContract;

/** Path of the committed expected metadata. */
export const EXPECTED_METADATA_PATH = path.resolve(__dirname, '..', '..', 'test', 'metadata.expected.json');

/**
 * The contract metadata exactly as a peer answers `org.hyperledger.fabric:GetMetadata`: built by
 * fabric-shim's own ChaincodeFromContract (the class `fabric-chaincode-node start|server` uses),
 * from the decorators, with title and version from package.json as its bootstrap does.
 */
export async function generateContractMetadata(): Promise<unknown> {
  const load = createRequire(__filename);
  // Internal module of fabric-shim (no public export builds metadata without a peer connection).
  const Ctor = load('fabric-shim/lib/contract-spi/chaincodefromcontract.js') as ChaincodeFromContractCtor;
  const pkg = JSON.parse(readFileSync(path.resolve(__dirname, '..', '..', 'package.json'), 'utf8')) as { name: string; version: string };
  const serializers = { transaction: 'jsonSerializer', serializers: { jsonSerializer: JSONSerializer } };
  const chaincode = new Ctor([...contracts], serializers, {}, pkg.name, pkg.version);
  const system = chaincode.contractImplementations['org.hyperledger.fabric']?.contractInstance as SystemContract;
  // The shim serialises the answer with JSON.stringify: what a client receives.
  return JSON.parse(JSON.stringify(await system.GetMetadata())) as unknown;
}
