// An OpenTimestamps calendar on 127.0.0.1 speaking the real API: POST /digest answers a pending timestamp,
// GET /timestamp/<commitment> answers 404 until mine() commits all pending commitments to a fake block.
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildMerkleTree, opsToTimestamp, serializeTimestamp, Timestamp } from '../../src/domain/ots/index.js';
import type { FakeBitcoin } from './fake-bitcoin.js';

export type CalendarFault = { kind: 'down' } | { kind: 'slow'; ms: number } | { kind: 'garbage' } | { kind: 'html' } | null;

export class FakeCalendar {
  /** Digests received by POST /digest, in order (to check nothing is stamped twice). */
  readonly submissions: string[] = [];
  private readonly pending = new Map<string, Buffer>();
  private readonly upgraded = new Map<string, Buffer>();
  private readonly server = http.createServer((req, res) => void this.handle(req, res));
  private origin = '';
  fault: CalendarFault = null;

  static async start(chain: FakeBitcoin): Promise<FakeCalendar> {
    const calendar = new FakeCalendar(chain);
    await new Promise<void>((r) => calendar.server.listen(0, '127.0.0.1', r));
    calendar.origin = `http://127.0.0.1:${(calendar.server.address() as AddressInfo).port}`;
    return calendar;
  }

  private constructor(private readonly chain: FakeBitcoin) {}

  get url(): string {
    return this.origin;
  }

  /** Commits every pending commitment to a new block, like a calendar whose transaction just confirmed. */
  mine(): number | null {
    const commitments = [...this.pending.values()];
    if (commitments.length === 0) return null;
    const leaves = commitments.map((c) => createHash('sha256').update(c).digest());
    const tree = buildMerkleTree(leaves);
    const block = this.chain.addBlock(tree.root);
    commitments.forEach((commitment, i) => {
      const { root, tip } = opsToTimestamp(commitment, [{ kind: 'sha256' }, ...tree.path(i)]);
      tip.attestations.push({ kind: 'bitcoin', height: block.height });
      const hex = commitment.toString('hex');
      this.upgraded.set(hex, serializeTimestamp(root));
      this.pending.delete(hex);
    });
    return block.height;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const fault = this.fault;
    if (fault?.kind === 'down') return void res.writeHead(503).end('Service Unavailable');
    if (fault?.kind === 'slow') await new Promise((r) => setTimeout(r, fault.ms));
    if (fault?.kind === 'html') return void res.writeHead(200, { 'content-type': 'text/html' }).end('<html>maintenance</html>');
    if (fault?.kind === 'garbage') return void res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(randomBytes(40));

    const path = new URL(req.url!, this.origin).pathname;
    if (req.method === 'POST' && path === '/digest') {
      const digest = Buffer.concat(chunks);
      if (digest.length === 0 || digest.length > 64) return void res.writeHead(400).end('invalid digest');
      this.submissions.push(digest.toString('hex'));
      const time = Buffer.alloc(4);
      time.writeUInt32BE(Math.floor(Date.now() / 1000));
      const root = new Timestamp(digest);
      const tip = root.add({ kind: 'prepend', arg: time }).add({ kind: 'append', arg: randomBytes(8) });
      tip.attestations.push({ kind: 'pending', uri: this.origin });
      this.pending.set(tip.msg.toString('hex'), tip.msg);
      res.writeHead(200, { 'content-type': 'application/vnd.opentimestamps.v1' }).end(serializeTimestamp(root));
      return;
    }
    const match = /^\/timestamp\/([0-9a-f]+)$/.exec(path);
    if (req.method === 'GET' && match) {
      const upgraded = this.upgraded.get(match[1]!);
      if (upgraded) return void res.writeHead(200, { 'content-type': 'application/vnd.opentimestamps.v1' }).end(upgraded);
      return void res.writeHead(404).end(this.pending.has(match[1]!) ? 'Pending confirmation in Bitcoin blockchain' : 'Not found');
    }
    res.writeHead(404).end();
  }
}
