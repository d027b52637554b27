import { createHash, createPublicKey } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { describeSignature, verifyRequest, type IncomingRequest } from '../../src/federation/http-signatures.js';
import { verifyCandidate } from '../../src/federation/signature-common.js';
import { signatureBase } from '../../src/federation/signature-rfc9421.js';
import { isInnerList, parseDictionary } from '../../src/federation/structured-fields.js';
import {
  ACTIVITY,
  INBOX,
  KEY_ID,
  NOW,
  NOW_SECONDS,
  ed25519,
  incoming,
  keyring,
  rfc9421Headers,
  rsa,
  sha256Base64,
} from './http-signatures-fixtures.js';

const CONTENT_DIGEST = `sha-256=:${sha256Base64(ACTIVITY)}:`;
const PARAMS = `created=${NOW_SECONDS};keyid="${KEY_ID}";alg="rsa-v1_5-sha256"`;

function signedPost(
  options: {
    components?: string[];
    params?: string;
    privateKey?: typeof rsa.privateKey;
    alg?: 'rsa-v1_5-sha256' | 'rsa-pss-sha512' | 'ed25519';
  } = {},
) {
  const headers: Record<string, string> = {
    host: 'l2.test',
    'content-type': 'application/activity+json',
    'content-digest': CONTENT_DIGEST,
  };
  const signature = rfc9421Headers({
    method: 'POST',
    url: INBOX,
    headers,
    components: options.components ?? ['@method', '@target-uri', 'content-digest'],
    params: options.params ?? PARAMS,
    privateKey: options.privateKey ?? rsa.privateKey,
    alg: options.alg ?? 'rsa-v1_5-sha256',
  });
  return incoming('POST', INBOX, { ...headers, ...signature }, ACTIVITY);
}

const known = () => keyring({ [KEY_ID]: rsa.publicKey });

