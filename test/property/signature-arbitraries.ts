// Generated hostile signature headers: draft-cavage and RFC 9421 parameters, mostly well-formed so that parsing gets
// deep (coverage, time window, digest, cryptography), with arbitrary text mixed in at every level.
import fc from 'fast-check';
import { KEY_ID, NOW, NOW_SECONDS } from '../unit/http-signatures-fixtures.js';

/** Characters the two grammars give meaning to, so random text lands on parser edges rather than failing at byte 0. */
const GRAMMAR = [...'keyIdalgorithmheaderssignaturecreatedexpires=",;:()?*-._/+ \t0123456789@ABZaz', '\\', 'é', '\u0000', '\u00ff'];
const grammarText = fc.string({ unit: fc.constantFrom(...GRAMMAR), maxLength: 120 });
export const anyText = fc.oneof(grammarText, fc.string({ maxLength: 80 }), fc.string({ unit: 'binary', maxLength: 40 }));

const base64 = fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a).toString('base64'));
/** Mostly a well-formed value, now and then arbitrary text: deep paths get reached, and the parsers still see junk. */
const mostly = <T extends string>(good: fc.Arbitrary<T>) => fc.oneof({ weight: 30, arbitrary: good }, { weight: 1, arbitrary: anyText });
/** Usually null; one time in ten, arb. */
const rarely = <T>(arb: fc.Arbitrary<T>) => fc.oneof({ weight: 9, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: arb });
const near = fc.integer({ min: -5000, max: 5000 }).map((d) => NOW_SECONDS + d);
const signatureBytes = fc.oneof(
  base64,
  fc.uint8Array({ minLength: 256, maxLength: 256 }).map((a) => Buffer.from(a).toString('base64')),
);

