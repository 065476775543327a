import { useState } from 'preact/hooks';
import { api, type Asset, ok, ProblemError } from '../api/client';
import { org, ProblemNotice, time } from '../ui';

const PURPOSE = /^[A-Za-z0-9][A-Za-z0-9 ._:/-]{0,127}$/;

/**
 * Personal-data references, masked. Revealing one asks for a purpose (a short label that goes to
 * the access log with the identity); the gateway decides by role and category and may refuse.
 */
export function PersonalData({ asset }: { asset: Asset }) {
  if (asset.personalDataRefs.length === 0) return <p class="muted">No personal-data references.</p>;
  return (
    <ul class="pd">
      {asset.personalDataRefs.map((r) => (
        <PersonalDataRow
          key={r.ref}
          personalRef={r.ref}
          category={r.category}
          controller={r.controllerOrg}
          erasedAt={r.erasedAt}
        />
      ))}
    </ul>
  );
}

function PersonalDataRow(props: {
  personalRef: string;
  category: string;
  controller: string;
  erasedAt: string | null;
}) {
  const [purpose, setPurpose] = useState('');
  const [value, setValue] = useState<string | undefined>();
  const [error, setError] = useState<unknown>();
  const reveal = async (e: Event) => {
    e.preventDefault();
    setError(undefined);
    if (!PURPOSE.test(purpose)) {
      setError(
        new ProblemError({
          title: 'State a purpose',
          detail: 'a short label such as delivery or customer-request-4711',
        }),
      );
      return;
    }
    try {
      const record = ok(
        await api.GET('/v1/personal-data/records/{ref}', {
          params: { path: { ref: props.personalRef }, header: { 'X-Purpose': purpose } },
        }),
      );
      setValue(record.value);
    } catch (err) {
      setError(err);
    }
  };
  const id = `pd-${props.personalRef}`;
  return (
    <li class="card">
      <p>
        <strong>{props.category}</strong> · controlled by {org(props.controller)} ·{' '}
        {props.erasedAt ? (
          `erased ${time(props.erasedAt)}`
        ) : (
          <span class="masked">{value ?? '•••••••• (masked)'}</span>
        )}
      </p>
      {props.erasedAt || value !== undefined ? null : (
        <form class="reveal" onSubmit={(e) => void reveal(e)}>
          <label for={id}>Purpose of reveal</label>
          <input id={id} value={purpose} onInput={(e) => setPurpose(e.currentTarget.value)} maxLength={128} />
          <button type="submit" class="secondary">
            Reveal (logged)
          </button>
        </form>
      )}
      <ProblemNotice error={error} />
    </li>
  );
}
