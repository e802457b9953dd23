#!/usr/bin/env node
// `npm run sim`: the quorum core's seeded simulation, or with --member the whole member's
// (packages/member-sim). Each runner reads the rest of the arguments itself.
const member = process.argv.includes('--member');
await import(member ? '../packages/member-sim/dist/run.js' : '../packages/quorum/dist/sim/run.js');
