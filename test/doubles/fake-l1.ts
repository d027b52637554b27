// A fake Art DAG L1 on a real loopback HTTP server, serving runs and cached bytes, with faults to switch on per path.
import { createHash, createPublicKey, randomBytes, type KeyObject } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { verifyRequest } from '../../src/federation/http-signatures.js';

export interface FakeRun {
  run_id: string;
  status: string;
  recipe: string;
  recipe_cid?: string;
  inputs: string[];
  output_hash: string;
  output_cid?: string;
  username?: string;
  completed_at: string | null;
  [extra: string]: unknown;
}

export type Fault =
  | { kind: 'slow'; ms: number }
  | { kind: 'status'; status: number; times?: number; body?: string }
  | { kind: 'html' }
  | { kind: 'malformed-json' }
  | { kind: 'wrong-bytes' }
  | { kind: 'truncate' }
  | { kind: 'endless' }
  | { kind: 'hang' }
  | { kind: 'reset' };

export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** Set for the /auth endpoints, which read their bodies. */
  body?: Buffer;
  /** path plus query, as received. */
  target?: string;
}

/** A notification from L2 (POST /auth/revoke or /auth/revoke-user) that passed signature verification. */
export interface L2Notification {
  kind: 'revoke' | 'revoke-user';
  username: string;
  l2_server: string;
  reference: string;
  keyId: string;
}

/** What the fake L1 learned from L2's /auth/verify when a user arrived with a token. */
export interface L1Login {
  status: number;
  body: Record<string, unknown>;
  session?: string;
}

interface Reply {
  status: number;
  type: string;
  body: Buffer;
  headers?: Record<string, string>;
}

interface FaultEntry {
  key: string;
  match: string | RegExp;
  fault: Fault;
  remaining: number;
}

// What a proxy or login wall in front of an L1 tends to answer with: a page, not data.
const HTML_PAGE = '<!DOCTYPE html><html><head><title>Art DAG L1</title></head><body><h1>Please log in</h1></body></html>';
const ENDLESS_CHUNK = Buffer.alloc(64 * 1024, 'endless ');

function sha3(bytes: Buffer): string {
  return createHash('sha3-256').update(bytes).digest('hex');
}

function json(status: number, value: unknown, headers?: Record<string, string>): Reply {
  return { status, type: 'application/json', body: Buffer.from(JSON.stringify(value)), headers };
}

function looksLikeJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

function decodeSegment(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}

function send(res: http.ServerResponse, reply: Reply): void {
  res.writeHead(reply.status, { 'content-type': reply.type, 'content-length': reply.body.length, ...reply.headers });
  res.end(reply.body);
}

// Writes with backpressure and stops for good once the response closes, so an abandoned stream costs nothing.
function streamForever(res: http.ServerResponse): void {
  res.writeHead(200, { 'content-type': 'application/octet-stream' });
  let open = true;
  res.once('close', () => (open = false));
  const pump = (): void => {
    if (!open) return;
    if (res.write(ENDLESS_CHUNK)) setImmediate(pump);
    else res.once('drain', pump);
  };
  pump();
}

// Timers may fire a millisecond early by the high-resolution clock; tests assert "no earlier than ms", so re-arm.
function afterAtLeast(ms: number, res: http.ServerResponse, then: () => void): void {
  const due = performance.now() + ms;
  const tick = (): void => {
    const left = due - performance.now();
    if (left <= 0) return then();
    timer = setTimeout(tick, Math.ceil(left));
  };
  let timer = setTimeout(tick, ms);
  res.once('close', () => clearTimeout(timer));
}

export class FakeL1 {
  readonly requests: RecordedRequest[] = [];
  private readonly server = http.createServer((req, res) => this.handle(req, res));
  private readonly runs = new Map<string, FakeRun>();
  private readonly cache = new Map<string, Buffer>();
  /** Large items generated on the fly (never held in memory), by hash → size. */
  private readonly generated = new Map<string, number>();
  private readonly faults = new Map<string, FaultEntry>();
  private readonly waiters: { predicate: (r: RecordedRequest) => boolean; resolve: (r: RecordedRequest) => void }[] = [];
  private readonly closes = new WeakMap<RecordedRequest, Promise<void>>();
  private bearerCheck: ((token: string, req: RecordedRequest) => boolean) | null = null;
  private origin = '';
  /** L2's public URL → where it really listens (a hosts file for the fake). */
  private l2: { publicUrl: string; url: string } | null = null;
  /** Signed-in users by session id, as an L1 keeps them after /auth. */
  readonly sessions = new Map<string, string>();
  readonly notifications: L2Notification[] = [];
  readonly logins: L1Login[] = [];

