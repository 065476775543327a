import { orgApi } from './api';

/** One Server-Sent Event. */
export interface SseEvent {
  readonly id: string;
  readonly event: string;
  readonly data: { id: string; name: string; txId: string; blockNumber: number; assetIds: string[]; payload: Record<string, unknown> };
}

/** An open SSE stream of an organisation's gateway, collecting events as they arrive. */
export interface SseStream {
  readonly events: SseEvent[];
  readonly status: number;
  /** Resolves once `n` events arrived (rejects after `ms`). */
  waitFor(n: number, ms?: number): Promise<SseEvent[]>;
  close(): void;
}

/** Opens `GET <path>` on `org`'s API as `identity` and parses the `text/event-stream` body. */
export async function openSse(
  org: string,
  path: string,
  identity: string,
  headers: Record<string, string> = {},
): Promise<SseStream> {
  const api = orgApi(org);
  const controller = new AbortController();
  const res = await fetch(`${api.url}${path}`, {
    headers: { 'x-api-key': api.keys[identity] ?? '', accept: 'text/event-stream', ...headers },
    signal: controller.signal,
  });
  const events: SseEvent[] = [];
  let waiters: (() => void)[] = [];
  let ended = false;
  void (async () => {
    try {
      const decoder = new TextDecoder();
      let text = '';
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        text += decoder.decode(chunk, { stream: true });
        let cut;
        while ((cut = text.indexOf('\n\n')) >= 0) {
          const frame = text.slice(0, cut);
          text = text.slice(cut + 2);
          const fields: Record<string, string> = {};
          for (const line of frame.split('\n')) {
            if (line.startsWith(':')) continue;
            const i = line.indexOf(':');
            if (i > 0) fields[line.slice(0, i)] = line.slice(i + 1).trimStart();
          }
          if (fields.id !== undefined && fields.data !== undefined) {
            events.push({ id: fields.id, event: fields.event ?? '', data: JSON.parse(fields.data) as SseEvent['data'] });
            for (const w of waiters) w();
          }
        }
      }
    } catch {
      // aborted by close(), or the gateway went away
    } finally {
      ended = true;
      for (const w of waiters) w();
    }
  })();
  return {
    events,
    status: res.status,
    async waitFor(n, ms = 60_000) {
      const end = Date.now() + ms;
      while (events.length < n) {
        if (ended) throw new Error(`stream ended after ${events.length} of ${n} events`);
        const left = end - Date.now();
        if (left <= 0) throw new Error(`only ${events.length} of ${n} events within ${ms} ms`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, Math.min(left, 1000));
          waiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
        waiters = [];
      }
      return events.slice(0, n);
    },
    close: () => controller.abort(),
  };
}
