// HTTP-signature replay and header stripping against our inboxes. A signed request may be replayed byte for
// byte while its Date is inside the window (±1 h, as Fedify; Mastodon allows more): like Mastodon we rely on
// deduplicating activity ids, and here the effect of any replay must be exactly that of the first delivery.
// Outside the window, with coverage stripped, with a swapped body or digest, with another actor's key, an
// unknown key or oversized headers, nothing may be stored.
import { createHash, sign } from 'node:crypto';
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signRequest } from '../../src/federation/http-signatures.js';
import { FakeFediverse, type FakeActor } from '../doubles/fake-fediverse.js';
import { registerAndLogin } from '../helpers/http.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let server: TestServer;
let remote: FakeFediverse;
let evil: FakeFediverse;
let bob: FakeActor;
let carol: FakeActor;
let mallory: FakeActor;
let inbox: string;
let counter = 0;

const ALICE = 'https://l2.test/users/alice';

beforeAll(async () => {
  server = await startTestServer({ role: 'api' });
  [remote, evil] = await Promise.all([FakeFediverse.start(), FakeFediverse.start()]);
  bob = remote.addActor('bob');
  carol = remote.addActor('carol', { sharedKey: true });
  mallory = evil.addActor('mallory');
  await registerAndLogin(server.url, 'alice');
  await registerAndLogin(server.url, 'amy');
  inbox = `${server.url}/users/alice/inbox`;
}, 120_000);
afterAll(async () => {
  await server?.stop();
  await Promise.all([remote?.stop(), evil?.stop()]);
});

const db = () => server.database.db;
const activityId = (host: FakeFediverse, kind: string) => `${host.url}/activities/${kind}-${++counter}`;
const follow = (actor: FakeActor, host = remote) => ({ id: activityId(host, 'follow'), type: 'Follow', actor: actor.id, object: ALICE });

interface Sent {
  status: number;
  body: string;
}

/** A POST with exactly these headers (Host included), so a captured request can be replayed byte for byte. */
function post(url: string, headers: Record<string, string>, body: string): Promise<Sent> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: target.hostname, port: target.port, path: target.pathname + target.search, method: 'POST', headers, setHost: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode!, body: Buffer.concat(chunks).toString() }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** A request signed by `signer` as our own outbound deliveries are (cavage, rsa-sha256, all four headers). */
function signed(url: string, activity: unknown, signer: FakeActor, now = new Date()): { headers: Record<string, string>; body: string } {
  const body = JSON.stringify(activity);
  const headers = signRequest({ method: 'POST', url, headers: { 'content-type': 'application/activity+json' }, body }, signer, now);
  return { headers, body };
}

/** Signs by hand over exactly `covered`, so a test can leave a component out. */
function signedCovering(url: string, activity: unknown, signer: FakeActor, covered: string[], omit: string[] = []) {
  const target = new URL(url);
  const body = JSON.stringify(activity);
  const all: Record<string, string> = {
    host: target.host,
    date: new Date().toUTCString(),
    digest: `SHA-256=${createHash('sha256').update(body).digest('base64')}`,
    'content-type': 'application/activity+json',
  };
  const lines = covered.map((name) => (name === '(request-target)' ? `${name}: post ${target.pathname}` : `${name}: ${all[name]}`));
  const signature = sign('sha256', Buffer.from(lines.join('\n')), signer.privateKey).toString('base64');
  const headers: Record<string, string> = {
    ...all,
    signature: `keyId="${signer.keyId}",algorithm="rsa-sha256",headers="${covered.join(' ')}",signature="${signature}"`,
  };
  for (const name of omit) delete headers[name];
  return { headers, body };
}

/** The headers with one replaced, whatever its case. */
function replaced(headers: Record<string, string>, name: string, value: string): Record<string, string> {
  const out = Object.fromEntries(Object.entries(headers).filter(([key]) => key.toLowerCase() !== name.toLowerCase()));
  return { ...out, [name]: value };
}

const errorCode = (sent: Sent) => (JSON.parse(sent.body) as { error: { code: string } }).error.code;
const outcome = (sent: Sent) => (JSON.parse(sent.body) as { status: string }).status;
const stored = async (id: string) => (await db()('inbox_activities').where({ activity_id: id })).length;
const followerRows = async (actorId: string) =>
  (await db()('followers').join('users', 'users.id', 'followers.user_id').where({ 'users.username': 'alice', actor_id: actorId })).length;
const accepts = async (followId: string) => (await db()('activities').where({ activity_type: 'Accept', object_id: followId })).length;

async function expectRefused(sent: Sent, status: number, code: string, id?: string): Promise<void> {
  expect(sent.status, sent.body).toBe(status);
  expect(errorCode(sent)).toBe(code);
  if (id) expect(await stored(id)).toBe(0);
}