const CAVAGE_NAMES = [
  '(request-target)',
  'host',
  'date',
  'digest',
  '(created)',
  '(expires)',
  'accept',
  'content-type',
  'x-absent',
  '(other)',
];
/** Usually what the verifier insists on, shuffled in with extras; sometimes any subset, to hit the coverage checks. */
const coveredNames = fc.oneof(
  {
    weight: 3,
    arbitrary: fc
      .tuple(
        fc.constantFrom(['date'], ['(created)'], ['date', '(created)']),
        fc.oneof({ weight: 4, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
        fc.subarray(CAVAGE_NAMES, { maxLength: 2 }),
      )
      .chain(([when, digest, extra]) => {
        const names = [...new Set(['(request-target)', 'host', ...when, ...(digest ? ['digest'] : []), ...extra])];
        return fc.shuffledSubarray(names, { minLength: names.length });
      })
      .map((names) => names.join(' ')),
  },
  { weight: 1, arbitrary: fc.shuffledSubarray(CAVAGE_NAMES, { minLength: 1 }).map((names) => names.join(' ')) },
);
const cavageHeader = fc
  .tuple(
    fc.record(
      {
        keyId: fc.oneof({ weight: 8, arbitrary: fc.constant(KEY_ID) }, mostly(fc.constantFrom('https://remote.test/k', ''))),
        algorithm: mostly(fc.constantFrom('rsa-sha256', 'hs2019', 'RSA-SHA256', 'hs2019', 'rsa-sha256', 'hs2019', 'hmac-sha256')),
        headers: mostly(coveredNames),
        signature: mostly(signatureBytes),
        created: mostly(near.map(String)),
        expires: mostly(near.map(String)),
      },
      { requiredKeys: ['keyId', 'signature'] },
    ),
    rarely(fc.tuple(fc.constantFrom('extra', 'keyId', 'KeyId', ''), anyText)),
    fc.array(fc.boolean(), { minLength: 7, maxLength: 7 }),
  )
  .map(([params, extra, bare]) =>
    [...Object.entries(params), ...(extra ? [extra] : [])]
      // Numbers may go bare; everything else is quoted unless chance says otherwise.
      .map(([name, value], i) => (bare[i] && /^\d+$/.test(value) ? `${name}=${value}` : `${name}="${value}"`))
      .join(','),
  );

const COMPONENTS = ['"@method"', '"@target-uri"', '"@authority"', '"@path"', '"@query"', '"@request-target"', '"@scheme"', '"@status"'];
const HEADER_COMPONENTS = [
  '"content-digest"',
  '"content-digest";sf',
  '"content-digest";key="sha-256"',
  '"date";sf',
  '"host";bs',
  '"date"',
  '"host"',
  '"x-absent"',
];
const component = fc.oneof(
  { weight: 10, arbitrary: fc.constantFrom(...COMPONENTS) },
  { weight: 8, arbitrary: fc.constantFrom(...HEADER_COMPONENTS) },
  { weight: 1, arbitrary: grammarText.map((t) => `"${t}"`) },
);
/** Usually the components the verifier insists on plus extras; sometimes any unique subset. */
const componentList = fc.oneof(
  {
    weight: 3,
    arbitrary: fc
      .uniqueArray(component, { maxLength: 4 })
      .map((extra) => [...new Set(['"@method"', '"@target-uri"', '"content-digest"', ...extra])]),
  },
  { weight: 1, arbitrary: fc.uniqueArray(component, { maxLength: 6 }) },
);
const labelParams = fc
  .tuple(
    fc.oneof({ weight: 8, arbitrary: fc.constant(`keyid="${KEY_ID}"`) }, mostly(fc.constantFrom('keyid=1', 'keyid=token'))),
    fc.option(
      mostly(fc.constantFrom('alg="ed25519"', 'alg="rsa-v1_5-sha256"', 'alg="rsa-pss-sha512"', 'alg="hmac-sha256"', 'alg=ed25519')),
    ),
    // created is usually there (Fedify always sends it); expires and odd parameters now and then.
    fc.oneof(
      { weight: 4, arbitrary: fc.oneof(near, fc.integer()).map((n) => `created=${n}`) },
      { weight: 1, arbitrary: fc.constant(null) },
    ),
    rarely(fc.oneof(near, fc.integer()).map((n) => `expires=${n}`)),
    rarely(fc.tuple(fc.constantFrom('nonce', 'tag', 'created'), anyText).map(([k, v]) => `${k}=${v}`)),
  )
  .map((params) =>
    params
      .filter((p) => p !== null)
      .map((p) => `;${p}`)
      .join(''),
  );
const LABELS = ['sig1', 'sig2', 'x'];
/** Signature-Input and a Signature dictionary that (mostly) carries a byte sequence for each of its labels. */
const rfc9421Pair = fc
  .uniqueArray(
    fc.tuple(fc.constantFrom(...LABELS), componentList, labelParams, mostly(signatureBytes.map((b) => `:${b}:`)), fc.boolean()),
    {
      minLength: 1,
      maxLength: 3,
      selector: ([label]) => label,
    },
  )
  .map((labels) => ({
    'signature-input': labels.map(([label, items, params]) => `${label}=(${items.join(' ')})${params}`).join(', '),
    signature: labels
      .filter(([, , , , dropped]) => !dropped || labels.length === 1)
      .map(([label, , , value]) => `${label}=${value}`)
      .join(', '),
  }));

const headerValue = fc.oneof(anyText, fc.array(anyText, { minLength: 1, maxLength: 3 }));
/** The headers around a signature, each present or not, mostly plausible. */
const common = {
  digest: mostly(
    fc.oneof(
      base64.map((b) => `SHA-256=${b}`),
      base64.map((b) => `sha-512=${b}, md5=${b}`),
      fc.constant('SHA-256=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='),
    ),
  ),
  'content-digest': mostly(
    fc.oneof(
      base64.map((b) => `sha-256=:${b}:`),
      fc.constant('sha-256=:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=:'),
    ),
  ),
  date: mostly(
    fc.oneof(
      fc.constant(NOW.toUTCString()),
      near.map((s) => new Date(s * 1000).toUTCString()),
    ),
  ),
  host: mostly(fc.constant('l2.test')),
  accept: anyText,
  'content-type': anyText,
};
export const hostileHeaders = fc.oneof(
  // draft-cavage, in Signature or in Authorization.
  fc.record({ signature: cavageHeader, ...common }, { requiredKeys: ['signature', 'date', 'host', 'digest'] }),
  fc.record({ authorization: cavageHeader.map((h) => `Signature ${h}`), ...common }, { requiredKeys: ['authorization', 'host'] }),
  // RFC 9421.
  fc
    .tuple(rfc9421Pair, fc.record(common, { requiredKeys: ['content-digest', 'host'] }))
    .map(([pair, headers]) => ({ ...headers, ...pair })),
  // Anything, including repeated fields (arrays) and names that are Object.prototype members.
  fc.dictionary(
    fc.constantFrom(
      'signature',
      'signature-input',
      'authorization',
      'digest',
      'content-digest',
      'date',
      'host',
      'constructor',
      '__proto__',
      'toString',
    ),
    headerValue,
  ),
);
