#!/usr/bin/env node
// The zkserver command: runs dist/bin/zkserver.js (see @zab/jute/launcher for why bins are launchers).
import { launch } from '@zab/jute/launcher';
await launch('zkserver', new URL('../dist/bin/zkserver.js', import.meta.url));
