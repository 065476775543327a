import { useCallback, useEffect, useState } from 'preact/hooks';
import { ALL_ASSET_STATUSES } from '../../../chaincode/src/constants';
import { api, type Asset, ok } from '../api/client';
import type { paths } from '../api/schema';

type ListQuery = NonNullable<paths['/v1/assets']['get']['parameters']['query']>;
import { onLedgerChange } from '../live';
import { assetHref, href } from '../router';
import { Loading, org, ProblemNotice, Status, time } from '../ui';

const FIELDS = ['q', 'sku', 'status', 'owner', 'custodian', 'createdFrom', 'createdTo', 'sort'] as const;
type Field = (typeof FIELDS)[number];
const SORTS = [
  ['-updatedAt', 'Last changed, newest first'],
  ['updatedAt', 'Last changed, oldest first'],
  ['-createdAt', 'Created, newest first'],
  ['createdAt', 'Created, oldest first'],
  ['id', 'ID'],
] as const;
const PAGE = 20;

/**
 * Full-text and field search over the read model, state kept in the URL (shareable, back works).
 * The form's fields are uncontrolled (defaults from the URL, remounted per query): a re-render while
 * the user types — an answer or a ledger event arriving — must not put the old value back.
 */
export function Search({ params }: { params: URLSearchParams }) {
  const filters = Object.fromEntries(FIELDS.map((f) => [f, params.get(f) ?? ''])) as Record<Field, string>;
  const cursor = params.get('cursor') ?? undefined;
  const [answer, setAnswer] = useState<{ key: string; items: Asset[]; next: string | null }>();
  const [error, setError] = useState<unknown>();
  const key = params.toString();
  // Only the answer to the query on screen counts: the previous query's results (or a slower,
  // older response arriving late) are never shown under the new filters.
  const result = answer?.key === key ? answer : undefined;

  const load = useCallback(async (isCurrent: () => boolean) => {
    try {
      const query: ListQuery = {
        source: 'read-model' as const,
        limit: PAGE,
        sort: (filters.sort || '-updatedAt') as ListQuery['sort'],
        ...(filters.q ? { q: filters.q } : {}),
        ...(filters.sku ? { sku: filters.sku } : {}),
        ...(filters.status ? { status: filters.status as ListQuery['status'] } : {}),
        ...(filters.owner ? { owner: filters.owner } : {}),
        ...(filters.custodian ? { custodian: filters.custodian } : {}),
        ...(filters.createdFrom ? { createdFrom: new Date(filters.createdFrom).toISOString() } : {}),
        ...(filters.createdTo
          ? { createdTo: new Date(`${filters.createdTo}T23:59:59.999`).toISOString() }
          : {}),
        ...(cursor ? { cursor } : {}),
      };
      const list = ok(await api.GET('/v1/assets', { params: { query } }));
      if (!isCurrent()) return;
      setAnswer({ key, items: list.items, next: list.nextCursor });
      setError(undefined);
    } catch (err) {
      if (isCurrent()) setError(err);
    }
    // `key` (the whole query string) stands for every filter.
  }, [key]);

  useEffect(() => {
    let current = true;
    const isCurrent = () => current;
    void load(isCurrent);
    const unsubscribe = onLedgerChange(() => void load(isCurrent));
    return () => {
      current = false;
      unsubscribe();
    };
  }, [load]);

  const submit = (e: Event) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget as HTMLFormElement);
    location.hash = href(['search'], Object.fromEntries(FIELDS.map((f) => [f, fieldText(form.get(f))])));
  };

  return (
    <>
      <h1>Search</h1>
      <form class="card search" role="search" onSubmit={submit} key={key}>
        <div class="grid">
          <Input name="q" label="Text (SKU or description)" value={filters.q} type="search" />
          <Input name="sku" label="SKU" value={filters.sku} />
          <div class="field">
            <label for="f-status">Status</label>
            <select id="f-status" name="status">
              <option value="" selected={!filters.status}>
                Any
              </option>
              {ALL_ASSET_STATUSES.map((s) => (
                <option key={s} value={s} selected={filters.status === s}>
                  {s}
                </option>
              ))}
            </select>
          </div>
          <Input name="owner" label="Owner (MSP ID)" value={filters.owner} />
          <Input name="custodian" label="Custodian (MSP ID)" value={filters.custodian} />
          <Input name="createdFrom" label="Created from" value={filters.createdFrom} type="date" />
          <Input name="createdTo" label="Created until" value={filters.createdTo} type="date" />
          <div class="field">
            <label for="f-sort">Sort</label>
            <select id="f-sort" name="sort">
              {SORTS.map(([v, l]) => (
                <option key={v} value={v} selected={(filters.sort || '-updatedAt') === v}>
                  {l}
                </option>
              ))}
            </select>
          </div>
        </div>
        <button type="submit">Search</button>
      </form>
      <ProblemNotice error={error} />
      {result === undefined ? (
        error ? null : (
          <Loading what="results" />
        )
      ) : (
        <>
          <p class="muted" role="status">
            {result.items.length === 0 ? 'No asset matches.' : `${result.items.length} shown`}
          </p>
          {result.items.length > 0 ? (
            <div class="table-wrap" tabIndex={0} role="region" aria-label="Matching assets">
              <table class="results">
                <caption class="sr-only">Matching assets</caption>
                <thead>
                  <tr>
                    <th scope="col">Asset</th>
                    <th scope="col">Product</th>
                    <th scope="col">Status</th>
                    <th scope="col">Owner</th>
                    <th scope="col">Custodian</th>
                    <th scope="col">Last changed</th>
                  </tr>
                </thead>
                <tbody>
                  {result.items.map((a) => (
                    <tr key={a.id} data-asset={a.id}>
                      <th scope="row">
                        <a href={assetHref(a.id)}>{a.id}</a>
                      </th>
                      <td>
                        {a.product.sku} · {a.product.description}
                      </td>
                      <td>
                        <Status status={a.status} />
                      </td>
                      <td>{org(a.owner)}</td>
                      <td>{org(a.custodian)}</td>
                      <td>{time(a.updatedAt)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ) : null}
          <nav class="pager" aria-label="Pages">
            {cursor ? <a href={href(['search'], { ...filters, cursor: undefined })}>First page</a> : null}
            {result.next ? (
              <a href={href(['search'], { ...filters, cursor: result.next })}>Next page</a>
            ) : null}
          </nav>
        </>
      )}
    </>
  );
}

function Input(props: { name: Field; label: string; value: string; type?: string }) {
  return (
    <div class="field">
      <label for={`f-${props.name}`}>{props.label}</label>
      <input id={`f-${props.name}`} name={props.name} type={props.type ?? 'text'}
        defaultValue={props.value}
      />
    </div>
  );
}

function fieldText(value: FormDataEntryValue | null): string {
  return typeof value === 'string' ? value : '';
}
