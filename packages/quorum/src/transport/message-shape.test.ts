import { describe, expect, it } from 'vitest';
import { configuration } from '../configuration.js';
import { messageProblem } from './message-shape.js';

const config = configuration(0x100000002n, [
  { sid: 1, role: 'participant', host: '127.0.0.1', quorumPort: 2888, electionPort: 3888, clientHost: '0.0.0.0', clientPort: 2181 },
  { sid: 2, role: 'observer', host: '127.0.0.1', quorumPort: 2889, electionPort: 3889 },
]);
const link = { kind: 'link', link: 3 } as const;
const notification = { type: 'NOTIFICATION', leader: 1, state: 'LOOKING', zxid: 5n, electionEpoch: 1n, peerEpoch: 1n, config };

describe('a peer message carrying a configuration', () => {
  it('passes when every configuration in it is well formed', () => {
    expect(messageProblem(notification, { kind: 'election' })).toBeNull();
    expect(messageProblem({ type: 'SNAP', link: 3, zxid: 5n, config }, link)).toBeNull();
    expect(messageProblem({ type: 'NEWLEADER', link: 3, zxid: 5n, configs: [config, config] }, link)).toBeNull();
    expect(messageProblem({ type: 'UPTODATE', link: 3, zxid: 5n, config, designatedLeader: 2 }, link)).toBeNull();
    expect(messageProblem({ type: 'COMMIT', link: 3, zxid: 5n }, link)).toBeNull();
    expect(messageProblem({ type: 'PROPOSAL', link: 3, entries: [{ zxid: 6n, payload: 'x', config }] }, link)).toBeNull();
  });

  it('is refused, naming the field, when a configuration or a designated leader is malformed', () => {
    const noHost = { ...config, members: [{ ...config.members[0], host: 7 }] };
    const twice = { ...config, members: [config.members[0], config.members[0]] };
    const badRole = { ...config, members: [{ ...config.members[0], role: 'leader' }] };
    expect(messageProblem({ ...notification, config: undefined }, { kind: 'election' })).toMatch(/NOTIFICATION.config/);
    expect(messageProblem({ ...notification, config: noHost }, { kind: 'election' })).toMatch(/no address/);
    expect(messageProblem({ type: 'SNAP', link: 3, zxid: 5n, config: twice }, link)).toMatch(/distinct server id/);
    expect(messageProblem({ type: 'NEWLEADER', link: 3, zxid: 5n, configs: [config, badRole] }, link)).toMatch(/no role/);
    expect(messageProblem({ type: 'NEWLEADER', link: 3, zxid: 5n, configs: config }, link)).toMatch(/not a list/);
    expect(messageProblem({ type: 'UPTODATE', link: 3, zxid: 5n, config: { version: 1 } }, link)).toMatch(/not a configuration/);
    expect(messageProblem({ type: 'COMMIT', link: 3, zxid: 5n, designatedLeader: 'x' }, link)).toMatch(/designatedLeader/);
    expect(messageProblem({ type: 'INFORM', link: 3, entries: [], designatedLeader: 1.5 }, link)).toMatch(/designatedLeader/);
    expect(messageProblem({ type: 'PROPOSAL', link: 3, entries: [{ zxid: 6n, payload: 'x', config: { ...config, members: [{ ...config.members[0], clientPort: 70000 }] } }] }, link)).toMatch(/client address/);
  });
});
