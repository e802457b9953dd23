import { describe, expect, it } from 'vitest';
import { ErrorCode } from './constants.js';
import { KeeperError, NoNodeError, keeperErrorClass } from './errors.js';

describe('KeeperError', () => {
  it('has a class for every wire error code except OK', () => {
    for (const [name, code] of Object.entries(ErrorCode)) {
      if (code === ErrorCode.OK) continue;
      const ctor = keeperErrorClass(code);
      expect(ctor, name).toBeDefined();
      const e = new ctor!('/p');
      expect(e).toBeInstanceOf(KeeperError);
      expect(e.code, name).toBe(code);
    }
  });

  it('maps a code back to its class with a ZooKeeper-style message', () => {
    const e = KeeperError.fromCode(ErrorCode.NONODE, '/a');
    expect(e).toBeInstanceOf(NoNodeError);
    expect(e.message).toBe('KeeperErrorCode = NoNode for /a');
    expect(e.name).toBe('NoNodeError');
  });
});
