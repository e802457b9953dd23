// Where a running process's resident memory is: /proc/PID/smaps summed by mapping (malloc's
// main heap, anonymous memory, each mapped file), and, when gdb is installed, glibc's own
// account of its arenas (malloc_info: what each holds from the system and how much of that is
// free chunks it keeps). gdb stops the process for the moment the call takes; run it on an
// idle server. For a zab member's V8 heap, start it with `--report-on-signal` and send SIGUSR2
// (node writes a report whose javascriptHeap lists every space).
//   node bench/rss-breakdown.mjs PID [PID...]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** RSS bytes by mapping kind: '[heap]', '[anon]', '[stack]', or a file's base name. */
export function smapsByMapping(pid) {
  const groups = new Map();
  let name = null;
  for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    const head = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (head) {
      const m = head[1] || '[anon]';
      name = m.startsWith('/') ? path.basename(m) : m;
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss && name) groups.set(name, (groups.get(name) ?? 0) + Number(rss[1]) * 1024);
  }
  return [...groups.entries()].sort((a, b) => b[1] - a[1]);
}

/**
 * glibc's arenas through gdb: [{ systemBytes, freeBytes, freeBins }] per arena (the main one
 * first), or null without gdb. freeBins: the free chunks by malloc's size class,
 * [{ fromBytes, toBytes, totalBytes, count }], largest total first: large chunks freed in the
 * middle of the heap (outgrown arrays, say) stay resident, small ones are churn.
 */
export function mallocArenas(pid) {
  const dir = mkdtempSync(path.join(tmpdir(), 'rss-breakdown-'));
  const file = path.join(dir, 'malloc-info.xml');
  try {
    execFileSync('gdb', ['-p', String(pid), '-batch', '-ex', `set $f = (void*)fopen("${file}", "w")`, '-ex', 'call (int)malloc_info(0, $f)', '-ex', 'call (int)fclose($f)'], { stdio: 'ignore', timeout: 120_000 });
    const xml = readFileSync(file, 'utf8');
    return [...xml.matchAll(/<heap nr="\d+">([\s\S]*?)<\/heap>/g)].map(([, body]) => ({
      systemBytes: Number(/<system type="current" size="(\d+)"\/>/.exec(body)?.[1] ?? 0),
      freeBytes: [...body.matchAll(/<total type="(?:fast|rest)" count="\d+" size="(\d+)"\/>/g)].reduce((a, m) => a + Number(m[1]), 0),
      freeBins: [...body.matchAll(/<(?:size|unsorted) from="(\d+)" to="(\d+)" total="(\d+)" count="(\d+)"\/>/g)]
        .map(([, from, to, total, count]) => ({ fromBytes: Number(from), toBytes: Number(to), totalBytes: Number(total), count: Number(count) }))
        .sort((a, b) => b.totalBytes - a.totalBytes),
    }));
  } catch {
    return null;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const mb = (b) => (b / 1048576).toFixed(1);
const kb = (b) => Math.round(b / 1024);

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const pids = process.argv.slice(2).map(Number);
  if (pids.length === 0 || pids.some((p) => !Number.isInteger(p))) {
    console.error('usage: node bench/rss-breakdown.mjs PID [PID...]');
    process.exit(2);
  }
  for (const pid of pids) {
    const groups = smapsByMapping(pid);
    const total = groups.reduce((a, [, b]) => a + b, 0);
    console.log(`pid ${pid}: RSS ${mb(total)} MB`);
    for (const [name, bytes] of groups.filter(([, b]) => b >= 512 * 1024)) console.log(`  ${mb(bytes).padStart(8)} MB  ${name}`);
    const arenas = mallocArenas(pid);
    if (!arenas) {
      console.log('  (no gdb: malloc arenas not read)');
      continue;
    }
    const [main, ...others] = arenas;
    const sum = (xs, k) => xs.reduce((a, x) => a + x[k], 0);
    console.log(`  malloc: main arena ${mb(main.systemBytes)} MB from the system, ${mb(main.freeBytes)} MB of it free chunks;` +
      ` ${others.length} other arenas ${mb(sum(others, 'systemBytes'))} MB, ${mb(sum(others, 'freeBytes'))} MB free` +
      ' (mmapped blocks are in [anon], not here; free chunks malloc_trim gave back are counted free but not resident)');
    const bins = main.freeBins.slice(0, 4).map((b) => `${mb(b.totalBytes)} MB in ${b.count} of ${kb(b.fromBytes)}-${kb(b.toBytes)} KB`);
    console.log(`  main arena's free chunks, largest size classes: ${bins.join('; ')}`);
  }
}
