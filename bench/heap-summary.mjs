// Sums a V8 heap snapshot's self sizes by constructor (node type + name), largest first: a
// quick answer to "what kind of object holds the bytes", without a dominator tree.
//   node bench/heap-summary.mjs FILE.heapsnapshot [rows]
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The top `rows` lines: self MB, count, bytes per object, type/name. */
export function summarizeHeap(file, rows = 20) {
  const snap = JSON.parse(readFileSync(file, 'utf8'));
  const meta = snap.snapshot.meta;
  const fields = meta.node_fields;
  const width = fields.length;
  const typeAt = fields.indexOf('type');
  const nameAt = fields.indexOf('name');
  const sizeAt = fields.indexOf('self_size');
  const types = meta.node_types[typeAt];
  const totals = new Map();
  const nodes = snap.nodes;
  for (let i = 0; i < nodes.length; i += width) {
    const type = types[nodes[i + typeAt]];
    // Strings and code are named by their contents: group them by type alone.
    const name = type === 'object' || type === 'native' || type === 'closure' ? snap.strings[nodes[i + nameAt]] : '';
    const key = `${type}${name ? ` ${name}` : ''}`;
    const t = totals.get(key) ?? { bytes: 0, count: 0 };
    t.bytes += nodes[i + sizeAt];
    t.count++;
    totals.set(key, t);
  }
  return [...totals.entries()]
    .sort((a, b) => b[1].bytes - a[1].bytes)
    .slice(0, rows)
    .map(([key, t]) => `${(t.bytes / 1048576).toFixed(1).padStart(7)} MB ${String(t.count).padStart(9)} x ${(t.bytes / t.count).toFixed(0).padStart(5)} B  ${key}`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const row of summarizeHeap(process.argv[2], Number(process.argv[3] ?? 20))) console.log(row);
}
