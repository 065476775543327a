import type { GatewayConfig } from '../config/config';
import type { Database } from '../database/database';
import { EventStoreRepository } from '../events/event-store.repository';
import { createLedger } from '../ledger/create-ledger';
import { ProjectionRepository } from './projection.repository';
import { ReadModelService } from './read-model.service';

/**
 * `admin.js read-model reconcile [--json]`: compares the ledger with the read model from outside
 * the gateway. Exit code 0 without differences, 1 with any.
 */
export async function reconcileCommand(
  db: Database,
  config: GatewayConfig,
  json: boolean,
): Promise<{ stdout: string; stderr: string; code: number }> {
  const ledger = createLedger(config);
  try {
    const service = new ReadModelService(
      ledger,
      new EventStoreRepository(db),
      new ProjectionRepository(db),
      config.events.identity,
    );
    const report = await service.reconcile();
    const code = report.differences.length === 0 ? 0 : 1;
    if (json) return { stdout: `${JSON.stringify(report)}\n`, stderr: '', code };
    const lines = report.differences.map(
      (d) => `${d.kind.padEnd(9)} ${d.assetId}${d.fields ? ` (${d.fields.join(', ')})` : ''}\n`,
    );
    const summary =
      `ledger ${report.ledgerAssets} assets, read model ${report.readModelAssets}, ` +
      `${report.differences.length} difference(s), lag ${report.status.lagBlocks ?? 'unknown'} block(s)\n`;
    return { stdout: lines.join('') + summary, stderr: '', code };
  } finally {
    await ledger.close();
  }
}
