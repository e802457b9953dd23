#!/usr/bin/env node
// The chaos suite (npm run chaos): runs dist/bin/chaos.js (see @zab/jute/launcher for why bins are launchers).
import { launch } from '@zab/jute/launcher';
await launch('zab-chaos', new URL('../dist/bin/chaos.js', import.meta.url));
