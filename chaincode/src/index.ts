/**
 * Entry point loaded by `fabric-chaincode-node` (package.json `main`): it reads `contracts`.
 *
 * @packageDocumentation
 */
import { WaybillContract } from './contracts/waybill-contract';

export { WaybillContract } from './contracts/waybill-contract';
export * from './constants';

/** Contracts of the chaincode (the first is the default one). */
export const contracts: (typeof WaybillContract)[] = [WaybillContract];
