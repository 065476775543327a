import {
  ALL_ASSET_STATUSES,
  ALL_ROLES,
  ERROR_CODES,
  EVALUATE_TRANSACTIONS,
  LIMITS,
  TRANSACTIONS,
  type ErrorCode,
  type Role,
  type TransactionName,
} from '../constants';
import { ENDORSEMENT_RULES, type EndorsingParty } from '../constants';
import { COMMON_EVENT_FIELDS, EVENT_CATALOGUE } from '../contracts/event-catalogue';
import { ACTIONS, CREATE_GRANT, INITIAL_STATUS, TRANSITIONS, type Action, type OrgRelation } from '../domain/state-machine';

/**
 * Renders the reference tables of docs/chaincode.md from the definitions the chaincode enforces
 * (state machine, grants, endorsement rules, event catalogue, error codes, limits). The sections
 * between `<!-- BEGIN GENERATED: name -->` and `<!-- END GENERATED: name -->` are checked by
 * reference-tables.spec.ts (`UPDATE_DOCS=1` rewrites them).
 */

/** Short names of organisation relationships, for table cells. */
const RELATION: Record<OrgRelation, string> = {
  owner: 'owner',
  custodian: 'custodian',
  ownerOrCustodian: 'owner or custodian',
  holder: 'owner and custodian',
  handoverRecipient: 'handover recipient',
  handoverProposer: 'handover proposer',
  saleBuyer: 'buyer',
  saleSeller: 'seller',
  saleParty: 'buyer or seller',
  manufacturer: 'a manufacturer of the product',
  dataController: "the reference's controller",
  anyOrg: 'any asset',
};

const PARTY: Record<EndorsingParty, string> = {
  owner: 'owner',
  custodian: 'custodian',
  buyer: 'buyer',
  holdersOfMarkedAssets: 'owner + custodian of every asset marked',
  holdersOfInputs: 'owner + custodian of the inputs',
  callerOnly: "caller's org ONLY",
  majority: 'a majority of members (caller first)',
};

const ERROR_MEANING: Record<ErrorCode, [string, string]> = {
  INVALID_ARGUMENT: ['malformed or out-of-range input: type, length, format, unknown field, quantities', '400'],
  ASSET_NOT_FOUND: ['no asset with that id', '404'],
  ASSET_EXISTS: ['an asset with that id already exists', '409'],
  DOCUMENT_NOT_FOUND: ['the asset has no document of that name', '404'],
  PERSONAL_DATA_REF_NOT_FOUND: ['the asset has no such personal-data reference', '404'],
  RECALL_NOT_FOUND: ['no recall with that id', '404'],
  INVALID_TRANSITION: ["the action is not allowed from the asset's status", '409'],
  FORBIDDEN: ['role or organisation not allowed; the message names what is missing', '403'],
  CONFLICT: ['pending handover/sale (missing or already there), erased reference, completed recall, differing merge inputs, and other refusals that depend on the asset\'s state rather than the input\'s shape: a handover to the custodian, a sale to the owner, split parts that do not add up to the parent\'s quantity, removing an attribute the asset lacks', '409'],
  LIMIT_EXCEEDED: ['per-asset capacity reached (attributes, documents, personal-data references)', '422'],
  TERMS_MISMATCH: ["buyer's and seller's stored terms differ (hash comparison)", '409'],
  TERMS_MISSING: ['a party has not stored terms, or there is no pending sale', '409'],
  INTERNAL: ['ledger inconsistency or chaincode bug (never caused by input)', '500'],
};

const LIMIT_MEANING: Record<keyof typeof LIMITS, string> = {
  MAX_PAGE_SIZE: 'largest `pageSize` of list queries',
  RECALL_BATCH_SIZE: 'assets one recall transaction visits before returning a continuation',
  MAX_LINEAGE_DEPTH: 'largest `depth` of `getLineage`',
  MAX_LINEAGE_NODES: 'assets `getLineage` returns in each direction',
  MAX_HISTORY_ENTRIES: 'versions `getAssetHistory` returns',
  MAX_SPLIT_PARTS: 'sub-lots of one split',
  MAX_MERGE_INPUTS: 'lots merged at once',
  MAX_ATTRIBUTES: 'attributes per asset',
  MAX_DOCUMENTS: 'documents per asset',
  MAX_PERSONAL_DATA_REFS: 'personal-data references per asset',
  MAX_QUANTITY: 'largest quantity amount',
  QUANTITY_DECIMALS: 'decimal places of a quantity amount',
  MAX_REASON_LENGTH: 'characters of a hold or recall reason',
  MAX_IMPORT_BATCH: 'records of one `importRecords` batch',
  MAX_IMPORT_BATCH_LENGTH: 'characters of one `importRecords` batch (JSON)',
};

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]): string => `| ${cells.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

const code = (text: string): string => `\`${text}\``;

function who(grants: readonly { roles: readonly Role[]; org: OrgRelation }[]): string {
  return grants.map((g) => `${g.roles.join(', ')} — ${RELATION[g.org]}`).join('; ');
}

