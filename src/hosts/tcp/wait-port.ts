/** Resolves once something accepts TCP connections on `host`:`port` (tests and benchmarks start servers). */
import net from 'node:net';

export function waitPort(port: number, host = '127.0.0.1', timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((res, rej) => {
    const attempt = () => {
      const s = net.createConnection({ host, port }, () => {
        s.destroy();
        res();
      });
      s.on('error', () => {
        s.destroy();
        if (Date.now() > deadline) rej(new Error(`nothing listens on ${host}:${port}`));
        else setTimeout(attempt, 50);
      });
    };
    attempt();
  });
}
