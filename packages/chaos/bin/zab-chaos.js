#!/usr/bin/env node
// The chaos suite (npm run chaos). A committed launcher rather than the compiled file itself: npm links a
// workspace's bins during `npm install`, before `prepare` has compiled dist/, and a bin whose
// file does not exist yet is not linked at all. This file always exists; it runs the build.
try {
  await import('../dist/bin/chaos.js');
} catch (e) {
  if (e?.code !== 'ERR_MODULE_NOT_FOUND' || !String(e.message).includes('/dist/bin/chaos.js')) throw e;
  console.error('zab-chaos: zab is not built yet; run `npm install` (or `npm run build`) in the repository first');
  process.exit(1);
}