/** The state machine, one line per row of `TRANSITIONS`. */
export function renderStateMachine(): string {
  const rows = [
    ['— (new asset)', code('createAsset'), INITIAL_STATUS, `${CREATE_GRANT.roles.join(', ')} — own organisation`, 'owner and custodian: the caller’s organisation'],
    ...TRANSITIONS.map((t) => [
      t.from.join(', '),
      code(t.action),
      t.to === 'UNCHANGED' ? '(unchanged)' : t.to === 'PREVIOUS' ? '(status before the hold)' : t.to,
      who(t.grants),
      t.note ?? '',
    ]),
  ];
  return table(['From', 'Action', 'To', 'Who (roles — organisation)', 'Rule'], rows);
}

/** Per status, the actions the table allows. */
export function renderActionsByStatus(): string {
  return table(
    ['Status', 'Allowed actions'],
    ALL_ASSET_STATUSES.map((status) => [
      status,
      ACTIONS.filter((a) => TRANSITIONS.some((t) => t.action === a && t.from.includes(status)))
        .map(code)
        .join(', '),
    ]),
  );
}

function grantsOf(tx: TransactionName): { roles: readonly Role[]; org: OrgRelation }[] | 'read' | 'terms' {
  if (tx === 'createAsset') return [CREATE_GRANT];
  if (tx === 'continueRecall') return grantsOf('recallAsset');
  if (tx === 'getTerms') return 'terms';
  if ((EVALUATE_TRANSACTIONS as readonly string[]).includes(tx)) return 'read';
  return TRANSITIONS.filter((t) => t.action === (tx as Action)).flatMap((t) => t.grants);
}

/** Roles × operations: for each transaction and role, the organisation relationship required. */
export function renderRoleMatrix(): string {
  const rows = (Object.keys(TRANSACTIONS) as TransactionName[]).map((tx) => {
    const grants = grantsOf(tx);
    const cells = ALL_ROLES.map((role) => {
      if (grants === 'read') return 'any org';
      if (grants === 'terms') return 'buyer or seller, on own peer';
      if (tx === 'createAsset') return CREATE_GRANT.roles.includes(role) ? 'own org' : '—';
      // Migration: an organisation's admin attests for its own organisation, or imports batches.
      if (tx === 'attestMigration' || tx === 'importRecords') return role === 'admin' ? 'member org' : '—';
      const relations = [...new Set(grants.filter((g) => g.roles.includes(role)).map((g) => RELATION[g.org]))];
      return relations.length === 0 ? '—' : relations.join('; ');
    });
    return [code(tx), ...cells];
  });
  return table(['Transaction', ...ALL_ROLES], rows);
}

/** Which organisations must endorse each submit transaction. */
export function renderEndorsement(): string {
  const rows = (Object.keys(ENDORSEMENT_RULES) as (keyof typeof ENDORSEMENT_RULES)[]).map((tx) => {
    const rule = ENDORSEMENT_RULES[tx];
    return [code(tx), rule.parties.map((p) => PARTY[p]).join(' + '), rule.note];
  });
  const reads = EVALUATE_TRANSACTIONS.map(code).join(', ');
  return `${table(['Transaction', 'Peers that must endorse', 'Why'], rows)}\n\nEvaluate (no endorsement policy; any peer, own organisation's peer for ${code('getTerms')}): ${reads}.`;
}

/** Events and their payloads. */
export function renderEvents(): string {
  const common = Object.entries(COMMON_EVENT_FIELDS)
    .map(([k, v]) => `${code(k)} (${v})`)
    .join(', ');
  const rows = Object.entries(EVENT_CATALOGUE).map(([name, d]) => [
    code(name),
    d.emittedBy.map(code).join(', '),
    Object.entries(d.fields)
      .map(([k, v]) => `${code(k)}: ${v}`)
      .join('; '),
  ]);
  return `Every payload also carries: ${common}.\n\n${table(['Event', 'Emitted by', 'Payload fields'], rows)}`;
}

/** Error codes. */
export function renderErrors(): string {
  return table(
    ['Code', 'Meaning', 'Suggested HTTP status'],
    Object.values(ERROR_CODES).map((c) => [code(c), ERROR_MEANING[c][0], ERROR_MEANING[c][1]]),
  );
}

/** Limits. */
export function renderLimits(): string {
  return table(
    ['Limit', 'Value', 'Bounds'],
    (Object.keys(LIMITS) as (keyof typeof LIMITS)[]).map((k) => [code(k), String(LIMITS[k]), LIMIT_MEANING[k]]),
  );
}

/** Every generated section of docs/chaincode.md, by marker name. */
export const GENERATED_SECTIONS: Readonly<Record<string, () => string>> = {
  'state-machine': renderStateMachine,
  'actions-by-status': renderActionsByStatus,
  'role-matrix': renderRoleMatrix,
  endorsement: renderEndorsement,
  events: renderEvents,
  errors: renderErrors,
  limits: renderLimits,
};

/**
 * Replaces the content of every generated section of `markdown`.
 *
 * @throws Error when a section's markers are missing.
 */
export function refreshGeneratedSections(markdown: string): string {
  let text = markdown;
  for (const [name, render] of Object.entries(GENERATED_SECTIONS)) {
    const begin = `<!-- BEGIN GENERATED: ${name} -->`;
    const end = `<!-- END GENERATED: ${name} -->`;
    const from = text.indexOf(begin);
    const to = text.indexOf(end);
    if (from < 0 || to < from) {
      throw new Error(`docs/chaincode.md lacks the markers of section '${name}'`);
    }
    text = `${text.slice(0, from + begin.length)}\n${render()}\n${text.slice(to)}`;
  }
  return text;
}
