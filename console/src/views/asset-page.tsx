import { useCallback, useEffect, useState } from 'preact/hooks';
import {
  api,
  type Asset,
  type AssetHistoryEntry,
  type ConsoleSession,
  type Lineage,
  ok,
  type Schemas,
} from '../api/client';
import { onLedgerChange } from '../live';
import { assetHref } from '../router';
import { Loading, org, ProblemNotice, Section, Status, time, TxId } from '../ui';
import { ACTION_LABELS, runAction } from './actions';
import { type ActionKind, inboxItemsOf } from './inbox-items';
import { BlockNumber } from './block-number';
import { Documents } from './documents';
import { changesOf, holdingsOf } from './history';
import { LineageGraph } from './lineage-graph';
import { PersonalData } from './personal-data';

interface Loaded {
  readonly asset: Asset;
  readonly history: { entries: AssetHistoryEntry[]; truncated: boolean };
  readonly lineage: Lineage;
  readonly recall?: Schemas['RecallRecord'];
}

/** One asset: status and holders, timeline, custody chain, lineage, documents, recall, personal data. */
export function AssetPage({ id, session }: { id: string; session: ConsoleSession }) {
  const [data, setData] = useState<Loaded | undefined>();
  const [error, setError] = useState<unknown>();
  const load = useCallback(async () => {
    try {
      const path = { params: { path: { assetId: id } } };
      const [asset, history, lineage] = await Promise.all([
        api.GET('/v1/assets/{assetId}', path).then(ok),
        api.GET('/v1/assets/{assetId}/history', path).then(ok),
        api
          .GET('/v1/assets/{assetId}/lineage', { params: { path: { assetId: id }, query: { depth: 5 } } })
          .then(ok),
      ]);
      const recall = asset.recall
        ? await api
            .GET('/v1/recalls/{recallId}', { params: { path: { recallId: asset.recall.recallId } } })
            .then(ok)
        : undefined;
      setData({ asset, history, lineage, ...(recall ? { recall } : {}) });
      setError(undefined);
    } catch (err) {
      setError(err);
    }
  }, [id]);

  useEffect(() => {
    setData(undefined);
    void load();
    return onLedgerChange(
      () => void load(),
      (event) => event.assetIds.includes(id),
    );
  }, [id, load]);

  useEffect(() => {
    document.title = `${id} · Waybill console`;
  }, [id]);

  if (!data)
    return (
      <>
        <h1>{id}</h1>
        <ProblemNotice error={error} />
        {error ? null : <Loading what="the asset" />}
      </>
    );
  const { asset, history, lineage, recall } = data;
  return (
    <>
      <h1>
        {asset.id} <Status status={asset.status} />
      </h1>
      <ProblemNotice error={error} />
      <Section title="Summary" id="summary">
        <dl class="facts">
          <dt>Product</dt>
          <dd>
            {asset.product.sku} · {asset.product.description}
          </dd>
          <dt>Quantity</dt>
          <dd>
            {asset.quantity.amount} {asset.quantity.unit}
          </dd>
          <dt>Origin</dt>
          <dd>
            {asset.origin.site}, {asset.origin.country}
          </dd>
          <dt>Owner (title)</dt>
          <dd data-testid="owner">{org(asset.owner)}</dd>
          <dt>Custodian</dt>
          <dd data-testid="custodian">{org(asset.custodian)}</dd>
          {asset.pendingHandover ? (
            <>
              <dt>Pending handover</dt>
              <dd data-testid="pending-handover">
                {org(asset.pendingHandover.from)} → {org(asset.pendingHandover.to)} since{' '}
                {time(asset.pendingHandover.proposedAt)}
              </dd>
            </>
          ) : null}
          {asset.pendingSale ? (
            <>
              <dt>Pending sale</dt>
              <dd>
                {org(asset.pendingSale.seller)} → {org(asset.pendingSale.buyer)} since{' '}
                {time(asset.pendingSale.proposedAt)}
              </dd>
            </>
          ) : null}
          {asset.hold ? (
            <>
              <dt>Hold</dt>
              <dd>
                {asset.hold.reason} (by {org(asset.hold.byOrg)}, {time(asset.hold.at)})
              </dd>
            </>
          ) : null}
        </dl>
        <AssetActions asset={asset} session={session} onDone={() => void load()} />
      </Section>
      {recall ? (
        <Section title="Recall" id="recall">
          <p>
            {recall.reason} — started by {org(recall.initiatorOrg)} ({recall.initiatorRole}) on{' '}
            {time(recall.createdAt)}; {recall.complete ? 'complete' : `${recall.queue.length} still queued`}.{' '}
            {recall.markedCount} assets marked:
          </p>
          <ul class="inline">
            {[recall.rootAssetId, ...lineage.descendants.map((d) => d.id)].map((a) => (
              <li key={a}>
                <a href={assetHref(a)}>{a}</a>
              </li>
            ))}
          </ul>
        </Section>
      ) : null}
      <Section title="Custody chain" id="custody">
        <Chain entries={history.entries} field="custodian" label="custody" />
        <h3>Title</h3>
        <Chain entries={history.entries} field="owner" label="title" />
      </Section>
      <Section title="Lineage" id="lineage">
        <LineageGraph asset={asset} lineage={lineage} />
      </Section>
      <Section title="Documents" id="documents">
        <Documents asset={asset} />
      </Section>
      <Section title="Personal data" id="personal-data">
        <PersonalData asset={asset} />
      </Section>
      <Section
        title={`Timeline (${history.entries.length}${history.truncated ? '+' : ''} versions)`}
        id="timeline"
      >
        <ol class="timeline">
          {history.entries.map((entry, i) => (
            <li key={entry.txId}>
              <time dateTime={entry.timestamp}>{time(entry.timestamp)}</time> <TxId id={entry.txId} />{' '}
              <BlockNumber txId={entry.txId} />
              <ul>
                {changesOf(entry, history.entries[i + 1]).map((c) => (
                  <li key={c}>{c}</li>
                ))}
              </ul>
            </li>
          ))}
        </ol>
        {history.truncated ? <p class="muted">Older versions are not shown (history limit).</p> : null}
      </Section>
    </>
  );
}

function Chain({
  entries,
  field,
  label,
}: {
  entries: AssetHistoryEntry[];
  field: 'custodian' | 'owner';
  label: string;
}) {
  const chain = holdingsOf(entries, field);
  return (
    <ol class="chain" aria-label={`Chain of ${label}`}>
      {chain.map((h) => (
        <li key={`${h.org}:${h.txId}`}>
          <strong>{org(h.org)}</strong>
          <span class="muted small">
            {' '}
            from {time(h.since)}
            {h.until ? ` to ${time(h.until)}` : ' (now)'} · <TxId id={h.txId} />
          </span>
        </li>
      ))}
    </ol>
  );
}

function AssetActions({
  asset,
  session,
  onDone,
}: {
  asset: Asset;
  session: ConsoleSession;
  onDone: () => void;
}) {
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const actions = inboxItemsOf([asset], session.mspId).flatMap((i) => i.actions);
  if (actions.length === 0) return null;
  const act = async (kind: ActionKind) => {
    setBusy(true);
    setError(undefined);
    try {
      await runAction(asset.id, kind);
      onDone();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <div class="actions">
        {actions.map((kind) => (
          <button
            type="button"
            key={kind}
            class={kind.endsWith('accept') ? '' : 'secondary'}
            disabled={busy}
            onClick={() => void act(kind)}
          >
            {ACTION_LABELS[kind]}
          </button>
        ))}
      </div>
      <ProblemNotice error={error} />
    </>
  );
}
