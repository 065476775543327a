import type { GatewayConfig } from '../config/config';
import { FabricGatewayLedger } from './fabric-gateway.adapter';
import { KillAfterSubmitLedger } from './fault-injection';
import type { LedgerPort } from './ledger.port';

/**
 * The ledger adapter the configuration asks for (`WAYBILL_LEDGER_ADAPTER`): the Fabric Gateway
 * service of Fabric >= 2.4 peers, or the Fabric 2.2 SDK for peers without it (AWS Managed
 * Blockchain).
 * @throws Error when a certificate or key of the profile cannot be read.
 */
export function createLedger(config: GatewayConfig): LedgerPort {
  const port = createAdapter(config);
  const fault = config.ledger.testFault;
  return fault ? new KillAfterSubmitLedger(port, fault.killAfterSubmit) : port;
}

function createAdapter(config: GatewayConfig): LedgerPort {
  switch (config.ledger.adapter) {
    case 'fabric-gateway':
      return new FabricGatewayLedger({ profile: config.profile, timeouts: config.ledger.timeouts });
    case 'fabric-network': {
      // Loaded only when chosen: the Fabric 2.2 SDK (fabric-common, its own grpc-js…) takes
      // seconds to load, which every gateway start and admin command would otherwise pay.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { FabricNetworkLedger } = require('./fabric-network.adapter') as typeof import('./fabric-network.adapter');
      return new FabricNetworkLedger({ profile: config.profile, timeouts: config.ledger.timeouts });
    }
  }
}
