import { EVENTS } from '../../chaincode/src/constants';
import type { LedgerEvent } from './api/client';

type Listener = (event: LedgerEvent) => void;

const listeners = new Set<Listener>();
let source: EventSource | undefined;
let connected = false;
const statusListeners = new Set<(connected: boolean) => void>();

/**
 * One Server-Sent Events connection per page to the gateway's event stream (`GET /v1/events`,
 * authenticated by the session cookie); views subscribe and refresh what the event concerns.
 * EventSource reconnects by itself and resumes after the last event ID it saw.
 */
export function startLive(): void {
  if (source) return;
  source = new EventSource('/v1/events');
  source.onopen = () => setConnected(true);
  source.onerror = () => setConnected(false);
  for (const name of Object.values(EVENTS)) {
    source.addEventListener(name, (message: MessageEvent<string>) => {
      const event = JSON.parse(message.data) as LedgerEvent;
      for (const l of listeners) l(event);
    });
  }
}

export function stopLive(): void {
  source?.close();
  source = undefined;
  setConnected(false);
}

/** Calls `listener` with every ledger event from now on; returns the unsubscribe. */
export function onLedgerEvent(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/**
 * Calls `refresh` once after a burst of matching events has settled (`quietMs` after the first),
 * so a view reloads once for a block of many events rather than once per event.
 */
export function onLedgerChange(
  refresh: () => void,
  matches: (event: LedgerEvent) => boolean = () => true,
  quietMs = 250,
): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const off = onLedgerEvent((event) => {
    if (!matches(event) || timer !== undefined) return;
    timer = setTimeout(() => {
      timer = undefined;
      refresh();
    }, quietMs);
  });
  return () => {
    off();
    if (timer !== undefined) clearTimeout(timer);
  };
}

export function onLiveStatus(listener: (connected: boolean) => void): () => void {
  statusListeners.add(listener);
  listener(connected);
  return () => statusListeners.delete(listener);
}

function setConnected(value: boolean): void {
  connected = value;
  for (const l of statusListeners) l(value);
}
