import { describe, expect, it } from 'vitest';
import { isInnerList, parseDictionary, serializeDictionary, serializeMember } from '../../src/federation/structured-fields.js';

describe('structured field dictionaries', () => {
  it('parse inner lists with parameters and serialize them back canonically, keeping parameter order', () => {
    const text = 'sig1=( "@method"  "content-digest";sf );keyid="a\\"b";created=1618884473;alg="ed25519";x=1.50;y=?0;tok=abc/d, flag;p';
    const dictionary = parseDictionary(text);
    const sig1 = dictionary.get('sig1');
    expect(sig1 && isInnerList(sig1) ? sig1.items.map((item) => item.value) : null).toEqual([
      { kind: 'string', value: '@method' },
      { kind: 'string', value: 'content-digest' },
    ]);
    expect(serializeMember(sig1 as NonNullable<typeof sig1>)).toBe(
      '("@method" "content-digest";sf);keyid="a\\"b";created=1618884473;alg="ed25519";x=1.5;y=?0;tok=abc/d',
    );
    expect(serializeDictionary(dictionary)).toBe(`sig1=${serializeMember(sig1 as NonNullable<typeof sig1>)}, flag;p`);
  });

  it('parse byte sequences', () => {
    const member = parseDictionary('sha-256=:YWJj:').get('sha-256');
    expect(member && !isInnerList(member) ? member.value : null).toEqual({ kind: 'bytes', value: Buffer.from('abc') });
  });

  it('refuse what RFC 8941 does not allow', () => {
    for (const text of [
      'a=1,',
      'A=1',
      'a="\\x"',
      'a="unterminated',
      'a=:YWJj',
      'a=:YWJk=:',
      'a=:YR==:',
      'a=1234567890123456',
      'a=1.2345',
      'a=(1 2',
      'a=(1,2)',
      'a=?2',
      'a=1 b=2',
      'a=\u00e9',
    ]) {
      expect(() => parseDictionary(text), text).toThrow();
    }
  });

  it('allow an empty value and surrounding whitespace', () => {
    expect(parseDictionary('').size).toBe(0);
    expect([...parseDictionary('  a=1 ,\tb=2  ').keys()]).toEqual(['a', 'b']);
  });
});
