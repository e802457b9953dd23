// Four-letter words (srvr, wchs, ...) on a client port: a fresh connection, the word, and
// everything the server writes before it closes.
import net from 'node:net';

export function fourLetter(host: string, port: number, word: string, timeoutMs = 5_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host, port });
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error(`${host}:${port} ${word}: no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    s.on('connect', () => s.write(word));
    s.on('data', (c: Buffer) => chunks.push(c));
    s.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    s.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('utf8'));
    });
  });
}

/** A number from a four-letter word's output ("Node count: 12" -> 12), or null. */
export function fourLetterNumber(text: string, label: string): number | null {
  const m = new RegExp(`${label}:\\s*(\\d+)`).exec(text);
  return m ? Number(m[1]) : null;
}
