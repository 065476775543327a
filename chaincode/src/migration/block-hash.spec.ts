import { createHash } from 'crypto';
import { blockHeaderHash } from './block-hash';

/** SHA-256 of the DER bytes written out by hand, as protoutil.BlockHeaderBytes encodes a header. */
function expected(der: number[]): string {
  return createHash('sha256').update(Buffer.from(der)).digest('hex');
}

describe('Fabric block header hash', () => {
  const prev = Buffer.alloc(32, 0xaa);
  const data = Buffer.alloc(32, 0xbb);
  const octets = (b: Buffer): number[] => [0x04, b.length, ...b];

  it('encodes block 0 as INTEGER 0 and the genesis block without a previous hash', () => {
    const body = [0x02, 0x01, 0x00, 0x04, 0x00, ...octets(data)];
    expect(blockHeaderHash(BigInt(0), new Uint8Array(), data)).toBe(expected([0x30, body.length, ...body]));
  });

  it('keeps a number with its high bit set positive (a leading zero byte)', () => {
    const body = [0x02, 0x02, 0x00, 0x80, ...octets(prev), ...octets(data)];
    expect(blockHeaderHash(BigInt(128), prev, data)).toBe(expected([0x30, body.length, ...body]));
  });

  it('uses the long form of the length beyond 127 bytes, and refuses a negative number', () => {
    const big = Buffer.alloc(200, 1);
    const body = [0x02, 0x01, 0x05, 0x04, 0x81, 200, ...big, ...octets(data)];
    expect(blockHeaderHash(BigInt(5), big, data)).toBe(expected([0x30, 0x81, body.length, ...body]));
    expect(() => blockHeaderHash(BigInt(-1), prev, data)).toThrow(RangeError);
  });
});
