import { canonicalBytes, canonicalJson, sortKeysDeep } from './canonical-json';

describe('canonical JSON', () => {
  it('sorts keys recursively, keeps array order, drops undefined properties', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null }, u: undefined })).toBe(
      '{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}',
    );
    expect(canonicalJson([undefined, 'x'])).toBe('[null,"x"]');
    expect(canonicalBytes({ b: true, a: 'é' }).toString('utf8')).toBe('{"a":"é","b":true}');
    expect(Object.keys(sortKeysDeep({ b: 1, a: 2 }))).toEqual(['a', 'b']);
    expect(canonicalJson(Object.assign(Object.create(null) as object, { b: 1, a: 2 }))).toBe('{"a":2,"b":1}');
  });

  it('refuses values that would not round-trip', () => {
    expect(() => canonicalJson({ a: Number.NaN })).toThrow('non-finite number at $.a');
    expect(() => canonicalJson({ a: [new Date(0)] })).toThrow('value at $.a[0] is not JSON (object)');
    expect(() => canonicalJson({ f: () => 1 })).toThrow('value at $.f is not JSON (function)');
  });
});