  private constructor() {}

  static async start(): Promise<FakeL1> {
    const fake = new FakeL1();
    await new Promise<void>((resolve, reject) => {
      fake.server.once('error', reject);
      fake.server.listen(0, '127.0.0.1', resolve);
    });
    fake.origin = `http://127.0.0.1:${(fake.server.address() as AddressInfo).port}`;
    return fake;
  }

  get url(): string {
    return this.origin;
  }

  /** A cache item of `size` pseudo-random bytes produced while streaming; resolves to its hash. */
  async addGeneratedItem(size: number): Promise<string> {
    const hasher = createHash('sha3-256');
    for await (const chunk of generate(size)) hasher.update(chunk);
    const hash = hasher.digest('hex');
    this.generated.set(hash, size);
    return hash;
  }

  addCacheItem(bytes: Buffer): string {
    const hash = sha3(bytes);
    this.cache.set(hash, Buffer.from(bytes));
    return hash;
  }

  addRun(run: Partial<FakeRun> & { run_id: string }, output?: Buffer): FakeRun {
    const status = run.status ?? 'completed';
    const stored: FakeRun = {
      ...run,
      status,
      recipe: run.recipe ?? `recipe-${run.run_id}`,
      inputs: run.inputs ?? [],
      // Without an output the default names bytes the cache does not hold, as for an L1 that lost them.
      output_hash: output ? this.addCacheItem(output) : (run.output_hash ?? sha3(Buffer.from(`output of ${run.run_id}`))),
      completed_at: run.completed_at !== undefined ? run.completed_at : status === 'completed' ? new Date().toISOString() : null,
    };
    this.runs.set(run.run_id, stored);
    return stored;
  }

  setFault(path: string | RegExp, fault: Fault | null): void {
    // A global or sticky RegExp remembers lastIndex between tests, so keep only its pattern and other flags.
    const match = typeof path === 'string' ? path : new RegExp(path.source, path.flags.replace(/[gy]/g, ''));
    const key = typeof match === 'string' ? `path:${match}` : `regexp:${match}`;
    const remaining = fault?.kind === 'status' ? (fault.times ?? Infinity) : Infinity;
    if (fault && remaining > 0) this.faults.set(key, { key, match, fault, remaining });
    else this.faults.delete(key);
  }

  /** Trusts this L2 for /auth: its /auth/verify is called, its actor keys checked, at `url`. */
  connectL2(l2: { publicUrl: string; url: string }): void {
    this.l2 = l2;
  }

  /** Users with a session here. */
  signedIn(): string[] {
    return [...new Set(this.sessions.values())];
  }

