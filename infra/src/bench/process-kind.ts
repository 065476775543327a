/** The kinds of process whose CPU time a transaction costs. */
export const KINDS = ['gateway', 'peer', 'orderer', 'chaincode', 'ca', 'loadgen'] as const;
export type Kind = (typeof KINDS)[number];

/** Which kind a process of the network is, from the name of its PID file. */
export function processKind(name: string): Exclude<Kind, 'loadgen'> | undefined {
  if (name.startsWith('api.')) return 'gateway';
  if (name.startsWith('peer')) return 'peer';
  if (name.startsWith('orderer')) return 'orderer';
  if (name.startsWith('chaincode')) return 'chaincode';
  if (name.startsWith('ca.')) return 'ca';
  return undefined;
}
