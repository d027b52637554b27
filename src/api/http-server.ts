// The HTTP server around the Koa app, and its graceful stop: refuse new connections, let the requests in flight
// finish (each then closes its connection rather than keeping it alive), and cut whatever is left at a deadline.
import http from 'node:http';

export interface DrainableServer {
  server: http.Server;
  /** Resolves once every connection has closed: at once when all are idle, at the latest after timeoutMs. */
  drain(timeoutMs: number): Promise<void>;
}

export function createDrainableServer(handler: http.RequestListener): DrainableServer {
  let draining: Promise<void> | null = null;
  const inFlight = new Set<http.ServerResponse>();
  const server = http.createServer((req, res) => {
    inFlight.add(res);
    res.once('close', () => {
      inFlight.delete(res);
      // Kept alive, the connection would hold the stop until its keep-alive timeout; idle now, it can go.
      if (draining) setImmediate(() => server.closeIdleConnections());
    });
    if (draining) res.setHeader('Connection', 'close');
    handler(req, res);
  });
  return {
    server,
    drain(timeoutMs) {
      draining ??= new Promise<void>((resolve) => {
        // Clients learn not to send another request on these connections.
        for (const res of inFlight) if (!res.headersSent) res.setHeader('Connection', 'close');
        const force = setTimeout(() => server.closeAllConnections(), timeoutMs);
        server.close(() => {
          clearTimeout(force);
          resolve();
        });
        server.closeIdleConnections();
      });
      return draining;
    },
  };
}
