// Property tests for HTTP signatures: hostile headers never throw, our signatures always verify, any tampering fails.
import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  describeSignature,
  signRequest,
  verifyRequest,
  type IncomingRequest,
  type VerifyResult,
} from '../../src/federation/http-signatures.js';
import { ed25519, incoming, KEY_ID, NOW, NOW_SECONDS, rfc9421Headers, rsa } from '../unit/http-signatures-fixtures.js';
import { configureProperties } from './fast-check-setup.js';
import { anyText, hostileHeaders } from './signature-arbitraries.js';

configureProperties();

const FAILURES = [
  'missing_signature',
  'malformed_signature',
  'unsupported_algorithm',
  'missing_covered_header',
  'insufficient_coverage',
  'date_out_of_window',
  'digest_mismatch',
  'missing_digest',
  'unknown_key',
  'bad_signature',
];

// Every keyId resolves to a real key, so hostile input that parses goes all the way to the cryptography.
const options = { now: NOW, getKey: async () => rsa.publicKey };
const edOptions = { now: NOW, getKey: async () => ed25519.publicKey };

async function expectRefused(req: IncomingRequest, opts = options): Promise<VerifyResult> {
  const result = await verifyRequest(req, opts);
  expect(result.ok).toBe(false);
  if (!result.ok) expect(FAILURES).toContain(result.failure);
  return result;
}

describe('verifying hostile signature headers', () => {
  it('never throws, always answers a known failure, and describeSignature never throws either', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'get', 'BREW'),
        fc.oneof(
          fc.constant('/users/alice/inbox'),
          fc.webPath(),
          anyText.map((t) => `/${t}`),
        ),
        hostileHeaders,
        fc.option(
          fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.from(a)),
          { nil: undefined },
        ),
        async (method, target, headers, body) => {
          const req: IncomingRequest = {
            method,
            target,
            url: 'https://l2.test/users/alice/inbox',
            headers: { ...headers },
            ...(body ? { body } : {}),
          };
          describeSignature(req);
          await expectRefused(req);
          await expectRefused(req, edOptions);
        },
      ),
      { numRuns: 1500 },
    );
  });
});

// --- signing and tampering ---------------------------------------------------------------------------------------

const TOKEN = [...'abcdefghijklmnopqrstuvwxyz0123456789-'];
// Names our signer or the verifier treat specially are left out: changing them is a different property.
const RESERVED = new Set(['host', 'date', 'digest', 'signature', 'signature-input', 'authorization', 'content-digest']);
const headerName = fc.string({ unit: fc.constantFrom(...TOKEN), minLength: 1, maxLength: 12 }).filter((n) => !RESERVED.has(n));
const visible = fc.string({ unit: fc.constantFrom(...' !#$%&()*+,-./0123456789:;<=>?@ABCXYZ[]^_`abcxyz{|}~"\''.split('')), maxLength: 40 });
const segment = fc.string({ unit: fc.constantFrom(...TOKEN, '_', '.', '~', '%41', '@'), minLength: 1, maxLength: 10 });

const outgoing = fc.record({
  method: fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD'),
  path: fc.array(segment, { maxLength: 4 }).map((parts) => `/${parts.join('/')}`),
  query: fc.option(fc.array(fc.tuple(segment, segment), { minLength: 1, maxLength: 3 }), { nil: undefined }),
  headers: fc.uniqueArray(fc.tuple(headerName, visible), { maxLength: 5, selector: ([name]) => name }),
  accept: fc.option(fc.constantFrom('application/activity+json', 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'), {
    nil: undefined,
  }),
  contentType: fc.option(fc.constantFrom('application/activity+json', 'application/json'), { nil: undefined }),
  body: fc.option(
    fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)),
    { nil: undefined },
  ),
});
type Outgoing = typeof outgoing extends fc.Arbitrary<infer T> ? T : never;

/** Signs with our signer and hands back the request exactly as the receiving server would see it. */
function signed(o: Outgoing): IncomingRequest {
  const url = `https://l2.test${o.path}${o.query ? `?${o.query.map(([k, v]) => `${k}=${v}`).join('&')}` : ''}`;
  const headers: Record<string, string> = Object.fromEntries(o.headers);
  if (o.accept) headers.Accept = o.accept;
  if (o.contentType) headers['Content-Type'] = o.contentType;
  const sent = signRequest(
    { method: o.method, url, headers, ...(o.body ? { body: o.body } : {}) },
    { keyId: KEY_ID, privateKey: rsa.privateKey },
    NOW,
  );
  return incoming(o.method, url, sent, o.body);
}

