import { describe, expect, it } from 'vitest';
import { chosenRows } from './compare.js';
import { placedMember, placementsFor } from './placement.js';
import { parseCompare } from './settings.js';

const member = (id: number, running = true) => ({ id, running });

describe('one-session rows pinned to a member', () => {
  it('puts the session on the leader, or on the follower of the lowest id that runs', () => {
    const [m1, m2, m3, m4, m5] = [member(1, false), member(2), member(3), member(4), member(5)];
    const members = [m5, m3, m1, m4, m2];
    expect(placedMember('leader', members, m3)).toBe(m3);
    expect(placedMember('follower', members, m3)).toBe(m2);
    expect(placedMember('follower', members, m2)).toBe(m3);
  });

  it('refuses a follower placement when only the leader runs', () => {
    const leader = member(3);
    expect(() => placedMember('follower', [member(1, false), member(2, false), leader], leader)).toThrow('no running follower');
  });

  it('runs the 1x1 rows once per placement with an ensemble, once standalone', () => {
    expect(placementsFor(3)).toEqual(['leader', 'follower']);
    expect(placementsFor(1)).toEqual([]);
    const ids = (argv: string[]) => chosenRows(parseCompare(argv)).map((r) => [r.id, r.placement ?? null]);
    expect(ids(['--workloads', 'create-1x1,getData-1x1'])).toEqual([
      ['create-1x1-leader', 'leader'],
      ['create-1x1-follower', 'follower'],
      ['getData-1x1-leader', 'leader'],
      ['getData-1x1-follower', 'follower'],
    ]);
    expect(ids(['--members', '1', '--workloads', 'create-1x1'])).toEqual([['create-1x1', null]]);
    expect(ids(['--members', '5', '--workloads', 'create-1x1', '--driver', 'java'])).toEqual([
      ['java-create-1x1-leader', 'leader'],
      ['java-create-1x1-follower', 'follower'],
    ]);
    const titles = chosenRows(parseCompare(['--workloads', 'create-1x1', '--driver', 'both'])).map((r) => [r.id, r.placement, r.title]);
    expect(titles).toEqual([
      ['create-1x1-leader', 'leader', 'create, 1 x 1, 100 B, session on the leader'],
      ['create-1x1-follower', 'follower', 'create, 1 x 1, 100 B, session on a follower'],
    ]);
  });
});
