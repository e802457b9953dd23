#!/usr/bin/env node
// Sums a V8 CPU profile (.cpuprofile, as `node --cpu-prof` or `npm run bench -- --cpu-prof DIR`
// writes it) into a text summary: where the process spent its time, by file and by function,
// self time and total (inclusive) time. The JSON profiles are large; the summaries are what
// bench/profiles/ keeps.
//
//   node bench/profile-summary.mjs FILE.cpuprofile [--top N] [--span FUNCTION]
//
// --span FUNCTION keeps only the samples from the first to the last one whose stack holds a
// function of that name: one phase of a row, e.g. `--span deleteNode` for the delete row's
// deletes without the creates that filled its pool before them.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '30' }, span: { type: 'string' } } });
if (positionals.length !== 1) {
  console.error('usage: node bench/profile-summary.mjs FILE.cpuprofile [--top N] [--span FUNCTION]');
  process.exit(2);
}
const top = Number(values.top);
const profile = JSON.parse(readFileSync(positionals[0], 'utf8'));

const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

/** A file's name as a reader knows it: the package and path for our code, the module for Node's. */
function fileOf(url) {
  if (!url) return '(native)';
  const p = url.replace(/^file:\/\//, '');
  const ours = /packages\/([^/]+)\/dist\/(.+)$/.exec(p);
  if (ours) return `${ours[1]}/${ours[2]}`;
  const dep = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(p);
  if (dep) return `dep:${dep[1]}`;
  if (p.startsWith('node:')) return p;
  return path.basename(p);
}

function keyOf(node) {
  const f = node.callFrame;
  const name = f.functionName || '(anonymous)';
  if (!f.url) return { fn: name, file: name.startsWith('(') ? name : '(native)' };
  return { fn: `${name} ${fileOf(f.url)}:${f.lineNumber + 1}`, file: fileOf(f.url) };
}

const keys = new Map(profile.nodes.map((n) => [n.id, keyOf(n)]));
const selfFn = new Map();
const selfFile = new Map();
const totalFn = new Map();
const totalFile = new Map();
const add = (m, k, v) => m.set(k, (m.get(k) ?? 0) + v);

/** The samples [first, last] to sum: all of them, or those of the span's function and every sample between. */
function sampleRange() {
  if (values.span === undefined) return [0, profile.samples.length - 1];
  const inSpan = new Map();
  const holds = (id) => {
    let v = inSpan.get(id);
    if (v === undefined) {
      const p = parent.get(id);
      v = byId.get(id).callFrame.functionName === values.span || (p !== undefined && holds(p));
      inSpan.set(id, v);
    }
    return v;
  };
  let first = -1;
  let last = -1;
  for (let i = 0; i < profile.samples.length; i++) {
    if (!holds(profile.samples[i])) continue;
    if (first < 0) first = i;
    last = i;
  }
  if (first < 0) {
    console.error(`no sample's stack holds a function named ${values.span}`);
    process.exit(1);
  }
  return [first, last];
}

const [firstSample, lastSample] = sampleRange();
let totalUs = 0;
const deltas = profile.timeDeltas;
for (let i = firstSample; i <= lastSample; i++) {
  // The delta after a sample is the time that sample stands for.
  const us = deltas[i + 1] ?? 0;
  if (us <= 0) continue;
  totalUs += us;
  const id = profile.samples[i];
  const k = keys.get(id);
  add(selfFn, k.fn, us);
  add(selfFile, k.file, us);
  const seenFn = new Set();
  const seenFile = new Set();
  for (let n = id; n !== undefined; n = parent.get(n)) {
    const kk = keys.get(n);
    if (!seenFn.has(kk.fn)) {
      seenFn.add(kk.fn);
      add(totalFn, kk.fn, us);
    }
    if (!seenFile.has(kk.file)) {
      seenFile.add(kk.file);
      add(totalFile, kk.file, us);
    }
  }
}

const idleUs = selfFn.get('(idle)') ?? 0;
const busyUs = totalUs - idleUs;
const pct = (us, of) => `${((100 * us) / of).toFixed(1).padStart(5)}%`;
const ms = (us) => `${(us / 1000).toFixed(0).padStart(7)} ms`;

function table(title, m, limit, of) {
  console.log(`\n${title}`);
  const rows = [...m.entries()].filter(([k]) => k !== '(idle)' && k !== '(root)').sort((a, b) => b[1] - a[1]).slice(0, limit);
  for (const [k, us] of rows) console.log(`${ms(us)} ${pct(us, of)}  ${k}`);
}

console.log(`profile: ${path.basename(positionals[0])}${values.span === undefined ? '' : `, span of ${values.span}`}`);
console.log(`sampled ${ms(totalUs).trim()}; busy ${ms(busyUs).trim()} (${pct(busyUs, totalUs).trim()}), idle ${ms(idleUs).trim()}; percentages below are of busy time`);
table('self time by file', selfFile, top, busyUs);
table('total time by file (a file counted once per stack)', totalFile, top, busyUs);
table('self time by function', selfFn, top, busyUs);
table('total time by function', totalFn, top, busyUs);
