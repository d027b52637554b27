import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { describeSignature, signRequest, verifyRequest, type IncomingRequest } from '../../src/federation/http-signatures.js';
import {
  ACTIVITY,
  INBOX,
  KEY_ID,
  NOW,
  NOW_SECONDS,
  cavageSignature,
  ed25519,
  incoming,
  keyring,
  rfc9421Headers,
  rotatedRsa,
  rsa,
  sha256Base64,
} from './http-signatures-fixtures.js';

const key = { keyId: KEY_ID, privateKey: rsa.privateKey };
const known = () => keyring({ [KEY_ID]: rsa.publicKey });
const HOURS_2 = 2 * 3600 * 1000;

function signedPost(now = NOW, body = ACTIVITY): IncomingRequest {
  const headers = signRequest({ method: 'POST', url: INBOX, headers: { 'Content-Type': 'application/activity+json' }, body }, key, now);
  return incoming('POST', INBOX, headers, body);
}

/** A POST whose Signature header is built by hand over the given names, in the given order. */
function handSignedPost(covered: string[], options: { algorithm?: string; privateKey?: typeof rsa.privateKey; created?: number } = {}) {
  const headers: Record<string, string> = {
    host: 'l2.test',
    date: NOW.toUTCString(),
    digest: `SHA-256=${sha256Base64(ACTIVITY)}`,
    'content-type': 'application/activity+json',
  };
  const signature = cavageSignature({
    method: 'POST',
    target: '/users/alice/inbox',
    headers,
    covered,
    privateKey: rsa.privateKey,
    ...options,
  });
  return incoming('POST', INBOX, { ...headers, signature }, ACTIVITY);
}

