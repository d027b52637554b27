import { signRequest as fedifySign, verifyRequest as fedifyVerify } from '@fedify/fedify/sig';
import { getDocumentLoader } from '@fedify/fedify/runtime';
import { describe, expect, it } from 'vitest';
import { signRequest, verifyRequest } from '../../src/federation/http-signatures.js';
import { KEY_ID, incoming, keyring, rsa } from './http-signatures-fixtures.js';

// Fedify signs and verifies against the real clock (its currentTime option needs Temporal, which Node 20 lacks).
const BODY = '{"type":"Follow"}';
const KEY_DOCUMENT = {
  '@context': ['https://w3id.org/security/v1'],
  id: KEY_ID,
  type: 'CryptographicKey',
  owner: 'https://remote.test/users/bob',
  publicKeyPem: rsa.publicKey.export({ type: 'spki', format: 'pem' }),
};

// Extractable, because Fedify's signRequest refuses a private key it cannot export.
const fedifyKey = () =>
  crypto.subtle.importKey(
    'pkcs8',
    rsa.privateKey.export({ type: 'pkcs8', format: 'der' }),
    { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
    true,
    ['sign'],
  );

const fedifyAccepts = async (request: Request) =>
  (await fedifyVerify(request, {
    documentLoader: async (url: string) => ({ contextUrl: null, documentUrl: url, document: KEY_DOCUMENT }),
    contextLoader: getDocumentLoader(),
  })) !== null;

describe('interop with Fedify 2.3.6', () => {
  it.each(['rfc9421', 'draft-cavage-http-signatures-12'] as const)('verifies what Fedify signs with %s', async (spec) => {
    const privateKey = await fedifyKey();
    const requests = [
      new Request('https://l2.test/users/alice/inbox', {
        method: 'POST',
        headers: { 'content-type': 'application/activity+json' },
        body: BODY,
      }),
      new Request('https://l2.test/users/alice/outbox?page=2', { headers: { accept: 'application/activity+json' } }),
    ];
    for (const request of requests) {
      const signed = await fedifySign(request, privateKey, new URL(KEY_ID), { spec });
      const body = request.method === 'POST' ? Buffer.from(await signed.arrayBuffer()) : undefined;
      const req = incoming(request.method, request.url, Object.fromEntries(signed.headers), body);
      const expected = { ok: true, scheme: spec === 'rfc9421' ? 'rfc9421' : 'cavage' };
      expect(await verifyRequest(req, keyring({ [KEY_ID]: rsa.publicKey })), `${spec} ${request.method}`).toMatchObject(expected);
    }
  });

  it('has Fedify verify our POSTs and GETs, except a GET with a query: Fedify reads (request-target) as the path only', async () => {
    const key = { keyId: KEY_ID, privateKey: rsa.privateKey };
    const post = signRequest({ method: 'POST', url: 'https://l2.test/users/alice/inbox', body: BODY }, key);
    expect(await fedifyAccepts(new Request('https://l2.test/users/alice/inbox', { method: 'POST', headers: post, body: BODY }))).toBe(true);
    for (const [url, accepted] of [
      ['https://l2.test/users/alice', true],
      ['https://l2.test/users/alice/outbox?page=2', false],
    ] as const) {
      const headers = signRequest({ method: 'GET', url, headers: { Accept: 'application/activity+json' } }, key);
      expect(await fedifyAccepts(new Request(url, { headers })), url).toBe(accepted);
    }
  });
});