describe('RFC 9421 signatures', () => {
  it('verify when signed over @method, @target-uri and content-digest', async () => {
    const req = signedPost();
    expect(await verifyRequest(req, { ...known(), now: NOW })).toEqual({
      ok: true,
      keyId: KEY_ID,
      scheme: 'rfc9421',
      algorithm: 'rsa-v1_5-sha256',
    });
    expect(describeSignature(req)).toEqual({
      scheme: 'rfc9421',
      keyId: KEY_ID,
      algorithm: 'rsa-v1_5-sha256',
      covered: ['@method', '@target-uri', 'content-digest'],
    });
  });

  it('are told apart by Signature-Input, although Signature is present as well', async () => {
    const req = signedPost();
    expect(req.headers.signature).toMatch(/^sig1=:/);
    expect(req.headers.digest).toBeUndefined();
    expect(await verifyRequest(req, { ...known(), now: NOW })).toMatchObject({ ok: true, scheme: 'rfc9421' });
  });

  it('verify Fedify’s component set with an inferred algorithm', async () => {
    const req = signedPost({
      components: ['@method', '@target-uri', '@authority', 'host', 'content-digest'],
      params: `keyid="${KEY_ID}";created=${NOW_SECONDS}`,
    });
    expect(await verifyRequest(req, { ...known(), now: NOW })).toMatchObject({ ok: true, algorithm: 'rsa-v1_5-sha256' });
  });

  it('reject a changed body as a digest mismatch', async () => {
    const req = { ...signedPost(), body: Buffer.from(`${ACTIVITY.toString()} `) };
    expect(await verifyRequest(req, { ...known(), now: NOW })).toMatchObject({
      ok: false,
      failure: 'digest_mismatch',
      message: 'Content-Digest header does not match the body (SHA-256)',
    });
  });

  it('reject a signature created two hours ago', async () => {
    const req = signedPost({ params: `created=${NOW_SECONDS - 7200};keyid="${KEY_ID}";alg="rsa-v1_5-sha256"` });
    expect(await verifyRequest(req, { ...known(), now: NOW })).toMatchObject({
      ok: false,
      failure: 'date_out_of_window',
      scheme: 'rfc9421',
    });
  });

  it('reject an expired signature, however far in the past', async () => {
    for (const expires of [NOW_SECONDS - 1, -999_999_999_999_999]) {
      const req = signedPost({ params: `created=${NOW_SECONDS - 60};expires=${expires};keyid="${KEY_ID}"` });
      expect(await verifyRequest(req, { ...known(), now: NOW })).toMatchObject({ ok: false, failure: 'date_out_of_window' });
    }
  });

  it('verify ed25519 and rsa-pss-sha512 signatures', async () => {
    const viaEd = signedPost({
      privateKey: ed25519.privateKey,
      alg: 'ed25519',
      params: `created=${NOW_SECONDS};keyid="${KEY_ID}";alg="ed25519"`,
    });
    expect(await verifyRequest(viaEd, { ...keyring({ [KEY_ID]: ed25519.publicKey }), now: NOW })).toMatchObject({
      ok: true,
      algorithm: 'ed25519',
    });
    const viaPss = signedPost({ alg: 'rsa-pss-sha512', params: `created=${NOW_SECONDS};keyid="${KEY_ID}";alg="rsa-pss-sha512"` });
    expect(await verifyRequest(viaPss, { ...known(), now: NOW })).toMatchObject({ ok: true, algorithm: 'rsa-pss-sha512' });
  });

  it('require the body digest to be covered', async () => {
    const req = signedPost({ components: ['@method', '@target-uri'] });
    expect(await verifyRequest(req, { ...known(), now: NOW })).toMatchObject({ ok: false, failure: 'insufficient_coverage' });
  });

  it('require a Content-Digest header on a POST', async () => {
    const req = signedPost();
    delete req.headers['content-digest'];
    expect(await verifyRequest(req, { ...known(), now: NOW })).toMatchObject({ ok: false, failure: 'missing_digest' });
  });

  it('refuse algorithms we do not support', async () => {
    const req = signedPost({ params: `created=${NOW_SECONDS};keyid="${KEY_ID}";alg="hmac-sha256"` });
    expect(await verifyRequest(req, { ...known(), now: NOW })).toMatchObject({ ok: false, failure: 'unsupported_algorithm' });
  });

  it('accept any label that verifies, reporting the first failure when none does', async () => {
    const good = signedPost();
    const bad = signedPost({ privateKey: ed25519.privateKey, alg: 'ed25519', params: `created=${NOW_SECONDS};keyid="${KEY_ID}"` });
    const relabel = (value: string) => value.replace(/^sig1=/, 'sig0=');
    const both: IncomingRequest = {
      ...good,
      headers: {
        ...good.headers,
        'signature-input': [relabel(bad.headers['signature-input'] as string), good.headers['signature-input'] as string],
        signature: [relabel(bad.headers.signature as string), good.headers.signature as string],
      },
    };
    expect(await verifyRequest(both, { ...known(), now: NOW })).toMatchObject({ ok: true });
    expect(await verifyRequest(both, { ...keyring({}), now: NOW })).toMatchObject({ ok: false, failure: 'unknown_key' });
  });

  it('report a covered header the request lacks, even one named like an object property', async () => {
    for (const name of ['x-extra', 'constructor', '__proto__']) {
      const req = signedPost();
      req.headers['signature-input'] = (req.headers['signature-input'] as string).replace(
        '"content-digest")',
        `"content-digest" "${name}")`,
      );
      expect(await verifyRequest(req, { ...known(), now: NOW }), name).toMatchObject({ ok: false, failure: 'missing_covered_header' });
    }
  });

  it('report structured-field garbage as malformed', async () => {
    for (const input of ['sig1=("@method"', 'sig1=:abc:', '', 'sig1=("@method");keyid=1']) {
      const req = signedPost();
      req.headers['signature-input'] = input;
      expect(await verifyRequest(req, { ...known(), now: NOW }), input).toMatchObject({ ok: false, failure: 'malformed_signature' });
    }
  });
});

