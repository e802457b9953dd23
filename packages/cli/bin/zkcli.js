#!/usr/bin/env node
// The zkcli command: runs dist/bin/zkcli.js (see @zab/jute/launcher for why bins are launchers).
import { launch } from '@zab/jute/launcher';
await launch('zkcli', new URL('../dist/bin/zkcli.js', import.meta.url));
