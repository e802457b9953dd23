// The web console in a real browser (Debian's headless Chromium over the DevTools protocol)
// against a real 3-member zab ensemble: the page is served by a follower's admin server; it
// browses, searches, edits and deletes under digest logins whose ACLs the servers enforce; it
// lists sessions, ephemerals and watches; it charts the ensemble and sees a new leader after
// the old one is SIGKILLed; and all of it works from the keyboard. Screenshots go to
// test-output/console/ (git-ignored).
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { createClient, Perms, type ZooKeeperClient } from '@zab/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, type Browser, type Page } from '../support/chromium.js';
import { startEnsemble, type Ensemble, type Member } from '../support/ensemble.js';
import { REPO_ROOT, digestId, freePort } from '../support/launch.js';
import { waitFor } from '../support/wait.js';

const SHOTS = path.join(REPO_ROOT, 'test-output', 'console');
const ALICE = { user: 'alice', password: 'alice-secret' };
const BOB = { user: 'bob', password: 'bob-secret' };

let ens: Ensemble;
let adminPorts: number[];
let browser: Browser;
let page: Page;
let zk: ZooKeeperClient;
let watcher: ZooKeeperClient;
let consoleMember: Member;
let origin: string;

const hex = (id: bigint) => `0x${BigInt.asUintN(64, id).toString(16)}`;
const shot = (name: string) => page.screenshot(path.join(SHOTS, `${name}.png`));

/** The text of the first element matching `selector`, or null. */
const text = (selector: string) => page.eval<string | null>(`document.querySelector(${JSON.stringify(selector)})?.textContent ?? null`);

/** Waits until the tree's selected item is `p` and the details pane shows it. */
async function selected(p: string): Promise<void> {
  await page.waitFor(`${p} selected and shown`, `document.querySelector('li[aria-selected=true]')?.dataset.path === ${JSON.stringify(p)} && document.querySelector('.node h2')?.textContent === ${JSON.stringify(p)}`);
}

async function login(who: { user: string; password: string } | null): Promise<void> {
  await page.waitFor('the login form', `!document.getElementById('login-form').hidden`);
  if (who) {
    await page.eval(`document.getElementById('login-user').value = ''; document.getElementById('login-password').value = ''`);
    await page.click('#login-user');
    await page.type(who.user);
    await page.click('#login-password');
    await page.type(who.password);
    await page.press('Enter');
  } else {
    await page.click('#login-anonymous');
  }
  await page.waitFor('the tree after login', `!document.getElementById('browser').hidden && document.querySelector('li[data-path="/app"]')`);
}

async function logout(): Promise<void> {
  await page.click('#logout');
  await page.waitFor('the login form', `!document.getElementById('login-form').hidden`);
}

/** Loads the console unless it is loaded already, so that each test also runs alone (-t). */
async function open(): Promise<void> {
  if ((await page.eval<string>('location.href')) !== `${origin}/console/`) await page.goto(`${origin}/console/`);
  await page.waitFor('the page up', `!document.getElementById('login-form').hidden || !document.getElementById('browser').hidden`);
}

/** Logs in as `who` (null: anonymous) unless that login is the current one. */
async function loginAs(who: { user: string } | null): Promise<void> {
  await open();
  const current = await page.eval<string | null>(`document.getElementById('browser').hidden ? null : document.getElementById('who').textContent`);
  if (current?.startsWith(`${who?.user ?? 'anonymous'} ·`)) return;
  if (current !== null) await logout();
  await login(who === null ? null : who.user === ALICE.user ? ALICE : BOB);
}