describe('draft-cavage signatures', () => {
  it('round-trips a POST with a body, covering the digest and content type', async () => {
    const req = signedPost();
    expect(req.headers.date).toBe('Sun, 01 Mar 2026 12:00:00 GMT');
    expect(req.headers.digest).toBe(`SHA-256=${sha256Base64(ACTIVITY)}`);
    expect(await verifyRequest(req, { ...known(), now: NOW })).toEqual({
      ok: true,
      keyId: KEY_ID,
      scheme: 'cavage',
      algorithm: 'rsa-sha256',
    });
    expect(describeSignature(req)).toEqual({
      scheme: 'cavage',
      keyId: KEY_ID,
      algorithm: 'rsa-sha256',
      covered: ['(request-target)', 'host', 'date', 'digest', 'content-type'],
    });
  });

  it('round-trips a GET, covering accept and keeping the query in the request target', async () => {
    const url = 'https://l2.test/users/alice/outbox?page=2';
    const headers = signRequest({ method: 'GET', url, headers: { Accept: 'application/activity+json' } }, key, NOW);
    expect(headers.Digest).toBeUndefined();
    const req = incoming('GET', url, headers);
    expect(describeSignature(req)?.covered).toEqual(['(request-target)', 'host', 'date', 'accept']);
    expect(await verifyRequest(req, { ...known(), now: NOW })).toMatchObject({ ok: true, scheme: 'cavage' });
  });

  it('rejects a tampered body as a digest mismatch', async () => {
    const req = { ...signedPost(), body: Buffer.from(ACTIVITY.toString().replace('Follow', 'Undo')) };
    expect(await verifyRequest(req, { ...known(), now: NOW })).toMatchObject({
      ok: false,
      failure: 'digest_mismatch',
      message: 'Digest header does not match the body (SHA-256)',
    });
  });

  it('rejects a changed covered header as a bad signature, after refetching the key once', async () => {
    const req = signedPost();
    req.headers['content-type'] = 'application/json';
    const ring = known();
    expect(await verifyRequest(req, { ...ring, now: NOW })).toMatchObject({
      ok: false,
      failure: 'bad_signature',
      keyId: KEY_ID,
      scheme: 'cavage',
    });
    expect(ring.calls).toEqual([
      [KEY_ID, false],
      [KEY_ID, true],
    ]);
  });

  it('rejects a Date two hours old or two hours ahead', async () => {
    for (const signedAt of [new Date(NOW.getTime() - HOURS_2), new Date(NOW.getTime() + HOURS_2)]) {
      const result = await verifyRequest(signedPost(signedAt), { ...known(), now: NOW });
      expect(result).toMatchObject({ ok: false, failure: 'date_out_of_window' });
    }
  });

  it('honours maxSkewSeconds', async () => {
    const req = signedPost(new Date(NOW.getTime() - 120_000));
    expect(await verifyRequest(req, { ...known(), now: NOW, maxSkewSeconds: 60 })).toMatchObject({ failure: 'date_out_of_window' });
    expect(await verifyRequest(req, { ...known(), now: NOW, maxSkewSeconds: 300 })).toMatchObject({ ok: true });
  });

  it('reports a request without any signature as missing_signature', async () => {
    const req = incoming('POST', INBOX, { host: 'l2.test', date: NOW.toUTCString() }, ACTIVITY);
    expect(await verifyRequest(req, { ...known(), now: NOW })).toMatchObject({ ok: false, failure: 'missing_signature' });
    expect(describeSignature(req)).toBeNull();
  });

  it('reports garbage in the Signature header as malformed_signature', async () => {
    for (const garbage of [
      'garbage',
      '',
      'keyId="x"',
      'keyId="x",signature="!!"',
      'keyId="x",signature="YQ==",',
      'keyid="x",signature="YQ=="',
    ]) {
      const req = signedPost();
      req.headers.signature = garbage;
      expect(await verifyRequest(req, { ...known(), now: NOW }), garbage).toMatchObject({ ok: false, failure: 'malformed_signature' });
      expect(describeSignature(req)).toBeNull();
    }
  });

  it('requires a POST signature to cover the digest', async () => {
    const req = handSignedPost(['(request-target)', 'host', 'date']);
    expect(await verifyRequest(req, { ...known(), now: NOW })).toMatchObject({ ok: false, failure: 'insufficient_coverage' });
  });

  it('requires a Digest header on a POST', async () => {
    const req = signedPost();
    delete req.headers.digest;
    expect(await verifyRequest(req, { ...known(), now: NOW })).toMatchObject({ ok: false, failure: 'missing_digest' });
  });

  it('reports a covered header the request lacks as missing_covered_header', async () => {
    for (const name of ['x-extra', 'constructor', '__proto__', '(nonsense)']) {
      const req = handSignedPost(['(request-target)', 'host', 'date', 'digest']);
      req.headers.signature = (req.headers.signature as string).replace('date digest', `date digest ${name}`);
      expect(await verifyRequest(req, { ...known(), now: NOW }), name).toMatchObject({ ok: false, failure: 'missing_covered_header' });
    }
  });

  it('accepts hs2019 for RSA keys and for Ed25519 keys', async () => {
    const covered = ['(request-target)', 'host', 'date', 'digest'];
    const viaRsa = handSignedPost(covered, { algorithm: 'hs2019' });
    expect(await verifyRequest(viaRsa, { ...known(), now: NOW })).toMatchObject({ ok: true, algorithm: 'hs2019' });
    const viaEd = handSignedPost(covered, { algorithm: 'hs2019', privateKey: ed25519.privateKey });
    expect(await verifyRequest(viaEd, { ...keyring({ [KEY_ID]: ed25519.publicKey }), now: NOW })).toMatchObject({
      ok: true,
      algorithm: 'hs2019',
    });
  });

  it('infers the algorithm from the key when none is named', async () => {
    const req = handSignedPost(['(request-target)', 'host', 'date', 'digest']);
    expect(await verifyRequest(req, { ...known(), now: NOW })).toMatchObject({ ok: true, algorithm: 'rsa-sha256' });
  });

  it('honours a headers list in Fedify’s alphabetical order', async () => {
    const req = handSignedPost(['(request-target)', 'content-type', 'date', 'digest', 'host'], { algorithm: 'rsa-sha256' });
    expect(await verifyRequest(req, { ...known(), now: NOW })).toMatchObject({ ok: true, scheme: 'cavage' });
  });

  it('accepts (created) in place of a Date header', async () => {
    const req = handSignedPost(['(request-target)', 'host', '(created)', 'digest'], { algorithm: 'hs2019', created: NOW_SECONDS - 30 });
    delete req.headers.date;
    expect(await verifyRequest(req, { ...known(), now: NOW })).toMatchObject({ ok: true });
  });

  it('accepts a (request-target) signed without the query string, as Fedify and Misskey sign it', async () => {
    const url = 'https://l2.test/users/alice/outbox?page=2';
    const headers = { host: 'l2.test', date: NOW.toUTCString() };
    const covered = ['(request-target)', 'host', 'date'];
    const signature = cavageSignature({ method: 'GET', target: '/users/alice/outbox', headers, covered, privateKey: rsa.privateKey });
    expect(await verifyRequest(incoming('GET', url, { ...headers, signature }), { ...known(), now: NOW })).toMatchObject({ ok: true });
    const elsewhere = cavageSignature({ method: 'GET', target: '/users/alice/inbox', headers, covered, privateKey: rsa.privateKey });
    const moved = incoming('GET', url, { ...headers, signature: elsewhere });
    expect(await verifyRequest(moved, { ...known(), now: NOW })).toMatchObject({ ok: false, failure: 'bad_signature' });
  });

  it('accepts the Authorization: Signature form', async () => {
    const req = signedPost();
    req.headers.authorization = `Signature ${req.headers.signature as string}`;
    delete req.headers.signature;
    expect(await verifyRequest(req, { ...known(), now: NOW })).toMatchObject({ ok: true });
  });

  it('refuses HMAC and SHA-1 algorithms before fetching a key', async () => {
    for (const algorithm of ['hmac-sha256', 'rsa-sha1']) {
      const req = handSignedPost(['(request-target)', 'host', 'date', 'digest'], { algorithm });
      const ring = known();
      expect(await verifyRequest(req, { ...ring, now: NOW })).toMatchObject({ ok: false, failure: 'unsupported_algorithm' });
      expect(ring.calls).toEqual([]);
    }
  });

  it('checks every supported digest, case-insensitively, and refuses one it cannot check', async () => {
    const req = signedPost();
    const sha512 = createHash('sha512').update(ACTIVITY).digest('base64');
    req.headers.digest = `sha-256=${sha256Base64(ACTIVITY)}, MD5=abc, SHA-512=${sha512}`;
    const covered = ['(request-target)', 'host', 'date', 'digest'];
    const headers = req.headers as Record<string, string>;
    headers.signature = cavageSignature({ method: 'POST', target: req.target, headers, covered, privateKey: rsa.privateKey });
    expect(await verifyRequest(req, { ...known(), now: NOW })).toMatchObject({ ok: true });
    for (const digest of ['MD5=abc', 'constructor=abc, __proto__=abc']) {
      headers.digest = digest;
      headers.signature = cavageSignature({ method: 'POST', target: req.target, headers, covered, privateKey: rsa.privateKey });
      expect(await verifyRequest(req, { ...known(), now: NOW })).toMatchObject({ ok: false, failure: 'unsupported_algorithm' });
    }
  });
});

