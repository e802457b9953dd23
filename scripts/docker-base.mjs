#!/usr/bin/env node
// `npm run docker:base`: makes sure the base image docker/Dockerfile's FROM line names
// (node:20-bookworm-slim) is there. It pulls it from the registry when one answers; otherwise
// it builds an equivalent from this machine's own Node, npm, the shared libraries Node links
// against and Debian's busybox-static, and tags it with that name, so the same Dockerfile works
// with and without a registry. Does nothing when the image is already there, unless --force
// (which always builds locally).
//
//   node scripts/docker-base.mjs [--force] [--tag node:20-bookworm-slim]
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';

const args = process.argv.slice(2);
const force = args.includes('--force');
const tagAt = args.indexOf('--tag');
const tag = tagAt >= 0 ? args[tagAt + 1] : 'node:20-bookworm-slim';

function fail(msg) {
  console.error(`docker:base: ${msg}`);
  process.exit(1);
}

function which(cmd) {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

if (!which('docker')) fail('docker is not installed (Debian: apt-get install docker.io)');
if (spawnSync('docker', ['info'], { stdio: 'ignore' }).status !== 0) fail('the Docker daemon does not answer `docker info`; start dockerd first');
if (!force && spawnSync('docker', ['image', 'inspect', tag], { stdio: 'ignore' }).status === 0) {
  console.log(`docker:base: ${tag} is already there (--force rebuilds it)`);
  process.exit(0);
}
if (!force) {
  const pull = spawnSync('docker', ['pull', tag], { encoding: 'utf8', timeout: 300_000 });
  if (pull.status === 0) {
    console.log(`docker:base: pulled ${tag}`);
    process.exit(0);
  }
  console.log(`docker:base: cannot pull ${tag} (${(pull.stderr || pull.error?.message || '').trim().split('\n').pop()}); building it from this machine's Node`);
}
const major = Number(process.versions.node.split('.')[0]);
const wanted = Number(/^node:(\d+)/.exec(tag)?.[1] ?? major);
if (major !== wanted) fail(`this machine runs Node ${process.versions.node}, but ${tag} promises Node ${wanted}`);
const busybox = ['/bin/busybox', '/usr/bin/busybox'].find((p) => existsSync(p));
if (!busybox) fail('busybox is not installed (Debian: apt-get install busybox-static); the image needs a shell');

const root = mkdtempSync(join(tmpdir(), 'zab-base-'));
const put = (abs, from) => {
  const to = join(root, abs);
  mkdirSync(dirname(to), { recursive: true });
  copyFileSync(from, to);
  chmodSync(to, 0o755);
};
const link = (abs, target) => {
  const at = join(root, abs);
  if (existsSync(at)) return;
  mkdirSync(dirname(at), { recursive: true });
  symlinkSync(target, at);
};

try {
  // Node itself, where the official image keeps it.
  const node = realpathSync(process.execPath);
  put('/usr/local/bin/node', node);

  // The shared libraries it links against (glibc, libstdc++, ...), at the paths ldd names; the
  // native addons in node_modules (LevelDB, msgpackr) link against the same set.
  const ldd = execFileSync('ldd', [node], { encoding: 'utf8' });
  for (const line of ldd.split('\n')) {
    const m = /=>\s*(\/\S+)/.exec(line) ?? /^\s*(\/\S+)\s+\(/.exec(line);
    if (m) put(m[1], realpathSync(m[1]));
  }

  // npm, for the Dockerfile's build stage.
  const npmCli = realpathSync(which('npm') ?? fail('npm is not installed'));
  const npmDir = dirname(dirname(npmCli));
  cpSync(npmDir, join(root, '/usr/local/lib/node_modules/npm'), { recursive: true, dereference: true });
  link('/usr/local/bin/npm', '../lib/node_modules/npm/bin/npm-cli.js');
  link('/usr/local/bin/npx', '../lib/node_modules/npm/bin/npx-cli.js');

  // A shell and the usual tools.
  put('/bin/busybox', busybox);
  for (const applet of execFileSync(busybox, ['--list-full'], { encoding: 'utf8' }).split('\n').filter(Boolean)) {
    link(`/${applet}`, relative(dirname(`/${applet}`), '/bin/busybox'));
  }

  // Users (node is uid 1000, as in the official image), name resolution, temp space.
  mkdirSync(join(root, 'etc'), { recursive: true });
  writeFileSync(join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nnode:x:1000:1000::/home/node:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n');
  writeFileSync(join(root, 'etc/group'), 'root:x:0:\nnode:x:1000:\nnogroup:x:65534:\n');
  writeFileSync(join(root, 'etc/nsswitch.conf'), 'passwd: files\ngroup: files\nhosts: files dns\n');
  if (existsSync('/etc/ssl/certs/ca-certificates.crt')) put('/etc/ssl/certs/ca-certificates.crt', '/etc/ssl/certs/ca-certificates.crt');
  for (const d of ['root', 'home/node', 'tmp', 'var/tmp']) mkdirSync(join(root, d), { recursive: true });
  chmodSync(join(root, 'tmp'), 0o1777);
  chmodSync(join(root, 'var/tmp'), 0o1777);
  chownSync(join(root, 'home/node'), 1000, 1000);

  const tar = spawnSync('tar', ['--numeric-owner', '-C', root, '-c', '.'], { maxBuffer: 1 << 30 });
  if (tar.status !== 0) fail(`tar failed: ${tar.stderr}`);
  const imp = spawnSync(
    'docker',
    [
      'import',
      '--change', 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      '--change', `ENV NODE_VERSION=${process.versions.node}`,
      ...(existsSync('/etc/ssl/certs/ca-certificates.crt') ? ['--change', 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt'] : []),
      '--change', 'CMD ["node"]',
      '-', tag,
    ],
    { input: tar.stdout, encoding: 'buffer' },
  );
  if (imp.status !== 0) fail(`docker import failed: ${imp.stderr}`);
  const check = spawnSync('docker', ['run', '--rm', tag, 'node', '-e', 'console.log(process.version)'], { encoding: 'utf8' });
  if (check.status !== 0) fail(`the new image does not run node: ${check.stderr}`);
  console.log(`docker:base: built ${tag} (Node ${check.stdout.trim()}, from this machine's own files)`);
} finally {
  rmSync(root, { recursive: true, force: true });
}
