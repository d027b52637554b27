// A fake Bitcoin chain on 127.0.0.1, speaking Esplora's HTTP API (/block-height/{h}, /block/{hash},
// /blocks/tip/height) and bitcoind's JSON-RPC (getblockcount, getblockhash, getblockheader) for the `ots` client.
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeBlock {
  height: number;
  /** Display order hex, as explorers and RPC show it. */
  hash: string;
  /** Internal byte order, as in the header (what an OTS Bitcoin attestation commits to). */
  merkleRoot: Buffer;
  time: number;
  header: Buffer;
}

const sha256d = (b: Buffer) => createHash('sha256').update(createHash('sha256').update(b).digest()).digest();

export class FakeBitcoin {
  readonly blocks: FakeBlock[] = [];
  private readonly server = http.createServer((req, res) => void this.handle(req, res));
  private origin = '';
  /** Lies about merkle roots (Esplora answers with a different root than the one mined). */
  tamperEsplora = false;

  static async start(startHeight = 900_000): Promise<FakeBitcoin> {
    const chain = new FakeBitcoin(startHeight);
    await new Promise<void>((r) => chain.server.listen(0, '127.0.0.1', r));
    chain.origin = `http://127.0.0.1:${(chain.server.address() as AddressInfo).port}`;
    return chain;
  }

  private constructor(private readonly startHeight: number) {}

  get esploraUrl(): string {
    return this.origin;
  }

  /** bitcoind RPC URL with credentials, for `ots verify --bitcoin-node`. */
  get rpcUrl(): string {
    return this.origin.replace('http://', 'http://user:pass@') + '/rpc';
  }

  addBlock(merkleRoot: Buffer, time = Math.floor(Date.now() / 1000)): FakeBlock {
    const height = this.startHeight + this.blocks.length;
    const prev = this.blocks.at(-1)?.header ? sha256d(this.blocks.at(-1)!.header) : Buffer.alloc(32);
    const header = Buffer.alloc(80);
    header.writeInt32LE(0x20000000, 0);
    prev.copy(header, 4);
    merkleRoot.copy(header, 36);
    header.writeUInt32LE(time, 68);
    header.writeUInt32LE(0x1d00ffff, 72);
    header.writeUInt32LE(height, 76);
    const block = { height, hash: Buffer.from(sha256d(header)).reverse().toString('hex'), merkleRoot, time, header };
    this.blocks.push(block);
    return block;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  private byHeight(height: number) {
    return this.blocks.find((b) => b.height === height);
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const path = new URL(req.url!, this.origin).pathname;
    if (req.method === 'POST' && path === '/rpc') return this.rpc(req, res);
    let match: RegExpExecArray | null;
    if ((match = /^\/block-height\/(\d+)$/.exec(path))) {
      const block = this.byHeight(Number(match[1]));
      res.writeHead(block ? 200 : 404, { 'content-type': 'text/plain' }).end(block ? block.hash : 'Block not found');
      return;
    }
    if ((match = /^\/block\/([0-9a-f]{64})$/.exec(path))) {
      const block = this.blocks.find((b) => b.hash === match![1]);
      if (!block) return void res.writeHead(404).end('Block not found');
      const root = this.tamperEsplora ? createHash('sha256').update(block.merkleRoot).digest() : block.merkleRoot;
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          id: block.hash,
          height: block.height,
          merkle_root: Buffer.from(root).reverse().toString('hex'),
          timestamp: block.time,
          tx_count: 1,
        }),
      );
      return;
    }
    if (path === '/blocks/tip/height') {
      res.writeHead(200).end(String(this.startHeight + this.blocks.length - 1));
      return;
    }
    res.writeHead(404).end();
  }

  private async rpc(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const call = JSON.parse(Buffer.concat(chunks).toString()) as { id: unknown; method: string; params: unknown[] };
    const reply = (result: unknown, error: unknown = null): void => {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ result, error, id: call.id }));
    };
    if (call.method === 'getblockcount') return reply(this.startHeight + this.blocks.length - 1);
    if (call.method === 'getblockhash') {
      const block = this.byHeight(Number(call.params[0]));
      return block ? reply(block.hash) : reply(null, { code: -8, message: 'Block height out of range' });
    }
    if (call.method === 'getblockheader') {
      const block = this.blocks.find((b) => b.hash === call.params[0]);
      return block ? reply(block.header.toString('hex')) : reply(null, { code: -5, message: 'Block not found' });
    }
    reply(null, { code: -32601, message: 'Method not found' });
  }
}
