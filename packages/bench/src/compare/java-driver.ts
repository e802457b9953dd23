// The independent check: bench/java/LoadGen.java, a load generator on the official ZooKeeper
// Java client, compiled on first use with javac against Debian's zookeeper.jar into a temporary
// directory named by the source's hash, and run as a child process.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Endpoint } from '../session.js';

/** The source, beside the package's compiled code (dist/compare -> java/). */
const SOURCE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../java/LoadGen.java');
const ZK_JAR = '/usr/share/java/zookeeper.jar';
const SLF4J_NOP = '/usr/share/java/slf4j-nop.jar';

export interface JavaLoad {
  op: 'create' | 'getData' | 'setData' | 'mixed';
  hosts: Endpoint[];
  sessions: number;
  inFlight: number;
  valueBytes: number;
  keys: number;
  readPct: number;
  durationS: number;
  warmupS: number;
  rootPath: string;
}

/** LoadGen's JSON line. */
export interface JavaResult {
  driver: 'java';
  op: string;
  ops: number;
  window_s: number;
  ops_per_sec: number;
  mean_ms: number;
  p50_ms: number;
  p90_ms: number;
  p99_ms: number;
  p999_ms: number;
  max_ms: number;
  errors: number;
}

/** Compiles LoadGen (once per version of its source); returns the classes directory. */
export function compileLoadGen(): string {
  for (const f of [SOURCE, ZK_JAR, SLF4J_NOP]) if (!existsSync(f)) throw new Error(`--driver java needs ${f} (Debian: zookeeper, libslf4j-java)`);
  const source = readFileSync(SOURCE);
  const out = path.join(os.tmpdir(), `zab-bench-java-${createHash('sha256').update(source).digest('hex').slice(0, 16)}`);
  if (existsSync(path.join(out, 'LoadGen.class'))) return out;
  mkdirSync(out, { recursive: true });
  // -implicit:none: the jars on zookeeper.jar's Class-Path carry sources javac would compile too.
  const r = spawnSync('javac', ['-implicit:none', '-d', out, '-cp', ZK_JAR, SOURCE], { encoding: 'utf8' });
  if (r.error) throw new Error(`javac: ${r.error.message} (--driver java needs a JDK; Debian: openjdk-17-jdk-headless)`);
  if (r.status !== 0) throw new Error(`javac failed:\n${r.stderr}`);
  return out;
}

/** The line LoadGen prints as its load (warm-up, then window) begins. */
const STARTED = 'LoadGen: load started';

/** Runs LoadGen; `onStarted` is called when its load begins (the warm-up's start). */
export function runLoadGen(classes: string | undefined, load: JavaLoad, onStarted?: () => void): Promise<JavaResult> {
  if (classes === undefined) throw new Error('runLoadGen before compileLoadGen');
  const args = [
    '-cp',
    `${classes}:${ZK_JAR}:${SLF4J_NOP}`,
    'LoadGen',
    '--hosts',
    load.hosts.map((h) => `${h.host}:${h.port}`).join(','),
    '--op',
    load.op,
    '--sessions',
    String(load.sessions),
    '--inflight',
    String(load.inFlight),
    '--size',
    String(load.valueBytes),
    '--keys',
    String(load.keys),
    '--read-pct',
    String(load.readPct),
    '--duration',
    String(load.durationS),
    '--warmup',
    String(load.warmupS),
    '--root',
    load.rootPath,
  ];
  return new Promise((resolve, reject) => {
    const child = spawn('java', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let started = false;
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (!started && out.includes(STARTED)) {
        started = true;
        onStarted?.();
      }
    });
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      const line = out.trim().split('\n').filter((l) => l.startsWith('{')).at(-1);
      if (code !== 0 || line === undefined) return reject(new Error(`LoadGen exited with ${code}:\n${err.slice(-2000)}`));
      resolve(JSON.parse(line) as JavaResult);
    });
  });
}
