import { useCallback, useEffect, useState } from 'preact/hooks';
import { api, type ConsoleSession, ok } from '../api/client';
import { onLedgerChange } from '../live';
import { assetHref } from '../router';
import { Loading, ProblemNotice, Status, time } from '../ui';
import { ACTION_LABELS, runAction } from './actions';
import { type ActionKind, type InboxItem, inboxItemsOf } from './inbox-items';

/** Assets scanned for the inbox: the most recently changed page of the read model. */
const SCAN = 100;

/** What waits for this organisation, refreshed live as ledger events arrive. */
export function Inbox({ session }: { session: ConsoleSession }) {
  const [items, setItems] = useState<InboxItem[] | undefined>();
  const [error, setError] = useState<unknown>();
  const load = useCallback(async () => {
    try {
      const list = ok(
        await api.GET('/v1/assets', {
          params: { query: { source: 'read-model', sort: '-updatedAt', limit: SCAN } },
        }),
      );
      setItems(inboxItemsOf(list.items, session.mspId));
      setError(undefined);
    } catch (err) {
      setError(err);
    }
  }, [session.mspId]);
  useEffect(() => {
    void load();
    return onLedgerChange(() => void load());
  }, [load]);

  return (
    <>
      <h1>Inbox</h1>
      <p class="muted">
        What waits for {session.organization}: handovers and sales proposed to you or by you, holds and
        recalls on goods you hold.
      </p>
      <ProblemNotice error={error} />
      {items === undefined ? (
        error ? null : (
          <Loading what="the inbox" />
        )
      ) : items.length === 0 ? (
        <p class="empty">Nothing waits for you.</p>
      ) : (
        <ul class="inbox" aria-label="Waiting for you">
          {items.map((item) => (
            <InboxRow key={`${item.asset.id}:${item.what}`} item={item} onDone={() => void load()} />
          ))}
        </ul>
      )}
    </>
  );
}

function InboxRow({ item, onDone }: { item: InboxItem; onDone: () => void }) {
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState<ActionKind | undefined>();
  const act = async (kind: ActionKind) => {
    setBusy(kind);
    setError(undefined);
    try {
      await runAction(item.asset.id, kind);
      onDone();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(undefined);
    }
  };
  const a = item.asset;
  return (
    <li class="card inbox-item" data-asset={a.id}>
      <div class="row">
        <a href={assetHref(a.id)} class="asset-link">
          {a.id}
        </a>
        <Status status={a.status} />
        <span class="muted">
          {a.product.sku} · {a.product.description} · {a.quantity.amount} {a.quantity.unit}
        </span>
      </div>
      <p>{item.what}</p>
      <p class="muted small">Changed {time(a.updatedAt)}</p>
      {item.actions.length > 0 ? (
        <div class="actions">
          {item.actions.map((kind) => (
            <button
              type="button"
              key={kind}
              class={kind.endsWith('accept') ? '' : 'secondary'}
              disabled={busy !== undefined}
              onClick={() => void act(kind)}
            >
              {busy === kind ? 'Working…' : ACTION_LABELS[kind]}
            </button>
          ))}
        </div>
      ) : null}
      <ProblemNotice error={error} />
    </li>
  );
}
