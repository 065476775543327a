import type { Asset } from '../assets/asset.types';
import type { AssetsService } from '../assets/assets.service';
import type { AuthenticatedClient } from '../common/client';
import type { TransactionStatus } from '../ledger/ledger.port';
import type { LedgerService } from '../ledger/ledger.service';
import type { LedgerReceipt, LedgerRef, PersonalDataLedger } from './personal-data.ledger';

/** {@link PersonalDataLedger} on the chaincode's asset transactions, through the assets service. */
export class AssetsPersonalDataLedger implements PersonalDataLedger {
  constructor(
    private readonly assets: AssetsService,
    private readonly ledger: LedgerService,
  ) {}

  transactionStatus(client: AuthenticatedClient, txId: string, waitMs: number): Promise<TransactionStatus> {
    return this.ledger.transactionStatus(client, txId, waitMs);
  }

  async upsertRef(
    client: AuthenticatedClient,
    assetId: string,
    ref: { ref: string; commitment: string; category: string },
  ): Promise<LedgerReceipt> {
    const input = JSON.stringify({ ref: ref.ref, commitment: ref.commitment, category: ref.category });
    return receipt(
      await this.assets.submitOnAsset(client, 'upsertPersonalDataRef', assetId, [input], 'sync'),
    );
  }

  async eraseRef(client: AuthenticatedClient, assetId: string, ref: string): Promise<LedgerReceipt> {
    return receipt(await this.assets.submitOnAsset(client, 'erasePersonalDataRef', assetId, [ref], 'sync'));
  }

  async findRef(client: AuthenticatedClient, assetId: string, ref: string): Promise<LedgerRef | undefined> {
    const asset = JSON.parse((await this.assets.get(client, assetId)).toString()) as Asset;
    return asset.personalDataRefs.find((r) => r.ref === ref);
  }
}

function receipt(outcome: Awaited<ReturnType<AssetsService['submitOnAsset']>>): LedgerReceipt {
  if (outcome.mode !== 'sync') throw new Error('personal-data ledger writes are synchronous');
  return { txId: outcome.txId, blockNumber: outcome.blockNumber };
}