describe('keys', () => {
  it('reports an unknown keyId as unknown_key without asking for a refresh', async () => {
    const ring = keyring({});
    expect(await verifyRequest(signedPost(), { ...ring, now: NOW })).toMatchObject({ ok: false, failure: 'unknown_key', keyId: KEY_ID });
    expect(ring.calls).toEqual([[KEY_ID, false]]);
  });

  it('follows a key rotation: refetches once and verifies with the new key', async () => {
    const headers = signRequest({ method: 'POST', url: INBOX, body: ACTIVITY }, { keyId: KEY_ID, privateKey: rotatedRsa.privateKey }, NOW);
    const ring = keyring({ [KEY_ID]: rsa.publicKey }, { [KEY_ID]: rotatedRsa.publicKey });
    expect(await verifyRequest(incoming('POST', INBOX, headers, ACTIVITY), { ...ring, now: NOW })).toMatchObject({ ok: true });
    expect(ring.calls).toEqual([
      [KEY_ID, false],
      [KEY_ID, true],
    ]);
  });

  it('reports a signature by some other key as bad_signature, also when the key type does not fit', async () => {
    for (const publicKey of [rotatedRsa.publicKey, ed25519.publicKey]) {
      const result = await verifyRequest(signedPost(), { ...keyring({ [KEY_ID]: publicKey }), now: NOW });
      expect(result).toMatchObject({ ok: false, failure: 'bad_signature' });
    }
  });
});

