// The page's files: static/ (the HTML and the stylesheet) and dist/web/ (the page's modules,
// compiled from src/web by the project's own `tsc -b`). Read once into memory at start-up,
// served from a fixed table by name, so no request path ever reaches the file system.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';

export interface Asset {
  readonly body: Buffer;
  readonly contentType: string;
  readonly etag: string;
}

/** The page's HTML is served with this policy: its own files only, no inline script, no framing. */
export const CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
};

function asset(body: Buffer, name: string): Asset {
  const ext = name.slice(name.lastIndexOf('.'));
  return { body, contentType: TYPES[ext] ?? 'application/octet-stream', etag: `"${createHash('sha1').update(body).digest('base64url')}"` };
}

/**
 * Assets by their path under /console/: '' (the page), 'console.css', 'js/<module>.js'. Empty
 * when the page's modules have not been built (the handler then says so).
 */
export function loadAssets(staticDir: URL, webDir: URL): Map<string, Asset> {
  const out = new Map<string, Asset>();
  if (!existsSync(webDir) || !existsSync(staticDir)) return out;
  for (const name of readdirSync(webDir)) {
    if (name.endsWith('.js')) out.set(`js/${name}`, asset(readFileSync(new URL(name, webDir)), name));
  }
  for (const name of readdirSync(staticDir)) {
    out.set(name === 'index.html' ? '' : name, asset(readFileSync(new URL(name, staticDir)), name));
  }
  return out;
}

/** Bytes of every asset: what a first visit downloads. */
export function pageBytes(assets: ReadonlyMap<string, Asset>): number {
  let n = 0;
  for (const a of assets.values()) n += a.body.length;
  return n;
}