beforeAll(async () => {
  await mkdir(SHOTS, { recursive: true });
  adminPorts = [await freePort(), await freePort(), await freePort()];
  const urls = Object.fromEntries(adminPorts.map((p, i) => [`admin.url.${i + 1}`, `http://127.0.0.1:${p}`]));
  ens = await startEnsemble('zab', {
    cfg: { 'admin.authDigests': digestId(ALICE.user, ALICE.password), ...urls },
    memberCfg: (id) => ({ 'admin.enableServer': 'true', 'admin.serverAddress': '127.0.0.1', 'admin.serverPort': String(adminPorts[id - 1]) }),
  });
  const leader = await ens.leader();
  consoleMember = ens.members.find((m) => m !== leader)!;
  origin = `http://127.0.0.1:${adminPorts[consoleMember.id - 1]}`;

  zk = createClient(ens.connectString);
  await zk.connected();
  await zk.create('/app', JSON.stringify({ name: 'zab', replicas: 3 }));
  await zk.create('/app/config', 'color=blue');
  await zk.create('/app/binary', Buffer.from([0, 1, 2, 0xfe, 0xff, 0x41]));
  await zk.create('/app/old', 'to be deleted');
  await zk.create('/secret', 'for bob only', { acl: [{ perms: Perms.ALL, id: { scheme: 'digest', id: digestId(BOB.user, BOB.password) } }] });
  // Another application's session: an ephemeral node and a data watch, for the sessions view.
  watcher = createClient(ens.connectString);
  await watcher.connected();
  await watcher.create('/app/lock-1', 'held', { mode: 'ephemeral' });
  await watcher.getData('/app/config', { watch: () => undefined });

  browser = await launchChromium();
  page = await browser.newPage();
}, 180_000);

afterAll(async () => {
  await watcher?.close().catch(() => undefined);
  await zk?.close().catch(() => undefined);
  await browser?.close();
  await ens?.stop();
});

