import { createServer } from 'node:net';

// Ports handed out by this process recently: the OS may give the same ephemeral port to two quick
// callers because neither has bound it yet when the other asks.
const recentlyHanded = new Set<number>();

function askOs(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0, exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('could not read the bound port'))));
    });
  });
}

/**
 * A TCP port that is free on 127.0.0.1 right now. Another process can still take it before the
 * caller binds it, so whoever starts a server on it should retry on "address already in use".
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await askOs();
    if (!recentlyHanded.has(port)) {
      recentlyHanded.add(port);
      if (recentlyHanded.size > 512) recentlyHanded.delete(recentlyHanded.values().next().value as number);
      return port;
    }
  }
  throw new Error('no free loopback port found after 20 attempts');
}
