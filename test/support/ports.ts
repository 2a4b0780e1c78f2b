import { createServer } from 'node:net';

const taken = new Set<number>();

/**
 * A port that was free on 127.0.0.1 a moment ago, chosen between 20000 and 31999: below Linux's
 * ephemeral range (32768 and up), so no other process's `listen(0)` or outgoing connection can be
 * handed the same port between this check and the server binding it (the Temporal CLI picks its
 * own HTTP and metrics ports that way). Also below 32768 for servers that store ports as 16-bit
 * signed numbers.
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (taken.has(port)) continue;
    const free = await new Promise<boolean>((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
    if (free) {
      taken.add(port);
      return port;
    }
  }
  throw new Error('no free port between 20000 and 31999 on 127.0.0.1');
}
