import type { GatewayConfig } from '../config/config';
import { FabricGatewayLedger } from './fabric-gateway.adapter';
import type { LedgerPort } from './ledger.port';

/**
 * The ledger adapter the configuration asks for. A Fabric 2.2 `fabric-network` adapter (AWS
 * Managed Blockchain) is added here and to `WAYBILL_LEDGER_ADAPTER`; nothing else changes.
 * @throws Error when a certificate or key of the profile cannot be read.
 */
export function createLedger(config: GatewayConfig): LedgerPort {
  switch (config.ledger.adapter) {
    case 'fabric-gateway':
      return new FabricGatewayLedger({ profile: config.profile, timeouts: config.ledger.timeouts });
  }
}
