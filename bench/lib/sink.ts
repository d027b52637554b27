// A delivery sink in its own process: N HTTP servers on 127.0.0.1 (one per "host") answering 202, counting POSTs.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

const count = Number(process.argv[2] ?? '1');
let posts = 0;
const ports: number[] = [];
for (let i = 0; i < count; i++) {
  const server = http.createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/__count') {
      res.end(String(posts));
      return;
    }
    req.resume();
    req.on('end', () => {
      posts++;
      res.writeHead(202).end();
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  ports.push((server.address() as AddressInfo).port);
}
process.stdout.write(JSON.stringify({ ports }) + '\n');