describe('replaying a signed request inside the Date window', () => {
  it('applies a Follow once however often the identical request is replayed, on one or many connections', async () => {
    const activity = follow(bob);
    const { headers, body } = signed(inbox, activity, bob);
    const first = await post(inbox, headers, body);
    expect(first.status).toBe(202);
    expect(outcome(first)).toBe('accepted');
    const replays = await Promise.all(Array.from({ length: 5 }, () => post(inbox, headers, body)));
    for (const replay of replays) {
      expect(replay.status).toBe(202);
      expect(outcome(replay)).toBe('duplicate');
    }
    expect(await stored(activity.id)).toBe(1);
    expect(await followerRows(bob.id)).toBe(1);
    expect(await accepts(activity.id)).toBe(1);
    const deliveries = await db()('deliveries')
      .join('activities', 'activities.id', 'deliveries.activity_id')
      .where({ 'activities.activity_type': 'Accept', 'activities.object_id': activity.id });
    expect(deliveries).toHaveLength(1);
  });

  it('applies concurrent first deliveries of one request exactly once', async () => {
    const activity = follow(carol);
    const { headers, body } = signed(inbox, activity, carol);
    const all = await Promise.all(Array.from({ length: 6 }, () => post(inbox, headers, body)));
    expect(all.map((r) => r.status)).toEqual(new Array(6).fill(202));
    expect(all.map(outcome).sort()).toEqual(['accepted', 'duplicate', 'duplicate', 'duplicate', 'duplicate', 'duplicate']);
    expect(await followerRows(carol.id)).toBe(1);
    expect(await accepts(activity.id)).toBe(1);
  });

  it('does not bring back a follow that was undone when the old Follow is replayed', async () => {
    const dave = remote.addActor('dave', { sharedKey: true });
    const activity = follow(dave);
    const captured = signed(inbox, activity, dave);
    expect((await post(inbox, captured.headers, captured.body)).status).toBe(202);
    expect(await followerRows(dave.id)).toBe(1);
    const undo = { id: activityId(remote, 'undo'), type: 'Undo', actor: dave.id, object: activity };
    expect((await remote.send(inbox, undo, dave)).status).toBe(202);
    expect(await followerRows(dave.id)).toBe(0);
    const replay = await post(inbox, captured.headers, captured.body);
    expect(replay.status).toBe(202);
    expect(outcome(replay)).toBe('duplicate');
    expect(await followerRows(dave.id)).toBe(0);
    // Re-signing the same activity now (a fresh Date) is still the same activity id: still a duplicate.
    expect(outcome(await post(inbox, ...(Object.values(signed(inbox, activity, dave)) as [Record<string, string>, string])))).toBe(
      'duplicate',
    );
    expect(await followerRows(dave.id)).toBe(0);
  });

  it('ignores a second activity that reuses an id with different content', async () => {
    const original = follow(bob);
    expect((await remote.send(inbox, original, bob)).status).toBe(202);
    const reused = { ...original, type: 'Like', object: 'https://l2.test/objects/x' };
    const res = await remote.send(inbox, reused, bob);
    expect(res.status).toBe(202);
    expect(((await res.json()) as { status: string }).status).toBe('duplicate');
    const rows = await db()('inbox_activities').where({ activity_id: original.id });
    expect(rows.map((r) => r.activity_type)).toEqual(['Follow']);
  });

  it('refuses an activity id on another server, which could pre-empt (and silence) that server’s real activity', async () => {
    const poisoned = { ...follow(mallory, evil), id: activityId(remote, 'follow') };
    const res = await evil.send(inbox, poisoned, mallory);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('activity_id_origin');
    expect(await stored(poisoned.id)).toBe(0);
    // The real owner of that id is then heard normally.
    const genuine = { ...follow(bob), id: poisoned.id };
    const ok = await remote.send(inbox, genuine, bob);
    expect(((await ok.json()) as { status: string }).status).toBe('accepted');
  });

  it('refuses the captured request at another inbox or for another host (request-target and host are signed)', async () => {
    const activity = follow(bob);
    const { headers, body } = signed(inbox, activity, bob);
    await expectRefused(await post(`${server.url}/users/amy/inbox`, headers, body), 401, 'signature_bad_signature', activity.id);
    await expectRefused(await post(`${server.url}/inbox`, headers, body), 401, 'signature_bad_signature', activity.id);
    await expectRefused(
      await post(inbox, replaced(headers, 'host', 'other-server.example'), body),
      401,
      'signature_bad_signature',
      activity.id,
    );
    // A query string added to the URL is tolerated (Fedify, Misskey and older Mastodon sign the path alone), but
    // the inbox ignores queries, so it is the same delivery: stored once, and the original is then a replay.
    expect(outcome(await post(`${inbox}?x=1`, headers, body))).toBe('accepted');
    expect(outcome(await post(inbox, headers, body))).toBe('duplicate');
    expect(await stored(activity.id)).toBe(1);
  });
});

