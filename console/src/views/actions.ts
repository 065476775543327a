import { api, ok } from '../api/client';
import type { ActionKind } from './inbox-items';

export type { ActionKind } from './inbox-items';

export const ACTION_LABELS: Readonly<Record<ActionKind, string>> = {
  'handover/accept': 'Accept handover',
  'handover/reject': 'Reject handover',
  'handover/cancel': 'Cancel handover',
  'sale/accept': 'Accept sale',
  'sale/reject': 'Reject sale',
  'sale/cancel': 'Cancel sale',
};

/** Runs an action; throws the gateway's problem when the ledger or the gateway refuses it. */
export async function runAction(assetId: string, kind: ActionKind): Promise<void> {
  const params = { path: { assetId } };
  switch (kind) {
    case 'handover/accept':
      ok(await api.POST('/v1/assets/{assetId}/handover/accept', { params }));
      return;
    case 'handover/reject':
      ok(await api.POST('/v1/assets/{assetId}/handover/reject', { params }));
      return;
    case 'handover/cancel':
      ok(await api.POST('/v1/assets/{assetId}/handover/cancel', { params }));
      return;
    case 'sale/accept':
      ok(await api.POST('/v1/assets/{assetId}/sale/accept', { params }));
      return;
    case 'sale/reject':
      ok(await api.POST('/v1/assets/{assetId}/sale/reject', { params }));
      return;
    case 'sale/cancel':
      ok(await api.POST('/v1/assets/{assetId}/sale/cancel', { params }));
      return;
  }
}
