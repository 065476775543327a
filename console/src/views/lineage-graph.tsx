import type { Asset, Lineage, LineageNode } from '../api/client';
import { assetHref } from '../router';
import { org } from '../ui';

const COL = 250;
const ROW = 76;
const W = 214;
const H = 58;

interface Placed {
  readonly id: string;
  readonly label: string;
  readonly sub: string;
  readonly owner: string;
  readonly x: number;
  readonly y: number;
  readonly self: boolean;
}

/**
 * Splits and merges around an asset: ancestors to the left (by depth), descendants to the right,
 * every node a link to its page. A list of the same links follows for screen readers and phones.
 */
export function LineageGraph({ asset, lineage }: { asset: Asset; lineage: Lineage }) {
  const columns = new Map<number, { id: string; label: string; sub: string; owner: string }[]>();
  const add = (col: number, n: { id: string; label: string; sub: string; owner: string }) => {
    const list = columns.get(col) ?? [];
    if (!list.some((x) => x.id === n.id)) list.push(n);
    columns.set(col, list);
  };
  const describe = (n: LineageNode) => ({
    id: n.id,
    label: n.id,
    sub: `${n.status} · ${n.sku}`,
    owner: org(n.owner),
  });
  add(0, {
    id: asset.id,
    label: asset.id,
    sub: `${asset.status} · ${asset.product.sku}`,
    owner: org(asset.owner),
  });
  for (const n of lineage.ancestors) add(-n.depth, describe(n));
  for (const n of lineage.descendants) add(n.depth, describe(n));

  const cols = [...columns.keys()].sort((a, b) => a - b);
  const minCol = cols[0] ?? 0;
  const tallest = Math.max(...[...columns.values()].map((l) => l.length));
  const placed = new Map<string, Placed>();
  for (const col of cols) {
    const list = columns.get(col) ?? [];
    const offset = ((tallest - list.length) * ROW) / 2;
    list.forEach((n, i) =>
      placed.set(n.id, {
        ...n,
        x: (col - minCol) * COL + 8,
        y: offset + i * ROW + 8,
        self: n.id === asset.id,
      }),
    );
  }
  const edges: [Placed, Placed][] = [];
  const link = (parent: string, child: string) => {
    const p = placed.get(parent);
    const c = placed.get(child);
    if (p && c && !edges.some(([a, b]) => a.id === p.id && b.id === c.id)) edges.push([p, c]);
  };
  for (const n of [...lineage.ancestors, ...lineage.descendants]) {
    for (const c of n.children) link(n.id, c);
    for (const p of n.parents) link(p, n.id);
  }
  for (const c of asset.children) link(asset.id, c);
  for (const p of asset.parents) link(p, asset.id);

  const width = (cols.length - 1) * COL + W + 16;
  const height = tallest * ROW + 16;
  if (placed.size === 1)
    return <p class="muted">No splits or merges: this asset has no parents or children.</p>;
  return (
    <>
      <div class="graph-wrap" tabIndex={0} role="region" aria-label="Lineage graph">
        <svg
          class="lineage"
          viewBox={`0 0 ${width} ${height}`}
          width={width}
          height={height}
          role="group"
          aria-label={`Lineage of ${asset.id}`}
        >
          {edges.map(([p, c]) => (
            <path
              key={`${p.id}>${c.id}`}
              class="edge"
              d={`M${p.x + W},${p.y + H / 2} C${p.x + W + 20},${p.y + H / 2} ${c.x - 20},${c.y + H / 2} ${c.x},${c.y + H / 2}`}
            />
          ))}
          {[...placed.values()].map((n) => (
            <a key={n.id} href={assetHref(n.id)} aria-current={n.self ? 'page' : undefined}>
              <rect class={n.self ? 'node self' : 'node'} x={n.x} y={n.y} width={W} height={H} rx={6} />
              <text x={n.x + 8} y={n.y + 18} class="node-label">
                {clip(n.label, 25)}
              </text>
              <text x={n.x + 8} y={n.y + 35} class="node-sub">
                {clip(n.sub, 32)}
              </text>
              <text x={n.x + 8} y={n.y + 50} class="node-sub">
                {n.owner}
              </text>
            </a>
          ))}
        </svg>
      </div>
      <div class="lineage-lists">
        <NodeList title="Comes from" nodes={lineage.ancestors} />
        <NodeList title="Went into" nodes={lineage.descendants} />
      </div>
      {lineage.truncated ? <p class="muted">More lineage exists beyond depth {lineage.depth}.</p> : null}
    </>
  );
}

function NodeList({ title, nodes }: { title: string; nodes: readonly LineageNode[] }) {
  if (nodes.length === 0) return null;
  return (
    <div>
      <h3>{title}</h3>
      <ul>
        {nodes.map((n) => (
          <li key={n.id}>
            <a href={assetHref(n.id)}>{n.id}</a>{' '}
            <span class="muted">
              (depth {n.depth}, {n.status})
            </span>
          </li>
        ))}
      </ul>
    </div>
  );
}

function clip(text: string, chars: number): string {
  return text.length > chars ? `${text.slice(0, chars - 1)}…` : text;
}
