import type { AuthenticatedClient } from '../common/client';
import type { PersonalDataItemDto } from './dto/personal-data-item.dto';

/** What the ledger gets for a personal value: a reference and a commitment, never the value. */
export interface PersonalDataRefInput {
  readonly ref: string;
  readonly commitment: string;
  readonly category: string;
}

/** Personal values stored (sealed) ahead of the asset's ledger write. */
export interface PreparedPersonalData {
  readonly refs: readonly PersonalDataRefInput[];
  /**
   * Runs the ledger write that carries the references: the records are settled when `committed`
   * says its result committed, removed when it surely had no effect, and otherwise (an unknown
   * outcome, an asynchronous write) left with its transaction ID for the settler.
   */
  write<T>(work: () => Promise<T>, committed: (result: T) => boolean): Promise<T>;
}

/**
 * What creating an asset needs from the personal-data feature, which sits above assets (it writes
 * its references through the assets service): the personal-data module provides it.
 */
export interface AssetPersonalData {
  prepare(
    client: AuthenticatedClient,
    assetId: string,
    items: readonly PersonalDataItemDto[],
    purpose: string,
  ): Promise<PreparedPersonalData>;
}

/** Injection token of the {@link AssetPersonalData} port. */
export const ASSET_PERSONAL_DATA = Symbol('ASSET_PERSONAL_DATA');
