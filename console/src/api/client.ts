import createClient, { type Middleware } from 'openapi-fetch';
import type { components, paths } from './schema';

/** Shapes of the API, generated from the gateway's OpenAPI document (console/openapi.json). */
export type Schemas = components['schemas'];
export type Asset = Schemas['Asset'];
export type AssetHistoryEntry = Schemas['AssetHistoryEntry'];
export type Lineage = Schemas['Lineage'];
export type LineageNode = Schemas['LineageNode'];
export type ConsoleSession = Schemas['ConsoleSessionView'];
export type Problem = Schemas['Problem'];
export type LedgerEvent = Schemas['LedgerEventView'];

/** A refused call: the gateway's problem+json, shown to the person as title and detail. */
export class ProblemError extends Error {
  constructor(readonly problem: Readonly<Partial<Problem>> & { readonly title: string }) {
    super(problem.detail ? `${problem.title}: ${problem.detail}` : problem.title);
    this.name = 'ProblemError';
  }
}

const expiryListeners = new Set<() => void>();

/** Called when the gateway says the session is over (expired, revoked key, restarted gateway). */
export function onSessionEnded(listener: () => void): () => void {
  expiryListeners.add(listener);
  return () => expiryListeners.delete(listener);
}

const sessionEnded: Middleware = {
  onResponse({ response, request }) {
    if (response.status === 401 && !new URL(request.url).pathname.startsWith('/v1/console/session'))
      for (const l of expiryListeners) l();
    return undefined;
  },
};

/**
 * The typed client. Same origin: the session cookie authenticates; the console header marks
 * writes as coming from the console (the gateway refuses cookie-authenticated writes without it).
 */
export const api = createClient<paths>({
  baseUrl: location.origin,
  credentials: 'same-origin',
  headers: { 'x-waybill-console': '1' },
});
api.use(sessionEnded);

/** The data of an answer, or a {@link ProblemError} carrying its problem. */
export function ok<T>(answer: { data?: T; error?: unknown; response: Response }): T {
  if (answer.error !== undefined || answer.data === undefined) {
    const p = answer.error as Partial<Problem> | undefined;
    throw new ProblemError({
      ...p,
      title: p?.title ?? `${answer.response.status} ${answer.response.statusText}`,
    });
  }
  return answer.data;
}

/** The message to show for any failure. */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
