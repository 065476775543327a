import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ok } from '../api/client';

/** Block numbers by transaction ID, asked of the gateway once per page load. */
const known = new Map<string, Promise<number | undefined>>();
/** At most this many status requests at a time: a long timeline scrolled fast must not flood. */
const PARALLEL = 4;
let running = 0;
const waiting: (() => void)[] = [];

async function limited<T>(task: () => Promise<T>): Promise<T> {
  if (running >= PARALLEL) await new Promise<void>((resolve) => waiting.push(resolve));
  running++;
  try {
    return await task();
  } finally {
    running--;
    waiting.shift()?.();
  }
}

/** The block that committed `txId` (`GET /v1/transactions/{txId}`); undefined if not committed. */
export function blockOf(txId: string): Promise<number | undefined> {
  let block = known.get(txId);
  if (!block) {
    block = limited(async () => {
      const status = ok(await api.GET('/v1/transactions/{txId}', { params: { path: { txId } } }));
      return status.status === 'COMMITTED' ? status.blockNumber : undefined;
    });
    known.set(txId, block);
  }
  return block;
}

/**
 * "block N" for a timeline entry, asked for only once the entry scrolls into view: the history
 * API carries no block numbers, and 500 status requests up front would cost more than the page.
 */
export function BlockNumber({ txId }: { txId: string }) {
  const ref = useRef<HTMLSpanElement>(null);
  const [block, setBlock] = useState<number | null | undefined>();
  useEffect(() => {
    const element = ref.current;
    if (!element) return;
    let live = true;
    const observer = new IntersectionObserver((entries) => {
      if (!entries.some((e) => e.isIntersecting)) return;
      observer.disconnect();
      blockOf(txId).then(
        (b) => live && setBlock(b ?? null),
        () => live && setBlock(null),
      );
    });
    observer.observe(element);
    return () => {
      live = false;
      observer.disconnect();
    };
  }, [txId]);
  return (
    <span ref={ref} class="muted small block-number">
      {block === undefined ? 'block …' : block === null ? 'block ?' : `block ${block}`}
    </span>
  );
}
