import { createHash } from 'node:crypto';
import { connectAs } from './fabric';

/** Every block of the channel, as the raw protobuf bytes a peer delivers. */
export interface ChannelBlocks {
  readonly blocks: readonly { readonly number: bigint; readonly bytes: Buffer }[];
  /** All blocks concatenated, for searching. */
  readonly all: Buffer;
}

/**
 * Reads blocks 0 … `untilBlock` of the channel from a peer (Fabric's deliver service, through
 * fabric-gateway's block events) as `identityId` of `org`.
 */
export async function readChannelBlocks(
  org: string,
  identityId: string,
  untilBlock: bigint,
): Promise<ChannelBlocks> {
  const session = connectAs(org, identityId);
  const blocks: { number: bigint; bytes: Buffer }[] = [];
  try {
    const events = await session.network.getBlockEvents({ startBlock: 0n });
    try {
      for await (const block of events) {
        const number = BigInt(block.getHeader()?.getNumber() ?? -1);
        blocks.push({ number, bytes: Buffer.from(block.serializeBinary()) });
        if (number >= untilBlock) break;
      }
    } finally {
      events.close();
    }
  } finally {
    session.close();
  }
  return { blocks, all: Buffer.concat(blocks.map((b) => b.bytes)) };
}

/**
 * The byte patterns under which a personal value could leak: the value in UTF-8 (as given and in
 * lower case), in base64, and its unsalted SHA-256 as raw bytes, hex (both cases) and base64.
 */
export function leakPatterns(value: string): { readonly label: string; readonly bytes: Buffer }[] {
  const digest = createHash('sha256').update(value, 'utf8').digest();
  return [
    { label: 'utf8', bytes: Buffer.from(value, 'utf8') },
    { label: 'utf8 lower case', bytes: Buffer.from(value.toLowerCase(), 'utf8') },
    { label: 'base64', bytes: Buffer.from(Buffer.from(value, 'utf8').toString('base64'), 'utf8') },
    { label: 'sha256 raw', bytes: digest },
    { label: 'sha256 hex', bytes: Buffer.from(digest.toString('hex'), 'utf8') },
    { label: 'sha256 HEX', bytes: Buffer.from(digest.toString('hex').toUpperCase(), 'utf8') },
    { label: 'sha256 base64', bytes: Buffer.from(digest.toString('base64'), 'utf8') },
  ];
}

/** Which of `values` appear in `haystack` under any {@link leakPatterns} form (`value (form)`). */
export function findLeaks(haystack: Buffer, values: readonly string[]): string[] {
  return values.flatMap((value) =>
    leakPatterns(value)
      .filter((p) => haystack.includes(p.bytes))
      .map((p) => `${value} (${p.label})`),
  );
}
