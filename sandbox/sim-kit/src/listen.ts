import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ListeningServer {
  server: Server;
  /** Base URL clients use (`0.0.0.0` and `::` become loopback addresses). */
  url: string;
  port: number;
  /** Stops listening and cuts open connections (keep-alive clients would hold it open). */
  close: () => Promise<void>;
}

/** Serves `handler` on `host:port` (port 0 picks a free one). */
export async function listen(
  handler: RequestListener,
  options: { port?: number; host?: string } = {},
): Promise<ListeningServer> {
  const server = createServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  return {
    server,
    url: `http://${clientHost(address)}:${address.port}`,
    port: address.port,
    close: () => closeServer(server),
  };
}

/** Closes `server`, cutting its open connections. */
export function closeServer(server: Server): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    server.closeAllConnections();
  });
}

function clientHost(address: AddressInfo): string {
  if (address.address === '0.0.0.0') return '127.0.0.1';
  if (address.address === '::') return '[::1]';
  return address.family === 'IPv6' ? `[${address.address}]` : address.address;
}
