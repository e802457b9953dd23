#!/usr/bin/env node
// The zab-bench command: runs dist/bin/zab-bench.js (see @zab/jute/launcher for why bins are launchers).
import { launch } from '@zab/jute/launcher';
await launch('zab-bench', new URL('../dist/bin/zab-bench.js', import.meta.url));
