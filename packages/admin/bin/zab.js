#!/usr/bin/env node
// The zab command: runs dist/bin/zab.js (see @zab/jute/launcher for why bins are launchers).
import { launch } from '@zab/jute/launcher';
await launch('zab', new URL('../dist/bin/zab.js', import.meta.url));
