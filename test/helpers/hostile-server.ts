// A loopback HTTP peer that misbehaves on request: hangs, resets, answers slowly, with garbage or an endless
// body, or holds requests until released. Otherwise it forwards to `upstream` (a proxy in front of a fake)
// or answers 202 (an inbox). Every request is recorded, so tests can wait for one to arrive.
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type PeerFault =
  | { kind: 'hang' }
  | { kind: 'reset' }
  | { kind: 'slow'; ms: number }
  | { kind: 'garbage' }
  | { kind: 'endless' }
  | { kind: 'status'; status: number }
  | { kind: 'hold' };

export interface PeerRequest {
  method: string;
  path: string;
  body: Buffer;
  /** The fault this request met, or null when it was answered normally. */
  fault: PeerFault['kind'] | null;
}

interface Rule {
  match: string | RegExp;
  fault: PeerFault;
  remaining: number;
}

const ENDLESS_CHUNK = Buffer.alloc(64 * 1024, 'endless ');

export class HostileServer {
  readonly requests: PeerRequest[] = [];
  private readonly rules: Rule[] = [];
  private readonly held: (() => void)[] = [];
  private readonly waiters: { predicate: (r: PeerRequest) => boolean; resolve: (r: PeerRequest) => void }[] = [];
  private readonly server = http.createServer((req, res) => void this.handle(req, res));
  private origin = '';

  private constructor(private readonly upstream: string | null) {}

  static async start(options: { upstream?: string } = {}): Promise<HostileServer> {
    const peer = new HostileServer(options.upstream ?? null);
    await new Promise<void>((resolve) => peer.server.listen(0, '127.0.0.1', resolve));
    peer.origin = `http://127.0.0.1:${(peer.server.address() as AddressInfo).port}`;
    return peer;
  }

  get url(): string {
    return this.origin;
  }

  /** Requests whose path equals (or matches) `match` meet `fault`, `times` times (forever by default). */
  setFault(match: string | RegExp, fault: PeerFault, times = Infinity): void {
    this.rules.unshift({ match, fault, remaining: times });
  }

  clearFaults(): void {
    this.rules.length = 0;
  }

  /** Lets every held request through (answered as if no fault had applied). */
  release(): void {
    for (const go of this.held.splice(0)) go();
  }

  waitForRequest(predicate: (r: PeerRequest) => boolean = () => true): Promise<PeerRequest> {
    const seen = this.requests.find(predicate);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve) => this.waiters.push({ predicate, resolve }));
  }

  async stop(): Promise<void> {
    this.release();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private take(path: string): PeerFault | null {
    const rule = this.rules.find((r) => (typeof r.match === 'string' ? r.match === path : r.match.test(path)));
    if (!rule) return null;
    if (--rule.remaining <= 0) this.rules.splice(this.rules.indexOf(rule), 1);
    return rule.fault;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const path = new URL(req.url ?? '/', this.origin).pathname;
    const fault = this.take(path);
    const recorded: PeerRequest = { method: req.method ?? 'GET', path, body: Buffer.concat(chunks), fault: fault?.kind ?? null };
    this.requests.push(recorded);
    for (const waiter of [...this.waiters]) {
      if (!waiter.predicate(recorded)) continue;
      this.waiters.splice(this.waiters.indexOf(waiter), 1);
      waiter.resolve(recorded);
    }
    switch (fault?.kind) {
      case 'hang':
        return;
      case 'reset':
        req.socket.resetAndDestroy();
        return;
      case 'garbage':
        res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(randomBytes(40));
        return;
      case 'endless':
        return streamForever(res);
      case 'status':
        res.writeHead(fault.status, { 'content-type': 'text/plain' }).end(`status ${fault.status}`);
        return;
      case 'slow':
        await new Promise((resolve) => setTimeout(resolve, fault.ms));
        break;
      case 'hold':
        await new Promise<void>((resolve) => this.held.push(resolve));
        break;
    }
    if (res.destroyed) return;
    if (this.upstream) return this.forward(req, recorded.body, res);
    res.writeHead(202).end();
  }

  private forward(req: http.IncomingMessage, body: Buffer, res: http.ServerResponse): void {
    const target = new URL(req.url ?? '/', this.upstream!);
    const headers = { ...req.headers, host: target.host };
    const out = http.request(target, { method: req.method, headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    out.on('error', () => res.destroy());
    out.end(body);
  }
}

// Writes with backpressure until the client goes away.
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
