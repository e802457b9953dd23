import { describe, expect, it } from 'vitest';
import { baseName, childPath, parentOf, pathProblem } from './path.js';

describe('pathProblem', () => {
  it('accepts valid paths', () => {
    for (const p of ['/', '/a', '/a/b', '/a.b', '/.a', '/a..', '/..a/b', '/zookeeper', '/ünï']) {
      expect(pathProblem(p), p).toBeNull();
    }
  });
  it('rejects what ZooKeeper rejects', () => {
    for (const p of ['', 'a', '/a/', '//a', '/a//b', '/.', '/..', '/a/.', '/a/../b', '/a\u0000', '/a\u0001', '/\ud800x', '/\ufff0']) {
      expect(pathProblem(p), JSON.stringify(p)).not.toBeNull();
    }
  });
});

describe('path helpers', () => {
  it('splits and joins', () => {
    expect(parentOf('/a')).toBe('/');
    expect(parentOf('/a/b/c')).toBe('/a/b');
    expect(baseName('/a/b')).toBe('b');
    expect(childPath('/', 'x')).toBe('/x');
    expect(childPath('/a', 'x')).toBe('/a/x');
  });
});
