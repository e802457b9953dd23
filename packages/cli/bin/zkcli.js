#!/usr/bin/env node
// The zkcli command. A committed launcher rather than the compiled file itself: npm links a
// workspace's bins during `npm install`, before `prepare` has compiled dist/, and a bin whose
// file does not exist yet is not linked at all. This file always exists; it runs the build.
try {
  await import('../dist/bin/zkcli.js');
} catch (e) {
  if (e?.code !== 'ERR_MODULE_NOT_FOUND' || !String(e.message).includes('/dist/bin/zkcli.js')) throw e;
  console.error('zkcli: zab is not built yet; run `npm install` (or `npm run build`) in the repository first');
  process.exit(1);
}