describe('the Date window', () => {
  it('accepts a Date 59 minutes old, and refuses one 61 minutes old or 61 minutes ahead', async () => {
    const recent = follow(bob);
    const okay = signed(inbox, recent, bob, new Date(Date.now() - 59 * 60_000));
    expect((await post(inbox, okay.headers, okay.body)).status).toBe(202);
    for (const offset of [-61, 61]) {
      const activity = follow(bob);
      const stale = signed(inbox, activity, bob, new Date(Date.now() + offset * 60_000));
      await expectRefused(await post(inbox, stale.headers, stale.body), 401, 'signature_date_out_of_window', activity.id);
    }
  });

  it('refuses a fresh Date header that the signature does not cover, pasted onto an old signature', async () => {
    const activity = follow(bob);
    const old = signed(inbox, activity, bob, new Date(Date.now() - 3 * 3600_000));
    const refreshed = replaced(old.headers, 'date', new Date().toUTCString());
    await expectRefused(await post(inbox, refreshed, old.body), 401, 'signature_bad_signature', activity.id);
  });
});

describe('stripped or weakened signatures', () => {
  const ALL = ['(request-target)', 'host', 'date', 'digest'];

  it.each([
    ['(request-target)', ['host', 'date', 'digest']],
    ['host', ['(request-target)', 'date', 'digest']],
    ['date', ['(request-target)', 'host', 'digest']],
    ['digest', ['(request-target)', 'host', 'date']],
    ['everything but date', ['date']],
  ])('refuses a signature that does not cover %s', async (_label, covered) => {
    const activity = follow(bob);
    const { headers, body } = signedCovering(inbox, activity, bob, covered);
    await expectRefused(await post(inbox, headers, body), 401, 'signature_insufficient_coverage', activity.id);
  });

  it('accepts the same hand-made signature when it covers all four (the control)', async () => {
    const activity = follow(bob);
    const { headers, body } = signedCovering(inbox, activity, bob, ALL);
    expect((await post(inbox, headers, body)).status).toBe(202);
  });

  it.each([
    ['Digest', 'digest', 'signature_missing_digest'],
    ['Date', 'date', 'signature_missing_covered_header'],
    ['Signature', 'signature', 'signature_missing_signature'],
  ])('refuses a request whose %s header was removed', async (_label, header, code) => {
    const activity = follow(bob);
    const { headers, body } = signedCovering(inbox, activity, bob, ALL, [header]);
    await expectRefused(await post(inbox, headers, body), 401, code, activity.id);
  });
});

describe('swapped bodies and digests', () => {
  it('refuses a swapped body under the original Digest', async () => {
    const activity = follow(bob);
    const { headers } = signed(inbox, activity, bob);
    const swapped = JSON.stringify({ ...activity, object: 'https://l2.test/users/amy' });
    await expectRefused(await post(inbox, headers, swapped), 401, 'signature_digest_mismatch', activity.id);
  });

  it('refuses a swapped body with a recomputed Digest, since the signature covers the Digest', async () => {
    const activity = follow(bob);
    const { headers } = signed(inbox, activity, bob);
    const other = { ...activity, id: activityId(remote, 'follow') };
    const swapped = JSON.stringify(other);
    const digest = `SHA-256=${createHash('sha256').update(swapped).digest('base64')}`;
    await expectRefused(await post(inbox, replaced(headers, 'digest', digest), swapped), 401, 'signature_bad_signature', other.id);
  });

  it('refuses a Digest whose second algorithm does not match, and one naming no algorithm it knows', async () => {
    const activity = follow(bob);
    const { headers, body } = signed(inbox, activity, bob);
    const wrong512 = `${headers.Digest}, SHA-512=${createHash('sha512').update('something else').digest('base64')}`;
    await expectRefused(await post(inbox, replaced(headers, 'digest', wrong512), body), 401, 'signature_digest_mismatch', activity.id);
    const md5 = `MD5=${createHash('md5').update(body).digest('base64')}`;
    await expectRefused(await post(inbox, replaced(headers, 'digest', md5), body), 401, 'signature_unsupported_algorithm', activity.id);
  });
});