describe('web console in Chromium against a 3-member ensemble', () => {
  it('is served by the admin server at /console, needs nothing from elsewhere, and stays small', async () => {
    await page.goto(`${origin}/console`);
    await page.waitFor('the login form', `!document.getElementById('login-form').hidden`);
    expect(page.requests.length).toBeGreaterThan(1);
    for (const url of page.requests) expect(url === `${origin}/console` || url.startsWith(`${origin}/console/`) || url.startsWith('data:'), url).toBe(true);
    const bytes = await page.eval<number>(`performance.getEntriesByType('navigation').concat(performance.getEntriesByType('resource')).reduce((n, e) => n + e.decodedBodySize, 0)`);
    expect(bytes).toBeGreaterThan(10_000);
    expect(bytes).toBeLessThan(80_000);
    expect(await text('#member')).toContain(`member ${consoleMember.id} of 3`);
    await shot('01-login');
  });

  it('browses anonymously, read-only, and shows data as text, JSON and hex with Stat and ACL', async () => {
    await loginAs(null);
    expect(await text('#who')).toContain('anonymous');
    expect(await text('#who-mode')).toBe('read-only');
    await page.click('li[data-path="/app"] > .row');
    await selected('/app');
    // JSON data opens as JSON, indented.
    await page.waitFor('JSON shown', `document.querySelector('input[name=format][value=json]').checked && document.querySelector('pre.value').textContent.includes('"replicas": 3')`);
    expect(await page.eval(`document.querySelector('dd[data-stat=numChildren]').textContent`)).toBe('4');
    expect(await page.eval(`[...document.querySelectorAll('.node table td')].map((t) => t.textContent).join(' ')`)).toBe('world anyone cdrwa');
    expect(await page.eval(`document.querySelector('.toolbar button.danger').disabled`)).toBe(true);
    await page.click('input[name=format][value=hex]');
    await page.waitFor('hex shown', `document.querySelector('pre.value').textContent.startsWith('00000000  7b 22 6e 61 6d 65')`);
    // Writes are refused by the admin server, whatever the page does.
    const refused = await page.eval<{ status: number; error: string }>(`fetch('api/create', { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer ' + sessionStorage.getItem('zab-console-token') }, body: JSON.stringify({ path: '/anon', data: '' }) }).then(async (r) => ({ status: r.status, error: (await r.json()).error }))`);
    expect(refused).toEqual({ status: 403, error: 'ReadOnly' });
    expect(await zk.exists('/anon')).toBeNull();
    // /secret's data is bob's: the server refuses this session, and the page says so.
    await page.click('li[data-path="/secret"] > .row');
    await selected('/secret');
    await page.waitFor('NoAuth on the data', `document.querySelector('.data .error')?.textContent.includes('NoAuth')`);
    await shot('02-anonymous-secret');
  });

  it('works from the keyboard: tree, search, tabs and help', async () => {
    await loginAs(null);
    await page.press('t');
    let f = await page.focused();
    expect(f.role).toBe('treeitem');
    await page.press('Home');
    await selected('/');
    await page.press('ArrowDown');
    await selected('/app');
    expect((await page.focused()).path).toBe('/app');
    await page.press('ArrowRight'); // expands /app
    await page.waitFor('/app expanded', `document.querySelector('li[data-path="/app"]').getAttribute('aria-expanded') === 'true' && document.querySelector('li[data-path="/app/binary"]')`);
    await selected('/app');
    await page.press('ArrowLeft'); // collapses it
    await page.waitFor('/app collapsed', `document.querySelector('li[data-path="/app"]').getAttribute('aria-expanded') === 'false'`);
    await page.press('ArrowRight'); // expands it again
    await page.waitFor('/app expanded', `document.querySelector('li[data-path="/app"]').getAttribute('aria-expanded') === 'true' && document.querySelector('li[data-path="/app/binary"]')`);
    await page.press('ArrowRight'); // steps into its first child
    await selected('/app/binary');
    // Binary data opens as hex.
    await page.waitFor('hex of binary data', `document.querySelector('input[name=format][value=hex]').checked && document.querySelector('pre.value').textContent.includes('00 01 02 fe ff 41')`);
    await page.press('ArrowDown');
    await selected('/app/config');
    await page.press('ArrowLeft'); // out to the parent
    await selected('/app');
    await page.press('Enter');
    expect((await page.focused()).tag).toBe('SECTION');
    // Search: '/' focuses it; a full path jumps there.
    await page.press('/');
    f = await page.focused();
    expect(f.id).toBe('search');
    await page.type('/app/config');
    await page.press('Enter');
    await selected('/app/config');
    // Other text finds the paths containing it; Down goes into the results, Enter opens one.
    await page.press('/');
    await page.eval(`document.getElementById('search').select()`);
    await page.type('lock');
    await page.press('Enter');
    await page.waitFor('search results', `document.querySelector('#search-results button')?.textContent === '/app/lock-1'`);
    await page.press('ArrowDown');
    expect((await page.focused()).text).toBe('/app/lock-1');
    await page.press('Enter');
    await selected('/app/lock-1');
    // Tabs by number and by arrow keys.
    await page.press('2');
    await page.waitFor('the ensemble view', `!document.getElementById('view-ensemble').hidden && document.activeElement.id === 'tab-ensemble'`);
    await page.press('ArrowRight');
    await page.waitFor('the sessions view', `!document.getElementById('view-sessions').hidden && document.activeElement.id === 'tab-sessions'`);
    await page.press('1');
    await page.waitFor('the tree view', `!document.getElementById('view-tree').hidden`);
    await page.press('?');
    await page.waitFor('the help dialog', `document.getElementById('help').open`);
    await shot('03-keys-help');
    await page.press('Escape');
    await page.waitFor('help closed', `!document.getElementById('help').open`);
  });

  it('refuses a wrong password for an admin user', async () => {
    await open();
    if (await page.eval(`document.getElementById('login-form').hidden`)) await logout();
    await page.eval(`document.getElementById('login-user').value = ''`);
    await page.click('#login-user');
    await page.type('alice');
    await page.click('#login-password');
    await page.type('wrong');
    await page.press('Enter');
    await page.waitFor('the refusal', `document.getElementById('login-error').textContent.includes('wrong password for admin user alice')`);
    await page.eval(`document.getElementById('login-password').value = ''`);
  });

  it('creates, edits and deletes as an admin user, from the keyboard, with a confirmation for the delete', async () => {
    await loginAs(ALICE);
    expect(await text('#who-mode')).toBe('read-write');
    await page.press('t');
    await page.press('Home');
    await page.press('ArrowDown');
    await selected('/app');
    // n: a new child.
    await page.press('n');
    await page.waitFor('the create dialog', `document.querySelector('dialog[open]') && document.activeElement.getAttribute('aria-label') === 'name'`);
    await page.type('made-in-console');
    await page.press('Tab');
    await page.type('hello from the console');
    await shot('04-create-dialog');
    // Past the mode, the ACL and Cancel to Create (Enter in the data field is a newline).
    for (let i = 0; i < 4; i++) await page.press('Tab');
    expect((await page.focused()).text).toBe('Create');
    await page.press('Enter');
    await selected('/app/made-in-console');
    expect((await zk.getData('/app/made-in-console')).data?.toString()).toBe('hello from the console');
    // e: edit; Ctrl+Enter saves with the version read, on the user's session.
    await page.press('e');
    await page.waitFor('the editor', `document.activeElement.classList.contains('editor')`);
    await page.eval(`document.activeElement.select()`);
    await page.type('edited');
    await page.press('Enter', { ctrl: true });
    await page.waitFor('the saved data', `document.querySelector('pre.value')?.textContent === 'edited'`);
    const { data, stat } = await zk.getData('/app/made-in-console');
    expect(data?.toString()).toBe('edited');
    expect(stat.version).toBe(1);
    // A change made elsewhere meanwhile is not overwritten: the edit is refused with BadVersion.
    await zk.setData('/app/made-in-console', 'changed elsewhere');
    await page.press('e');
    await page.waitFor('the editor', `document.activeElement.classList.contains('editor')`);
    await page.type(' again');
    await page.press('Enter', { ctrl: true });
    await page.waitFor('the BadVersion message', `document.querySelector('.data .error')?.textContent.includes('changed since it was loaded')`);
    expect((await zk.getData('/app/made-in-console')).data?.toString()).toBe('changed elsewhere');
    await page.press('Escape');
    await page.waitFor('edit cancelled', `!document.querySelector('textarea.editor')`);
    // Delete asks first, with the focus on Cancel: Enter alone does not delete.
    await page.press('r');
    await page.waitFor('reloaded', `document.querySelector('pre.value')?.textContent === 'changed elsewhere'`);
    await page.press('t');
    await page.press('Delete');
    await page.waitFor('the confirmation', `document.querySelector('dialog[open]') && document.activeElement.textContent === 'Cancel'`);
    await shot('05-delete-confirmation');
    await page.press('Enter');
    await page.waitFor('the dialog gone', `!document.querySelector('dialog[open]')`);
    expect(await zk.exists('/app/made-in-console')).not.toBeNull();
    await page.press('t');
    await page.press('Delete');
    await page.waitFor('the confirmation', `document.querySelector('dialog[open]') && document.activeElement.textContent === 'Cancel'`);
    await page.press('Tab');
    expect((await page.focused()).text).toBe('Delete');
    await page.press('Enter');
    await selected('/app');
    await waitFor('the node gone from the ensemble', async () => (await zk.exists('/app/made-in-console')) === null);
    expect(await page.eval(`!!document.querySelector('li[data-path="/app/made-in-console"]')`)).toBe(false);
  });

  it('keeps ACLs: an admin user cannot read or change what the ACL keeps from them; a non-admin reads with their own digest', async () => {
    await loginAs(ALICE);
    await page.click('li[data-path="/secret"] > .row');
    await selected('/secret');
    await page.waitFor('NoAuth on the data', `document.querySelector('.data .error')?.textContent.includes('NoAuth')`);
    const refused = await page.eval<{ status: number; error: string }>(`fetch('api/set', { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer ' + sessionStorage.getItem('zab-console-token') }, body: JSON.stringify({ path: '/secret', data: btoa('mine') }) }).then(async (r) => ({ status: r.status, error: (await r.json()).error }))`);
    expect(refused).toEqual({ status: 403, error: 'NoAuth' });
    await loginAs(BOB);
    expect(await text('#who-mode')).toBe('read-only');
    await page.click('li[data-path="/secret"] > .row');
    await selected('/secret');
    await page.waitFor("bob's data", `document.querySelector('pre.value')?.textContent === 'for bob only'`);
    expect(await page.eval(`[...document.querySelectorAll('.node table td')].map((t) => t.textContent).join(' ')`)).toBe(`digest ${digestId(BOB.user, BOB.password)} cdrwa`);
    await shot('06-bob-reads-secret');
  });

  it('lists sessions with their ephemeral nodes and the paths they watch', async () => {
    // The child watch set at the start fired when a child was created; set it again.
    await watcher.getChildren('/app', { watch: () => undefined });
    await open();
    await page.click('#tab-sessions');
    const sid = hex(watcher.sessionId);
    await page.waitFor('the watcher session with its child watch', `[...document.querySelectorAll('#sessions-host tr')].some((tr) => tr.textContent.includes(${JSON.stringify(sid)}) && tr.textContent.includes('/app/lock-1') && tr.textContent.includes('/app (child)'))`);
    const row = await page.eval<string>(`[...document.querySelectorAll('#sessions-host tr')].find((tr) => tr.textContent.includes(${JSON.stringify(sid)}) && tr.textContent.includes('/app/lock-1')).textContent`);
    expect(row).toContain('/app/config (data)');
    expect(row).toContain('/app (child)');
    const watched = await page.eval<string[]>(`[...document.querySelectorAll('#sessions-host table:nth-of-type(2) tbody tr')].map((tr) => tr.textContent)`);
    expect(watched.some((t) => t.startsWith('/app/config') && t.includes('data') && t.includes(sid))).toBe(true);
    expect(watched.some((t) => t.startsWith('/app') && t.includes('child') && t.includes(sid))).toBe(true);
    await shot('07-sessions');
  });

  it('shows every member and live charts, and sees a new leader after the leader is SIGKILLed', async () => {
    await open();
    await page.click('#tab-ensemble');
    const leader = await ens.leader();
    await page.waitFor('three members, one leading', `document.querySelectorAll('#ensemble-host tr[data-role=leading]').length === 1 && document.querySelectorAll('#ensemble-host tr[data-role=following]').length === 2`);
    expect(await page.eval(`document.querySelector('#ensemble-host tr[data-role=leading]').dataset.member`)).toBe(String(leader.id));
    const epochBefore = Number(await page.eval(`document.querySelector('#ensemble-host tr[data-role=leading] td:nth-child(3)').textContent`));
    // Traffic for the charts: writes and reads through every member.
    const load = (async () => {
      for (let i = 0; i < 200; i++) {
        await zk.create(`/app/load-${i}`, 'x');
        await zk.getData(`/app/load-${i}`);
      }
    })();
    await page.waitFor('a request rate above zero', `[...document.querySelectorAll('figure.chart-box')[0].querySelectorAll('polyline')].some((l) => l.getAttribute('points').split(' ').some((p) => Number(p.split(',')[1]) < 100))`, 60_000);
    await page.waitFor('latency percentiles charted', `document.querySelectorAll('figure.chart-box')[1].querySelectorAll('polyline').length >= 3`, 60_000);
    await load;
    await shot('08-ensemble');
    await leader.kill('SIGKILL');
    // The summary names a leader once it serves: elected, it is LEADING a moment earlier, still in the old epoch.
    await page.waitFor('a new leader', `(() => { const l = document.getElementById('ensemble-summary').dataset.leader; return l !== '' && l !== ${JSON.stringify(String(leader.id))} && document.querySelector('#ensemble-host tr[data-member="${leader.id}"]').dataset.role === 'unreachable'; })()`, 60_000);
    const newLeader = await page.eval<string>(`document.getElementById('ensemble-summary').dataset.leader`);
    expect(await page.eval(`document.querySelector('#ensemble-host tr[data-member="${newLeader}"]').dataset.role`)).toBe('leading');
    const epochAfter = Number(await page.eval(`document.querySelector('#ensemble-host tr[data-member="${newLeader}"] td:nth-child(3)').textContent`));
    expect(epochAfter).toBeGreaterThan(epochBefore);
    expect(await text('#ensemble-summary')).toContain('2 of 3 members answer');
    expect(await page.eval(`document.querySelector('.changes').textContent`)).toContain(`member ${leader.id} leads`);
    expect(await page.eval(`document.querySelector('.changes li').textContent`)).toContain(`member ${newLeader} leads (epoch ${epochAfter})`);
    await shot('09-new-leader');
    expect(page.errors).toEqual([]);
  });
});
