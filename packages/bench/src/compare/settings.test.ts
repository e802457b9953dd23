import { describe, expect, it } from 'vitest';
import { parseCompare, sizes } from './settings.js';

describe('zab-bench compare flags', () => {
  it('reads one size or a list of sizes, sorted', () => {
    const s = parseCompare(['--idle-sessions', '5000,1000,2500', '--watches', '100000', '--fanout-watchers', '1000, 10000']);
    expect(s.idleSessions).toEqual([1000, 2500, 5000]);
    expect(s.watches).toEqual([100_000]);
    expect(s.fanoutWatchers).toEqual([1000, 10_000]);
  });

  it('keeps the single default sizes', () => {
    const s = parseCompare([]);
    expect(s.idleSessions).toEqual([10_000]);
    expect(s.watches).toEqual([1_000_000]);
    expect(s.fanoutWatchers).toEqual([1000]);
  });

  it('refuses bad sizes with the flag named', () => {
    expect(() => sizes('watches', '1000,,2000', 1)).toThrow('--watches:  is not a whole number of at least 1');
    expect(() => sizes('watches', '1000,0', 1)).toThrow('--watches: 0 is not');
    expect(() => sizes('watches', '1e3,2.5', 1)).toThrow('--watches: 2.5 is not');
    expect(() => sizes('idle-sessions', '1000,1000', 1)).toThrow('--idle-sessions: 1000,1000 names a size twice');
    expect(() => parseCompare(['--fanout-watchers', 'many'])).toThrow('--fanout-watchers: many is not');
  });

  it('measures both systems unless told one', () => {
    expect(parseCompare([]).systems).toEqual(['zab', 'zookeeper']);
    expect(parseCompare(['--systems', 'both']).systems).toEqual(['zab', 'zookeeper']);
    expect(parseCompare(['--systems', 'zab']).systems).toEqual(['zab']);
    expect(parseCompare(['--systems', 'zookeeper']).systems).toEqual(['zookeeper']);
    expect(() => parseCompare(['--systems', 'zk'])).toThrow('--systems: zk is not zab, zookeeper or both');
  });
});
