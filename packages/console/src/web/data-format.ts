// A znode's bytes shown and edited as text (UTF-8), JSON or hex, and back. Pure: the page
// and the unit tests use the same functions.

export type DataFormat = 'text' | 'json' | 'hex';

export function fromBase64(b64: string | null): Uint8Array {
  if (!b64) return new Uint8Array(0);
  const s = atob(b64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

export function toBase64(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

/** The bytes as UTF-8 text, or null when they are not valid UTF-8 (binary data). */
export function asText(bytes: Uint8Array): string | null {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
}

/** The bytes as indented JSON, or null when they are not a JSON document. */
export function asJson(bytes: Uint8Array): string | null {
  const text = asText(bytes);
  if (text === null || text.trim() === '') return null;
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return null;
  }
}

/** A hex dump: offset, 16 bytes in hex, and their printable ASCII, one line per 16 bytes. */
export function hexDump(bytes: Uint8Array): string {
  const lines: string[] = [];
  for (let off = 0; off < bytes.length; off += 16) {
    const row = bytes.subarray(off, off + 16);
    const hex = [...row].map((b) => b.toString(16).padStart(2, '0')).join(' ');
    const ascii = [...row].map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
    lines.push(`${off.toString(16).padStart(8, '0')}  ${hex.padEnd(47)}  ${ascii}`);
  }
  return lines.join('\n');
}

/** The bytes as the editor shows them in `format` (hex: pairs separated by spaces). */
export function editable(bytes: Uint8Array, format: DataFormat): string | null {
  if (format === 'hex') return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join(' ');
  return format === 'json' ? asJson(bytes) : asText(bytes);
}

/** Bytes from what was typed in `format`; throws an Error that says what is wrong. */
export function parseEdited(text: string, format: DataFormat): Uint8Array {
  if (format === 'text') return new TextEncoder().encode(text);
  if (format === 'json') {
    try {
      JSON.parse(text);
    } catch (e) {
      throw new Error(`not valid JSON: ${(e as Error).message}`, { cause: e });
    }
    return new TextEncoder().encode(text);
  }
  const digits = text.replace(/0x/gi, '').replace(/[\s,]+/g, '');
  if (!/^[0-9a-fA-F]*$/.test(digits)) throw new Error('hex may hold only 0-9, a-f and spaces');
  if (digits.length % 2 !== 0) throw new Error('hex needs two digits per byte');
  const out = new Uint8Array(digits.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(digits.slice(2 * i, 2 * i + 2), 16);
  return out;
}