/** mulberry32: a tiny seeded PRNG, so every run tries the same mutations. */
function prng(seed: number) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('mutated requests', () => {
  const rfc9421Request = () => {
    const headers: Record<string, string> = { 'content-digest': `sha-256=:${sha256Base64(ACTIVITY)}:` };
    const params = `created=${NOW_SECONDS};keyid="${KEY_ID}";alg="rsa-v1_5-sha256"`;
    const components = ['@method', '@target-uri', 'content-digest'];
    const signature = rfc9421Headers({
      method: 'POST',
      url: INBOX,
      headers,
      components,
      params,
      privateKey: rsa.privateKey,
      alg: 'rsa-v1_5-sha256',
    });
    return incoming('POST', INBOX, { ...headers, ...signature }, ACTIVITY);
  };
  const getRequest = () => {
    const url = 'https://l2.test/users/alice';
    return incoming('GET', url, signRequest({ method: 'GET', url, headers: { Accept: 'application/activity+json' } }, key, NOW));
  };
  const originals = [signedPost(), getRequest(), rfc9421Request()];

  // Letter-case flips and inserted or substituted whitespace are left out: header names, algorithm names and
  // surrounding whitespace are insignificant by design, so such a change may rightly still verify.
  it('never throw and never verify, over 200 seeded random mutations of header and body bytes', async () => {
    const random = prng(9421);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
    const visibleChar = () => {
      for (;;) {
        const c = String.fromCharCode(Math.floor(random() * 256));
        if (c.trim() !== '') return c;
      }
    };
    /** Always changes the text: every position used is inside it, except that inserting may also append. */
    const mutateText = (text: string): string => {
      const at = Math.floor(random() * text.length);
      switch (pick(['replace', 'delete', 'insert', 'truncate'] as const)) {
        case 'replace': {
          let c = visibleChar();
          while (c.toLowerCase() === (text[at] as string).toLowerCase()) c = visibleChar();
          return text.slice(0, at) + c + text.slice(at + 1);
        }
        case 'delete':
          return text.slice(0, at) + text.slice(at + 1);
        case 'insert':
          return random() < 0.1 ? text + visibleChar() : text.slice(0, at) + visibleChar() + text.slice(at);
        case 'truncate':
          return text.slice(0, at);
      }
    };
    const ring = keyring({ [KEY_ID]: rsa.publicKey });
    for (const original of originals) expect(await verifyRequest(original, { ...ring, now: NOW })).toMatchObject({ ok: true });

    const outcomes = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const original = originals[i % originals.length] as IncomingRequest;
      const req: IncomingRequest = { ...original, headers: { ...original.headers } };
      const names = Object.keys(req.headers);
      const target = random() < 0.15 && req.body ? 'body' : pick(names);
      if (target === 'body') {
        const body = Buffer.from(req.body as Buffer);
        const at = Math.floor(random() * body.length);
        body[at] = (body[at] as number) ^ (1 << Math.floor(random() * 8));
        req.body = body;
      } else if (random() < 0.1) {
        delete req.headers[target];
      } else {
        req.headers[target] = mutateText(req.headers[target] as string);
      }
      const result = await verifyRequest(req, { ...ring, now: NOW });
      describeSignature(req);
      expect(result.ok, `mutation ${i} of ${target}: ${JSON.stringify(req.headers[target] ?? '(removed)')}`).toBe(false);
      if (!result.ok) outcomes.add(result.failure);
    }
    expect(outcomes.size).toBeGreaterThan(3);
  });
});