const signatureParam = (req: IncomingRequest) => /signature="([^"]+)"/.exec(req.headers.signature as string)![1]!;
const withHeader = (req: IncomingRequest, name: string, value: string): IncomingRequest => ({
  ...req,
  headers: { ...req.headers, [name]: value },
});

describe('signatures our signer makes', () => {
  it('always verify, whatever the method, path, query, headers and body', async () => {
    await fc.assert(
      fc.asyncProperty(outgoing, async (o) => {
        const result = await verifyRequest(signed(o), options);
        expect(result).toEqual({ ok: true, keyId: KEY_ID, scheme: 'cavage', algorithm: 'rsa-sha256' });
      }),
      { numRuns: 150 },
    );
  });

  it('fail when any bit of the signature is flipped', async () => {
    await fc.assert(
      fc.asyncProperty(outgoing, fc.nat(), fc.integer({ min: 0, max: 7 }), async (o, at, bit) => {
        const req = signed(o);
        const original = signatureParam(req);
        const bytes = Buffer.from(original, 'base64');
        bytes[at % bytes.length]! ^= 1 << bit;
        const header = (req.headers.signature as string).replace(original, bytes.toString('base64'));
        expect(await expectRefused(withHeader(req, 'signature', header))).toMatchObject({ failure: 'bad_signature' });
      }),
      { numRuns: 100 },
    );
  });

  it('fail when any bit of the body, or of the Digest header, is changed', async () => {
    await fc.assert(
      fc.asyncProperty(
        outgoing.filter((o) => o.body !== undefined && o.body.length > 0),
        fc.nat(),
        fc.integer({ min: 0, max: 7 }),
        async (o, at, bit) => {
          const req = signed(o);
          const body = Buffer.from(req.body!);
          body[at % body.length]! ^= 1 << bit;
          expect(await expectRefused({ ...req, body })).toMatchObject({ failure: 'digest_mismatch' });
          // A Digest that matches the tampered body still breaks the signature, which covers the Digest header.
          const forged = `SHA-256=${createHash('sha256').update(body).digest('base64')}`;
          expect(await expectRefused({ ...withHeader(req, 'digest', forged), body })).toMatchObject({ failure: 'bad_signature' });
        },
      ),
      { numRuns: 100 },
    );
  });

  it('fail when the method, the request target or any signed header changes', async () => {
    await fc.assert(
      fc.asyncProperty(outgoing, fc.nat(), visible, async (o, pick, extra) => {
        const req = signed(o);
        const covered = describeSignature(req)!.covered.filter((name) => !name.startsWith('('));
        const name = covered[pick % covered.length]!;
        const value = String(req.headers[name]).trim();
        // Appending a visible character changes the trimmed value, which is what is signed.
        const changed = `${value}${extra.trim() || 'x'}`;
        await expectRefused(withHeader(req, name, changed));
        await expectRefused({ ...req, method: req.method === 'GET' ? 'HEAD' : 'GET' });
        await expectRefused({
          ...req,
          target: `${req.target.split('?')[0]}/x${req.target.includes('?') ? req.target.slice(req.target.indexOf('?')) : ''}`,
        });
      }),
      { numRuns: 100 },
    );
  });

  it('an RFC 9421 ed25519 signature verifies, and fails when its bytes or the covered body change', async () => {
    await fc.assert(
      fc.asyncProperty(outgoing, fc.nat(), fc.integer({ min: 0, max: 7 }), async (o, at, bit) => {
        const url = `https://l2.test${o.path}`;
        const body = o.body ?? Buffer.alloc(0);
        const digest = `sha-256=:${createHash('sha256').update(body).digest('base64')}:`;
        const headers = { 'content-digest': digest };
        const sig = rfc9421Headers({
          method: o.method,
          url,
          headers,
          components: ['@method', '@target-uri', 'content-digest'],
          params: `created=${NOW_SECONDS};keyid="${KEY_ID}";alg="ed25519"`,
          privateKey: ed25519.privateKey,
          alg: 'ed25519',
        });
        const req = incoming(o.method, url, { ...headers, ...sig }, body);
        expect(await verifyRequest(req, edOptions)).toMatchObject({ ok: true, scheme: 'rfc9421', algorithm: 'ed25519' });
        const raw = Buffer.from(/:(.*):/.exec(sig.signature)![1]!, 'base64');
        raw[at % raw.length]! ^= 1 << bit;
        await expectRefused(withHeader(req, 'signature', `sig1=:${raw.toString('base64')}:`), edOptions);
        await expectRefused({ ...req, body: Buffer.concat([body, Buffer.of(at & 0xff)]) }, edOptions);
      }),
      { numRuns: 100 },
    );
  });
});
