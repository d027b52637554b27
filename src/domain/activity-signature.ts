// Signatures embedded in the activities we publish: RSASSA-PKCS1-v1_5 over SHA-256 of the RFC 8785
// canonical JSON of the whole activity with only `signature.signatureValue` left out (docs/activity-signatures.md).
import { sign, verify, type KeyObject } from 'node:crypto';
import { canonicalJson } from './jcs.js';

export const SIGNATURE_TYPE = 'JcsRsaSignature2025';

export interface SigningKey {
  keyId: string;
  privateKey: KeyObject;
}

export interface SignedActivity {
  /** The exact bytes to store and serve; anchors and proofs are computed over them. */
  raw: string;
  document: Record<string, unknown>;
}

/** Signs on libuv's thread pool (RSA signing is ~0.35 ms of CPU), keeping the event loop free. */
export async function signActivity(activity: Record<string, unknown>, key: SigningKey, created: string): Promise<SignedActivity> {
  const signature: Record<string, unknown> = { type: SIGNATURE_TYPE, creator: key.keyId, created };
  const signed = canonicalJson({ ...activity, signature });
  const value = await new Promise<Buffer>((resolve, reject) =>
    sign('sha256', Buffer.from(signed, 'utf8'), key.privateKey, (err, result) => (err ? reject(err) : resolve(result))),
  );
  signature.signatureValue = value.toString('base64');
  const document = { ...activity, signature };
  return { raw: JSON.stringify(document), document };
}

/** Checks an activity's embedded signature against the creator's public key. */
export function verifyActivitySignature(raw: string, publicKey: KeyObject | string): boolean {
  let document: Record<string, unknown>;
  try {
    document = JSON.parse(raw) as Record<string, unknown>;
  } catch {
    return false;
  }
  const signature = document.signature as Record<string, unknown> | undefined;
  if (!signature || signature.type !== SIGNATURE_TYPE || typeof signature.signatureValue !== 'string') return false;
  const { signatureValue, ...rest } = signature;
  const signed = canonicalJson({ ...document, signature: rest });
  return verify('sha256', Buffer.from(signed, 'utf8'), publicKey, Buffer.from(signatureValue, 'base64'));
}
