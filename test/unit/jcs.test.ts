import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../src/domain/jcs.js';

describe('canonicalJson (RFC 8785)', () => {
  it('sorts keys at every level and drops whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } })).toBe('{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}');
  });

  it('orders keys by UTF-16 code units', () => {
    expect(canonicalJson({ '\u20ac': 1, '\r': 2, '1': 3, a: 4, A: 5 })).toBe('{"\\r":2,"1":3,"A":5,"a":4,"€":1}');
  });

  it('writes numbers and strings as ECMAScript does', () => {
    expect(canonicalJson([1e21, 0.1, -0, 'é\n"'])).toBe('[1e+21,0.1,0,"é\\n\\""]');
  });

  it('leaves out undefined members and refuses non-JSON values', () => {
    expect(canonicalJson({ a: undefined, b: 1 })).toBe('{"b":1}');
    expect(() => canonicalJson(Number.NaN)).toThrow(TypeError);
    expect(() => canonicalJson(() => 1)).toThrow(TypeError);
  });
});