describe('the RFC 9421 signature base', () => {
  it('derives components from the public URL and the target as received, and re-serializes ;sf and ;key', () => {
    const req = incoming('POST', 'https://L2.test:443/users/alice/inbox?b=2&a=1', {
      'content-digest': 'sha-512=:YQ==:,   sha-256=:Yg==:',
      'x-dict': 'a=1, b=(x y);z',
    });
    req.headers['x-list'] = ['one ', ' two'];
    const input = parseDictionary(
      'sig=("@method" "@target-uri" "@authority" "@scheme" "@request-target" "@path" "@query" "content-digest";sf "x-dict";key="b" "x-list");keyid="k"',
    ).get('sig');
    if (!input || !isInnerList(input)) throw new Error('an inner list');
    expect(signatureBase(req, input)).toEqual({
      ok: true,
      base: [
        '"@method": POST',
        '"@target-uri": https://l2.test/users/alice/inbox?b=2&a=1',
        '"@authority": l2.test',
        '"@scheme": https',
        '"@request-target": /users/alice/inbox?b=2&a=1',
        '"@path": /users/alice/inbox',
        '"@query": ?b=2&a=1',
        '"content-digest";sf: sha-512=:YQ==:, sha-256=:Yg==:',
        '"x-dict";key="b": (x y);z',
        '"x-list": one, two',
        '"@signature-params": ("@method" "@target-uri" "@authority" "@scheme" "@request-target" "@path" "@query" "content-digest";sf "x-dict";key="b" "x-list");keyid="k"',
      ].join('\n'),
    });
  });
});

describe('RFC 9421 Appendix B.2.6 (ed25519, key test-key-ed25519 from B.1.4)', () => {
  const publicKey = createPublicKey(
    '-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAJrQLj5P/89iXES9+vFgrIy29clF9CC/oPPsw3c5D0bs=\n-----END PUBLIC KEY-----',
  );
  const body = Buffer.from('{"hello": "world"}');
  const request: IncomingRequest = {
    method: 'POST',
    target: '/foo?param=Value&Pet=dog',
    url: 'https://example.com/foo?param=Value&Pet=dog',
    headers: {
      host: 'example.com',
      date: 'Tue, 20 Apr 2021 02:07:55 GMT',
      'content-type': 'application/json',
      'content-digest': 'sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:',
      'content-length': '18',
      'signature-input':
        'sig-b26=("date" "@method" "@path" "@authority" "content-type" "content-length");created=1618884473;keyid="test-key-ed25519"',
      signature: 'sig-b26=:wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v9EDgwUPiu4A0w6vuQv5lIp5WPpBKRCw==:',
    },
    body,
  };

  it('rebuilds the published signature base, which the published signature verifies', () => {
    expect(createHash('sha512').update(body).digest('base64')).toBe(
      'WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==',
    );
    const input = parseDictionary(request.headers['signature-input'] as string).get('sig-b26');
    if (!input || !isInnerList(input)) throw new Error('the vector has an inner list');
    const built = signatureBase(request, input);
    expect(built).toEqual({
      ok: true,
      base: [
        '"date": Tue, 20 Apr 2021 02:07:55 GMT',
        '"@method": POST',
        '"@path": /foo',
        '"@authority": example.com',
        '"content-type": application/json',
        '"content-length": 18',
        '"@signature-params": ("date" "@method" "@path" "@authority" "content-type" "content-length");created=1618884473;keyid="test-key-ed25519"',
      ].join('\n'),
    });
    const signature = Buffer.from('wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v9EDgwUPiu4A0w6vuQv5lIp5WPpBKRCw==', 'base64');
    const candidate = {
      scheme: 'rfc9421' as const,
      keyId: 'test-key-ed25519',
      algorithm: undefined,
      signed: [Buffer.from(built.ok ? built.base : '')],
      signature,
    };
    expect(verifyCandidate(candidate, publicKey)).toEqual({ ok: true, algorithm: 'ed25519' });
  });

  it('is still refused by verifyRequest, because it does not cover content-digest', async () => {
    const result = await verifyRequest(request, { ...keyring({ 'test-key-ed25519': publicKey }), now: new Date('2021-04-20T02:07:55Z') });
    expect(result).toMatchObject({ ok: false, failure: 'insufficient_coverage', keyId: 'test-key-ed25519' });
    expect(result.ok ? '' : result.message).toContain('content-digest');
  });
});