  /** What an L1 does on every request that carries an L2 token: ask L2 whether it is still good. */
  async checkToken(token: string): Promise<{ status: number; body: Record<string, unknown> }> {
    if (!this.l2) throw new Error('connectL2() first');
    const res = await fetch(`${this.l2.url}/auth/verify`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ token, l1_server: this.origin }),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }

  requireBearer(check: ((token: string, req: RecordedRequest) => boolean) | null): void {
    this.bearerCheck = check;
  }

  waitForRequest(predicate: (r: RecordedRequest) => boolean): Promise<RecordedRequest> {
    const seen = this.requests.find(predicate);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve) => this.waiters.push({ predicate, resolve }));
  }

  /** Resolves once the fake's response to `request` is over: sent in full, cut off, or abandoned by the client. */
  waitForClose(request: RecordedRequest): Promise<void> {
    return this.closes.get(request) ?? Promise.reject(new Error(`the fake L1 never received ${request.method} ${request.path}`));
  }

  async stop(): Promise<void> {
    if (!this.server.listening) return;
    await new Promise<void>((resolve, reject) => {
      this.server.close((err) => (err ? reject(err) : resolve()));
      this.server.closeAllConnections();
    });
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const recorded: RecordedRequest = {
      method: req.method ?? 'GET',
      path: new URL(req.url ?? '/', this.origin).pathname,
      headers: { ...req.headers },
      target: req.url ?? '/',
    };
    if (recorded.path === '/auth' || recorded.path.startsWith('/auth/')) {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        recorded.body = Buffer.concat(chunks);
        this.accept(recorded, req, res);
      });
      return;
    }
    this.accept(recorded, req, res);
  }

  private accept(recorded: RecordedRequest, req: http.IncomingMessage, res: http.ServerResponse): void {
    this.requests.push(recorded);
    this.closes.set(recorded, new Promise((resolve) => res.once('close', () => resolve())));
    for (const waiter of [...this.waiters]) {
      if (!waiter.predicate(recorded)) continue;
      this.waiters.splice(this.waiters.indexOf(waiter), 1);
      waiter.resolve(recorded);
    }
    req.resume();
    const fault = this.takeFault(recorded.path);
    switch (fault?.kind) {
      case 'status': {
        const body = fault.body ?? JSON.stringify({ detail: http.STATUS_CODES[fault.status] ?? 'Error' });
        const type = looksLikeJson(body) ? 'application/json' : 'text/plain; charset=utf-8';
        return send(res, { status: fault.status, type, body: Buffer.from(body) });
      }
      case 'html':
        return send(res, { status: 200, type: 'text/html; charset=utf-8', body: Buffer.from(HTML_PAGE) });
      case 'malformed-json':
        return send(res, { status: 200, type: 'application/json', body: Buffer.from('{"run_id": "r1", "status": ') });
      case 'endless':
        return streamForever(res);
      case 'hang':
        return;
      case 'reset':
        req.socket.resetAndDestroy();
        return;
      case 'slow':
        return afterAtLeast(fault.ms, res, () => this.respond(recorded, res));
      default:
        if (recorded.path === '/auth' || recorded.path.startsWith('/auth/')) {
          this.auth(recorded).then(
            (reply) => send(res, reply),
            (err: unknown) => send(res, json(500, { detail: String(err) })),
          );
          return;
        }
        return this.respond(recorded, res, fault);
    }
  }

  /** The L1 side of L2 authentication: sign-in with an L2 token, and L2's signed revocations. */
  private async auth(recorded: RecordedRequest): Promise<Reply> {
    if (!this.l2) return json(500, { detail: 'this L1 is not connected to an L2' });
    if (recorded.path === '/auth' && recorded.method === 'GET') {
      const token = new URL(recorded.target ?? '/', this.origin).searchParams.get('auth_token');
      if (!token) return json(400, { detail: 'auth_token is required' });
      const { status, body } = await this.checkToken(token);
      if (status !== 200 || body.valid !== true) {
        this.logins.push({ status, body });
        return json(status === 200 ? 401 : status, { detail: 'L2 refused the token', l2: body });
      }
      const session = randomBytes(16).toString('hex');
      this.sessions.set(session, String(body.username));
      this.logins.push({ status, body, session });
      return {
        status: 302,
        type: 'text/plain',
        body: Buffer.from('signed in'),
        headers: { location: '/', 'set-cookie': `l1_session=${session}; HttpOnly; Path=/` },
      };
    }
    const kind = recorded.path === '/auth/revoke' ? 'revoke' : recorded.path === '/auth/revoke-user' ? 'revoke-user' : null;
    if (!kind) return json(404, { detail: 'Not Found' });
    if (recorded.method !== 'POST') return json(405, { detail: 'Method Not Allowed' }, { allow: 'POST' });
    const verified = await verifyRequest(
      {
        method: 'POST',
        target: recorded.target ?? recorded.path,
        url: `${this.origin}${recorded.target}`,
        headers: recorded.headers,
        body: recorded.body,
      },
      { getKey: (keyId) => this.l2Key(keyId) },
    );
    if (!verified.ok) return json(401, { detail: `signature: ${verified.message}` });
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(recorded.body?.toString('utf8') ?? '') as Record<string, unknown>;
    } catch {
      return json(400, { detail: 'body must be JSON' });
    }
    if (typeof body.username !== 'string' || body.l2_server !== this.l2.publicUrl)
      return json(400, { detail: 'username and our L2 are required' });
    for (const [session, username] of this.sessions) if (username === body.username) this.sessions.delete(session);
    this.notifications.push({
      kind,
      username: body.username,
      l2_server: body.l2_server,
      reference: String(body.reference),
      keyId: verified.keyId,
    });
    return json(200, { revoked: true });
  }

  /** Fetches an L2 actor's key the way a server does: the keyId's document, Accept activity+json. */
  private async l2Key(keyId: string): Promise<KeyObject | null> {
    if (!this.l2 || !keyId.startsWith(`${this.l2.publicUrl}/`)) return null;
    const res = await fetch(`${this.l2.url}${new URL(keyId).pathname}`, { headers: { accept: 'application/activity+json' } });
    if (!res.ok) return null;
    const actor = (await res.json()) as { publicKey?: { id?: string; publicKeyPem?: string } };
    return actor.publicKey?.id === keyId && actor.publicKey.publicKeyPem ? createPublicKey(actor.publicKey.publicKeyPem) : null;
  }

  /** The L1's front page, where /auth lands a browser: who is signed in by the l1_session cookie. */
  private home(recorded: RecordedRequest): Reply {
    const session = /(?:^|;\s*)l1_session=([0-9a-f]+)/.exec(String(recorded.headers.cookie ?? ''))?.[1];
    const username = session ? this.sessions.get(session) : undefined;
    const text = username ? `Signed in as ${username.replace(/[^a-z0-9_]/g, '')}` : 'Not signed in';
    const page = `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Art DAG L1</title><link rel="icon" href="data:,"></head><body><main><h1>Art DAG L1</h1><p id="l1-session">${text}</p></main></body></html>`;
    return { status: 200, type: 'text/html; charset=utf-8', body: Buffer.from(page) };
  }

  private takeFault(path: string): Fault | undefined {
    const entry = this.faults.get(`path:${path}`) ?? [...this.faults.values()].find((e) => e.match instanceof RegExp && e.match.test(path));
    if (!entry) return undefined;
    if (--entry.remaining <= 0) this.faults.delete(entry.key);
    return entry.fault;
  }

  private respond(recorded: RecordedRequest, res: http.ServerResponse, fault?: Fault): void {
    const size = !fault && !this.bearerCheck ? this.generated.get(recorded.path.replace(/^\/cache\//, '')) : undefined;
    if (size !== undefined) {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': size });
      Readable.from(generate(size)).pipe(res);
      return;
    }
    const reply = this.route(recorded);
    if (fault?.kind === 'wrong-bytes' && reply.status === 200) reply.body = Buffer.from(reply.body.map((b) => b ^ 0xff));
    if (fault?.kind !== 'truncate') return send(res, reply);
    res.writeHead(reply.status, { 'content-type': reply.type, 'content-length': reply.body.length, ...reply.headers });
    res.write(reply.body.subarray(0, Math.floor(reply.body.length / 2)), () => res.destroy());
  }

  private route(recorded: RecordedRequest): Reply {
    const { method, path, headers } = recorded;
    if (path === '/' && method === 'GET') return this.home(recorded);
    if (this.bearerCheck) {
      const token = /^Bearer +(\S+) *$/i.exec(String(headers.authorization ?? ''))?.[1];
      if (token === undefined || !this.bearerCheck(token, recorded)) {
        return json(401, { detail: 'Not authenticated' }, { 'www-authenticate': 'Bearer' });
      }
    }
    const [, collection, id, ...rest] = path.split('/');
    const key = id === undefined ? null : decodeSegment(id);
    if ((collection !== 'runs' && collection !== 'cache') || !key || rest.length > 0) return json(404, { detail: 'Not Found' });
    if (method !== 'GET') return json(405, { detail: 'Method Not Allowed' }, { allow: 'GET' });
    if (collection === 'runs') {
      const run = this.runs.get(key);
      return run ? json(200, run) : json(404, { detail: 'Run not found' });
    }
    const bytes = this.cache.get(key);
    return bytes ? { status: 200, type: 'application/octet-stream', body: bytes } : json(404, { detail: 'Cache item not found' });
  }
}

/** Deterministic pseudo-random content: a fixed random MiB with a block counter stamped into each copy. */
const BLOCK = randomBytes(1024 * 1024);

export function* generate(size: number): Generator<Buffer> {
  for (let offset = 0, block = 0; offset < size; offset += BLOCK.length, block++) {
    const chunk = Buffer.from(BLOCK.subarray(0, Math.min(BLOCK.length, size - offset)));
    if (chunk.length >= 4) chunk.writeUInt32BE(block >>> 0, 0);
    yield chunk;
  }
}