describe('keys', () => {
  it('refuses a request signed with another actor’s key, on this server or another', async () => {
    const activity = follow(bob);
    await expectRefused(
      await post(inbox, ...(Object.values(signed(inbox, activity, carol)) as [Record<string, string>, string])),
      401,
      'signature_actor_mismatch',
      activity.id,
    );
    await expectRefused(
      await post(inbox, ...(Object.values(signed(inbox, activity, mallory)) as [Record<string, string>, string])),
      401,
      'signature_actor_mismatch',
      activity.id,
    );
  });

  it('refuses bob’s keyId with a signature made by someone else’s private key', async () => {
    const activity = follow(bob);
    const forged = signed(inbox, activity, { ...bob, privateKey: mallory.privateKey });
    await expectRefused(await post(inbox, forged.headers, forged.body), 401, 'signature_bad_signature', activity.id);
  });

  it('refuses a key document on another server that claims to belong to bob', async () => {
    evil.serveDocument('/keys/bob', { id: `${evil.url}/keys/bob`, owner: bob.id, publicKeyPem: mallory.publicKeyPem });
    const activity = follow(bob);
    const forged = signed(inbox, activity, { ...mallory, keyId: `${evil.url}/keys/bob` });
    await expectRefused(await post(inbox, forged.headers, forged.body), 401, 'signature_unknown_key', activity.id);
  });

  it('refuses an actor document on another server that claims to be bob', async () => {
    evil.serveDocument('/users/fake-bob', { ...evil.actorDocument(mallory), id: bob.id });
    const activity = follow(bob);
    const forged = signed(inbox, activity, { ...mallory, keyId: `${evil.url}/users/fake-bob#main-key` });
    await expectRefused(await post(inbox, forged.headers, forged.body), 401, 'signature_unknown_key', activity.id);
  });

  it('refuses an unknown key, and a keyId that is not an http(s) URL', async () => {
    const activity = follow(bob);
    const unknown = signed(inbox, activity, { ...bob, keyId: `${remote.url}/users/nobody#main-key` });
    await expectRefused(await post(inbox, unknown.headers, unknown.body), 401, 'signature_unknown_key', activity.id);
    for (const keyId of ['file:///etc/passwd', 'not a url', 'gopher://localhost:70/x']) {
      const odd = signed(inbox, activity, { ...bob, keyId });
      const res = await post(inbox, odd.headers, odd.body);
      expect(res.status, res.body).toBe(401);
      expect(await stored(activity.id)).toBe(0);
    }
  });
});

describe('oversized and piled-up headers', () => {
  it('refuses a Signature header over 16 KiB before any handler sees it', async () => {
    const activity = follow(bob);
    const { headers, body } = signed(inbox, activity, bob);
    const huge = replaced(headers, 'signature', `${headers.Signature!}${' '.repeat(20_000)}`);
    // Node answers 431 and closes; the close may win the race with reading that answer.
    const res = await post(inbox, huge, body).catch((err: NodeJS.ErrnoException) => ({ status: err.code, body: '' }));
    expect([431, 'ECONNRESET', 'EPIPE']).toContain(res.status);
    expect(await stored(activity.id)).toBe(0);
  });

  it('tries at most three RFC 9421 signature labels, so one request cannot make us fetch many keys', async () => {
    const activity = follow(bob);
    const body = JSON.stringify(activity);
    const created = Math.floor(Date.now() / 1000);
    const labels = Array.from({ length: 12 }, (_, i) => `s${i}`);
    const input = labels
      .map((l, i) => `${l}=("@method" "@target-uri" "content-digest");keyid="${remote.url}/users/unknown-${i}#main-key";created=${created}`)
      .join(', ');
    const fetchesBefore = remote.actorFetches.length;
    const res = await post(
      inbox,
      {
        host: new URL(inbox).host,
        'content-type': 'application/activity+json',
        'content-digest': `sha-256=:${createHash('sha256').update(body).digest('base64')}:`,
        'signature-input': input,
        signature: labels.map((l) => `${l}=:${Buffer.from('not a signature').toString('base64')}:`).join(', '),
      },
      body,
    );
    expect(res.status).toBe(401);
    const fetched = remote.actorFetches.slice(fetchesBefore);
    expect(fetched.length).toBeGreaterThan(0);
    expect(fetched.length).toBeLessThanOrEqual(3);
    expect(await stored(activity.id)).toBe(0);
  });

  it('refuses a signature with a huge list of covered headers without a server error', async () => {
    const activity = follow(bob);
    const covered = ['(request-target)', 'host', 'date', 'digest', ...Array.from({ length: 500 }, (_, i) => `x-h${i}`)];
    const { headers, body } = signedCovering(inbox, activity, bob, covered);
    await expectRefused(await post(inbox, headers, body), 401, 'signature_missing_covered_header', activity.id);
  });
});
