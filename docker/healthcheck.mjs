#!/usr/bin/env node
// Health check: `ruok` on the client port must answer `imok` within 3 s (exit 0), else exit 1.
import net from 'node:net';

const port = Number(process.env.ZOO_PORT ?? 2181);
const sock = net.connect({ host: '127.0.0.1', port });
let answer = '';
const fail = () => process.exit(1);
setTimeout(fail, 3000).unref();
sock.on('connect', () => sock.write('ruok'));
sock.on('data', (d) => (answer += d));
sock.on('error', fail);
sock.on('close', () => process.exit(answer === 'imok' ? 0 : 1));
