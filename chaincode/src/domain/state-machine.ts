import { ASSET_STATUSES, ROLES, SALE_ROLES, type AssetStatus, type Role } from '../constants';

/**
 * The asset state machine: the ONE definition that both enforcement (`access/authorize.ts`) and
 * documentation (`docs/chaincode.md`, rendered by `docs/reference-tables.ts` and checked by a test) use.
 *
 * A row says: from any of `from`, `action` leads to `to`, for a caller whose role is in one grant's
 * `roles` and whose organisation stands in that grant's `org` relationship to the asset.
 * Actions that do not change the status still have rows (`to: 'UNCHANGED'`): the table is the
 * authority on what may happen in which status.
 */

/** Asset-level actions (transaction names) governed by the table. */
export const ACTIONS = [
  'proposeHandover',
  'acceptHandover',
  'rejectHandover',
  'cancelHandover',
  'proposeSale',
  'agreeSaleTerms',
  'acceptSale',
  'rejectSale',
  'cancelSale',
  'putOnHold',
  'releaseHold',
  'markSold',
  'consumeAsset',
  'destroyAsset',
  'splitAsset',
  'mergeAssets',
  'recallAsset',
  'updateAttributes',
  'addDocument',
  'upsertPersonalDataRef',
  'erasePersonalDataRef',
] as const;

/** An action from {@link ACTIONS}. */
export type Action = (typeof ACTIONS)[number];

/**
 * How the caller's organisation (MSP id) must relate to the asset.
 * - `owner`/`custodian`: holds title / possession; `ownerOrCustodian`: either;
 *   `holder`: both (title and possession).
 * - `handoverRecipient`/`handoverProposer`: `to`/`from` of the pending handover.
 * - `saleBuyer`/`saleSeller`/`saleParty`: buyer / seller / either of the pending sale.
 * - `manufacturer`: one of the organisations that made the product (`asset.manufacturers`).
 * - `dataController`: the organisation that recorded the personal-data reference.
 * - `anyOrg`: no relationship to the asset needed (regulators of a designated oversight organisation).
 */
export type OrgRelation =
  | 'owner'
  | 'custodian'
  | 'ownerOrCustodian'
  | 'holder'
  | 'handoverRecipient'
  | 'handoverProposer'
  | 'saleBuyer'
  | 'saleSeller'
  | 'saleParty'
  | 'manufacturer'
  | 'dataController'
  | 'anyOrg';

/** Who may perform a transition. */
export interface Grant {
  readonly roles: readonly Role[];
  readonly org: OrgRelation;
}

/** Target of a transition: a status, the same status, or the status saved when the hold began. */
export type TransitionTarget = AssetStatus | 'UNCHANGED' | 'PREVIOUS';

/** One row of the state machine. */
export interface Transition {
  readonly action: Action;
  readonly from: readonly AssetStatus[];
  readonly to: TransitionTarget;
  readonly grants: readonly Grant[];
  /** Extra rule, documented next to the row and enforced by the operation. */
  readonly note?: string;
}

const { MANUFACTURER, CARRIER, RETAILER, REGULATOR, ADMIN } = ROLES;
const { CREATED, IN_TRANSIT, DELIVERED, ON_HOLD, RECALLED, SOLD, CONSUMED, DESTROYED } = ASSET_STATUSES;

/** Roles that act for their own organisation in the physical flow of goods. */
export const OPERATOR_ROLES: readonly Role[] = [MANUFACTURER, CARRIER, RETAILER];
/** Roles that buy and sell (hold title commercially). */
export const TRADER_ROLES: readonly Role[] = SALE_ROLES;
/** Roles that maintain records (attributes, documents, personal-data references). */
export const MAINTAINER_ROLES: readonly Role[] = [MANUFACTURER, CARRIER, RETAILER, ADMIN];

/** Statuses in which goods move and change hands. */
const ACTIVE: readonly AssetStatus[] = [CREATED, IN_TRANSIT, DELIVERED];
/** Statuses in which a pending handover or sale can exist (and be withdrawn). */
const PENDABLE: readonly AssetStatus[] = [CREATED, IN_TRANSIT, DELIVERED, ON_HOLD, RECALLED];
const ALL: readonly AssetStatus[] = Object.values(ASSET_STATUSES);

/** Status of a new asset (`createAsset`); split and merge outputs take their inputs' status. */
export const INITIAL_STATUS: AssetStatus = CREATED;

/** Who may create assets: manufacturers, for their own organisation. */
export const CREATE_GRANT: Grant = { roles: [MANUFACTURER], org: 'anyOrg' };

