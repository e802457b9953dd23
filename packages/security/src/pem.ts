// PEM text (RFC 7468): labelled base64 blocks. Used to read PEM key and trust stores and to
// hand DER certificates to node:tls, which takes PEM.

/** One `-----BEGIN label-----` ... `-----END label-----` block; `text` is the whole block,
 *  headers (RFC 1421 Proc-Type/DEK-Info) included, as node:crypto accepts it. */
export interface PemBlock {
  readonly label: string;
  readonly der: Buffer;
  readonly text: string;
}

const BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([\s\S]*?)-----END \1-----/g;

/** Every PEM block in `text`, in order. Text between blocks (openssl's "Bag Attributes",
 *  comments) is ignored, as ZooKeeper's PEM reader ignores it. */
export function pemBlocks(text: string): PemBlock[] {
  const out: PemBlock[] = [];
  for (const m of text.matchAll(BLOCK)) {
    const body = m[2]!
      .split(/\r?\n/)
      .filter((line) => line.length > 0 && !line.includes(':'))
      .join('');
    out.push({ label: m[1]!, der: Buffer.from(body, 'base64'), text: m[0] });
  }
  return out;
}

/** DER bytes as a PEM block with 64-character lines. */
export function toPem(der: Buffer, label: string): string {
  const b64 = der.toString('base64');
  const lines: string[] = [];
  for (let i = 0; i < b64.length; i += 64) lines.push(b64.slice(i, i + 64));
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}
