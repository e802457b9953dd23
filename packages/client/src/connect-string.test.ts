import { describe, expect, it } from 'vitest';
import { ConnectStringError, parseConnectString, toClientPath, toServerPath } from './connect-string.js';

describe('connect strings', () => {
  it('parses hosts, default ports and a chroot', () => {
    expect(parseConnectString('a:1,b,[::1]:3/app/x')).toEqual({
      hosts: [
        { host: 'a', port: 1 },
        { host: 'b', port: 2181 },
        { host: '::1', port: 3 },
      ],
      chroot: '/app/x',
    });
    expect(parseConnectString('h:2181/').chroot).toBe('');
  });

  it('rejects what it cannot use, naming it', () => {
    expect(() => parseConnectString('')).toThrow(/no servers/);
    expect(() => parseConnectString('h:99999')).toThrow('bad port in server address "h:99999"');
    expect(() => parseConnectString('h:x')).toThrow('bad server address "h:x" (want host:port)');
    expect(() => parseConnectString('h/app/')).toThrow(/must not end with/);
    expect(() => parseConnectString('h/a//b')).toThrow(ConnectStringError);
  });

  it('maps paths into and out of the chroot', () => {
    expect(toServerPath('/app', '/')).toBe('/app');
    expect(toServerPath('/app', '/x')).toBe('/app/x');
    expect(toClientPath('/app', '/app')).toBe('/');
    expect(toClientPath('/app', '/app/x')).toBe('/x');
    expect(toServerPath('', '/x')).toBe('/x');
    expect(toClientPath('/app', '/apple')).toBe('/apple'); // a sibling, not inside the chroot
  });
});