/** The state machine. Order matters only for documentation. */
export const TRANSITIONS: readonly Transition[] = [
  { action: 'proposeHandover', from: ACTIVE, to: 'UNCHANGED', grants: [{ roles: OPERATOR_ROLES, org: 'custodian' }], note: 'no handover already pending; recipient differs from the custodian' },
  { action: 'acceptHandover', from: ACTIVE, to: IN_TRANSIT, grants: [{ roles: [CARRIER], org: 'handoverRecipient' }], note: 'custodian becomes the recipient' },
  { action: 'acceptHandover', from: ACTIVE, to: DELIVERED, grants: [{ roles: [MANUFACTURER, RETAILER], org: 'handoverRecipient' }], note: 'custodian becomes the recipient' },
  { action: 'rejectHandover', from: PENDABLE, to: 'UNCHANGED', grants: [{ roles: OPERATOR_ROLES, org: 'handoverRecipient' }] },
  { action: 'cancelHandover', from: PENDABLE, to: 'UNCHANGED', grants: [{ roles: OPERATOR_ROLES, org: 'handoverProposer' }] },
  { action: 'proposeSale', from: ACTIVE, to: 'UNCHANGED', grants: [{ roles: TRADER_ROLES, org: 'owner' }], note: 'no sale already pending; buyer differs from the owner' },
  { action: 'agreeSaleTerms', from: ACTIVE, to: 'UNCHANGED', grants: [{ roles: TRADER_ROLES, org: 'saleParty' }], note: "private: writes only the caller's implicit collection, on the caller's own peer" },
  { action: 'acceptSale', from: ACTIVE, to: 'UNCHANGED', grants: [{ roles: TRADER_ROLES, org: 'saleBuyer' }], note: 'both parties stored identical terms (hash check); owner becomes the buyer; terms purged' },
  { action: 'rejectSale', from: PENDABLE, to: 'UNCHANGED', grants: [{ roles: TRADER_ROLES, org: 'saleBuyer' }], note: 'terms purged' },
  { action: 'cancelSale', from: PENDABLE, to: 'UNCHANGED', grants: [{ roles: TRADER_ROLES, org: 'saleSeller' }], note: 'terms purged' },
  { action: 'putOnHold', from: ACTIVE, to: ON_HOLD, grants: [{ roles: OPERATOR_ROLES, org: 'ownerOrCustodian' }, { roles: [REGULATOR], org: 'anyOrg' }] },
  { action: 'releaseHold', from: [ON_HOLD], to: 'PREVIOUS', grants: [{ roles: OPERATOR_ROLES, org: 'ownerOrCustodian' }, { roles: [REGULATOR], org: 'anyOrg' }], note: 'a hold placed by a regulator is released by a regulator of the same organisation only' },
  { action: 'markSold', from: [DELIVERED], to: SOLD, grants: [{ roles: TRADER_ROLES, org: 'holder' }], note: 'no pending handover or sale' },
  { action: 'consumeAsset', from: [CREATED, DELIVERED], to: CONSUMED, grants: [{ roles: TRADER_ROLES, org: 'holder' }], note: 'no pending handover or sale' },
  { action: 'destroyAsset', from: [CREATED, DELIVERED, ON_HOLD, RECALLED], to: DESTROYED, grants: [{ roles: OPERATOR_ROLES, org: 'holder' }], note: 'no pending handover or sale' },
  { action: 'splitAsset', from: [CREATED, DELIVERED], to: CONSUMED, grants: [{ roles: OPERATOR_ROLES, org: 'holder' }], note: 'no pending handover or sale; sub-lots take the parent status and their amounts sum exactly to the parent' },
  { action: 'mergeAssets', from: [CREATED, DELIVERED], to: CONSUMED, grants: [{ roles: OPERATOR_ROLES, org: 'holder' }], note: 'every input: same SKU, unit, status, owner and custodian; no pending handover or sale; the new lot takes that status' },
  { action: 'recallAsset', from: [CREATED, IN_TRANSIT, DELIVERED, ON_HOLD], to: RECALLED, grants: [{ roles: [MANUFACTURER], org: 'manufacturer' }, { roles: [REGULATOR], org: 'anyOrg' }], note: 'applies to the asset and every descendant, in batches' },
  { action: 'recallAsset', from: [RECALLED, SOLD, CONSUMED, DESTROYED], to: 'UNCHANGED', grants: [{ roles: [MANUFACTURER], org: 'manufacturer' }, { roles: [REGULATOR], org: 'anyOrg' }], note: 'marked with the recall, status kept' },
  { action: 'updateAttributes', from: [CREATED, IN_TRANSIT, DELIVERED, ON_HOLD], to: 'UNCHANGED', grants: [{ roles: MAINTAINER_ROLES, org: 'ownerOrCustodian' }] },
  { action: 'addDocument', from: ALL, to: 'UNCHANGED', grants: [{ roles: MAINTAINER_ROLES, org: 'ownerOrCustodian' }, { roles: [REGULATOR], org: 'anyOrg' }] },
  { action: 'upsertPersonalDataRef', from: [CREATED, IN_TRANSIT, DELIVERED, ON_HOLD, RECALLED, SOLD], to: 'UNCHANGED', grants: [{ roles: MAINTAINER_ROLES, org: 'ownerOrCustodian' }], note: 'replacing (rectifying) an existing reference: its data controller only; erased references are final' },
  { action: 'erasePersonalDataRef', from: ALL, to: 'UNCHANGED', grants: [{ roles: MAINTAINER_ROLES, org: 'dataController' }] },
];

/** Rows of one action. */
export function transitionsOf(action: Action): readonly Transition[] {
  return TRANSITIONS.filter((t) => t.action === action);
}

/** Every role that appears in any row of `action`. */
export function rolesFor(action: Action): readonly Role[] {
  const roles = new Set<Role>();
  for (const row of transitionsOf(action)) {
    for (const grant of row.grants) {
      grant.roles.forEach((r) => roles.add(r));
    }
  }
  return [...roles];
}

/** Statuses from which `action` is allowed at all. */
export function statusesFor(action: Action): readonly AssetStatus[] {
  const statuses = new Set<AssetStatus>();
  transitionsOf(action).forEach((row) => row.from.forEach((s) => statuses.add(s)));
  return ALL.filter((s) => statuses.has(s));
}

/** Resolves a row's target for an asset currently in `current` (with `previous` saved by a hold). */
export function resolveTarget(to: TransitionTarget, current: AssetStatus, previous: AssetStatus | undefined): AssetStatus {
  if (to === 'UNCHANGED') {
    return current;
  }
  if (to === 'PREVIOUS') {
    return previous ?? current;
  }
  return to;
}
