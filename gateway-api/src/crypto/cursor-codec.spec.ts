import { CursorCodec } from './cursor-codec';

describe('CursorCodec', () => {
  const codec = new CursorCodec(Buffer.alloc(32, 3));

  it('gives back what it encoded', () => {
    const cursor = codec.encode({ b: 'bookmark', f: '[1,2]' });
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
    expect(codec.decode(cursor)).toEqual({ b: 'bookmark', f: '[1,2]' });
  });

  it('refuses edited, forged, foreign and oversized cursors', () => {
    const cursor = codec.encode({ b: '20', f: 'x' });
    const [body = '', mac = ''] = cursor.split('.');
    const forgedBody = Buffer.from(JSON.stringify({ b: '1e300', f: 'x' })).toString('base64url');
    expect(codec.decode(`${forgedBody}.${mac}`)).toBeUndefined();
    expect(codec.decode(`${body}.${mac.slice(0, -1)}${mac.endsWith('A') ? 'B' : 'A'}`)).toBeUndefined();
    expect(codec.decode(body)).toBeUndefined();
    expect(codec.decode(new CursorCodec(Buffer.alloc(32, 4)).encode({ b: '20', f: 'x' }))).toBeUndefined();
    expect(codec.decode(`${'A'.repeat(3000)}.${mac}`)).toBeUndefined();
    expect(codec.decode('')).toBeUndefined();
    expect(codec.decode('%%%.%%%')).toBeUndefined();
  });
});
