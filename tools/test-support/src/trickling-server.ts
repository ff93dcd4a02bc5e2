import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A server that answers 200 at once, then sends `body` one byte every 50 ms: no idle gap is ever
 * long, only the whole exchange is. For testing that a client's deadline covers the body too.
 */
export async function startTricklingServer(
  body: string,
): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    let sent = 0;
    const timer = setInterval(() => {
      if (res.destroyed || sent >= body.length) {
        clearInterval(timer);
        res.end();
        return;
      }
      res.write(body[sent++]);
    }, 50);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
