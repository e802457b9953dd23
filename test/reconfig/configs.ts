// What the reconfig suites ask of an ensemble's configuration: the one a member serves, its
// voters, and waiting until every member serves the voters expected. Used on local processes
// (scenarios.test.ts, test/deploy) and on containers (test/docker).
import { createClient } from '@zab/client';
import { type WaitOptions, waitFor, within } from '../support/wait.js';

/** The configuration the member(s) at `connectString` serve (`/zookeeper/config`); rejects if none serves within `timeoutMs`. */
export async function configAt(connectString: string, timeoutMs = 10_000): Promise<string> {
  const zk = createClient(connectString, { sessionTimeoutMs: 10_000 });
  try {
    const config = zk.connected().then(async () => (await zk.getConfig()).data?.toString('utf8') ?? '');
    return await within(timeoutMs, config, `no member of ${connectString} serves`);
  } finally {
    await zk.close();
  }
}

/** The ids of a configuration's voting members. */
export const voters = (config: string): number[] => config.split('\n').filter((l) => /^server\.\d+=.*:participant/.test(l)).map((l) => Number(/^server\.(\d+)/.exec(l)![1]));

/** A member asked for its configuration: its name in messages and its client address. */
export interface ConfigSource {
  readonly name: string;
  readonly connectString: string;
}

/** Waits until each of `members` in turn serves a configuration whose voters are `ids`; resolves with the last one's. */
export async function waitForVoters(members: readonly ConfigSource[], ids: readonly number[], opts: WaitOptions): Promise<string> {
  let config = '';
  for (const m of members) {
    config = await waitFor(`${m.name} to serve voters ${ids.join(',')}`, async () => {
      const c = await configAt(m.connectString);
      return voters(c).join(',') === ids.join(',') ? c : undefined;
    }, opts);
  }
  return config;
}
