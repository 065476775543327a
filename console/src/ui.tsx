import type { ComponentChildren } from 'preact';
import { ProblemError } from './api/client';

/** A refused action or failed load: the problem's title and detail, announced to screen readers. */
export function ProblemNotice({ error }: { error: unknown }) {
  if (error === undefined || error === null) return null;
  const title = error instanceof ProblemError ? error.problem.title : 'Something went wrong';
  const detail =
    error instanceof ProblemError ? error.problem.detail : error instanceof Error ? error.message : undefined;
  const code = error instanceof ProblemError ? error.problem.code : undefined;
  return (
    <div class="problem" role="alert" data-code={code}>
      <strong class="problem-title">{title}</strong>
      {detail ? <p class="problem-detail">{detail}</p> : null}
    </div>
  );
}

export function Status({ status }: { status: string }) {
  return <span class={`status status-${status.toLowerCase()}`}>{status.replace('_', ' ')}</span>;
}

/** An MSP ID as the organisation name people know (`CarrierMSP` → `Carrier`). */
export function org(mspId: string | null | undefined): string {
  return mspId ? mspId.replace(/MSP$/, '') : '—';
}

// One formatter for every timestamp: toLocaleString with options builds a new one per call,
// which a 500-entry timeline notices.
const DATE_TIME = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

export function time(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : DATE_TIME.format(d);
}

/** A transaction ID, shortened for reading but whole for copying and assistive technology. */
export function TxId({ id }: { id: string }) {
  return (
    <code class="txid" title={id} aria-label={`transaction ${id}`}>
      {id.slice(0, 12)}…
    </code>
  );
}

export function Section({ title, id, children }: { title: string; id: string; children: ComponentChildren }) {
  return (
    <section class="card" aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      {children}
    </section>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p class="muted" role="status">
      Loading {what}…
    </p>
  );
}
