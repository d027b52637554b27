import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signActivity, verifyActivitySignature } from '../../src/domain/activity-signature.js';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
const key = { keyId: 'https://l2.test/users/alice#main-key', privateKey };
const activity = { id: 'https://l2.test/activities/1', type: 'Create', actor: 'https://l2.test/users/alice', object: { name: 'x' } };

describe('activity signatures', () => {
  it('verify with the signer key, independent of key order in the stored JSON', async () => {
    const { raw, document } = await signActivity(activity, key, '2026-01-01T00:00:00.000Z');
    expect(verifyActivitySignature(raw, publicKey)).toBe(true);
    const reordered = JSON.stringify(Object.fromEntries(Object.entries(document).reverse()));
    expect(verifyActivitySignature(reordered, publicKey)).toBe(true);
  });

  it('fail for another key, a changed field or a changed signature date', async () => {
    const { raw } = await signActivity(activity, key, '2026-01-01T00:00:00.000Z');
    expect(verifyActivitySignature(raw, other.publicKey)).toBe(false);
    expect(verifyActivitySignature(raw.replace('"x"', '"y"'), publicKey)).toBe(false);
    expect(verifyActivitySignature(raw.replace('2026-01-01', '2027-01-01'), publicKey)).toBe(false);
  });

  it('fail for documents without a signature or that are not JSON', () => {
    expect(verifyActivitySignature(JSON.stringify(activity), publicKey)).toBe(false);
    expect(verifyActivitySignature('{not json', publicKey)).toBe(false);
  });
});
