import { test, expect, type Page } from '@playwright/test';
import { collectPageErrors, lab, openLab, terminalText, typeLine } from './lab.ts';
import { en } from '../../src/ui/i18n/en.ts';
import { zhCN } from '../../src/ui/i18n/zh-CN.ts';

const A = (port: number) => `127.0.0.1:${port}`;

async function eventLog(page: Page): Promise<string> {
  await page.getByTestId('tab-events').click();
  return (await page.getByTestId('event-log').textContent()) ?? '';
}

test('the lab opens on a healthy 6-node cluster: three masters sharing the slots, three replicas, no page error', async ({ page }) => {
  const errors = collectPageErrors(page);
  await openLab(page);
  const roles = await lab(page, (h) => h.roles());
  expect(roles).toEqual({
    [A(7000)]: 'master', [A(7001)]: 'master', [A(7002)]: 'master',
    [A(7003)]: 'slave', [A(7004)]: 'slave', [A(7005)]: 'slave',
  });
  await expect(page.getByTestId('slot-ranges')).toContainText('7000 0-5460');
  await expect(page.getByTestId('slot-ranges')).toContainText('7001 5461-10922');
  await expect(page.getByTestId('slot-ranges')).toContainText('7002 10923-16383');
  for (const port of [7000, 7001, 7002]) await expect(page.getByTestId(`node-${port}`)).toHaveAttribute('data-role', 'master');
  for (const port of [7003, 7004, 7005]) await expect(page.getByTestId(`node-${port}`)).toHaveAttribute('data-role', 'slave');
  expect(errors).toEqual([]);
});

test('with a Web Worker per node (?placement=node-workers) the same cluster comes up and fails over', async ({ page }) => {
  const errors = collectPageErrors(page);
  const workers: string[] = [];
  page.on('worker', (w) => workers.push(w.url()));
  await page.addInitScript(() => localStorage.setItem('cluster-lab.locale', 'en'));
  await page.goto('./?placement=node-workers');
  await expect(page.getByTestId('health')).toHaveAttribute('data-healthy', 'true', { timeout: 30_000 });
  expect(workers.filter((u) => u.includes('node-worker')).length).toBe(6);
  expect(await lab(page, (h) => (h as unknown as { placement: string }).placement)).toBe('node-workers');
  await page.getByTestId('speed').selectOption('10');
  await page.getByTestId('node-7001').click();
  await page.keyboard.press('k');
  await expect.poll(() => lab(page, (h) => h.roles()['127.0.0.1:7004']), { timeout: 30_000 }).toBe('master');
  expect(errors).toEqual([]);
});

test('killing a master from its menu: the others mark it FAIL, its replica wins the election and the slot map recolours', async ({ page }) => {
  const errors = collectPageErrors(page);
  await openLab(page);
  await page.getByTestId('speed').selectOption('10');
  await page.getByTestId('node-7000').click({ button: 'right' });
  await page.getByRole('menuitem', { name: /Kill/ }).click();
  await expect(page.getByTestId('node-7000')).toHaveAttribute('data-process', 'dead');
  await expect.poll(() => lab(page, (h) => h.roles()[`127.0.0.1:7003`]), { timeout: 30_000 }).toBe('master');
  await expect.poll(() => lab(page, (h) => h.owners()[0]), { timeout: 10_000 }).toBe(A(7003));
  await expect(page.getByTestId('slot-ranges')).toContainText('7003 0-5460');
  await expect(page.getByTestId('health')).toHaveAttribute('data-healthy', 'true', { timeout: 20_000 });
  const log = await eventLog(page);
  expect(log).toContain('node 7000 killed (kill -9)');
  expect(log).toMatch(/marks 7000 as possibly failing \(PFAIL\)/);
  expect(log).toMatch(/marks 7000 as failed \(FAIL\)/);
  expect(log).toContain('node 7003 won the election');
  expect(errors).toEqual([]);
});

test('under client load, a killed master shows on the charts as failures, then the rate recovers after the failover', async ({ page }) => {
  await openLab(page);
  await page.getByTestId('tab-load').click();
  await page.getByRole('slider', { name: /Operations per second/ }).fill('1000');
  await expect.poll(() => lab(page, (h) => h.buckets().length), { timeout: 10_000 }).toBeGreaterThan(5);
  const killedAt = await lab(page, (h) => h.clockUs());
  await page.getByTestId('speed').selectOption('5');
  await page.getByTestId('node-7000').click({ button: 'right' });
  await page.getByRole('menuitem', { name: /Kill/ }).click();
  await expect.poll(() => lab(page, (h) => h.roles()['127.0.0.1:7003']), { timeout: 60_000 }).toBe('master');
  // Recovery: two full seconds of buckets after the promotion at the configured rate with no failures.
  const recoveredAt = await lab(page, (h) => h.clockUs());
  await expect
    .poll(async () => {
      const b = await lab(page, (h) => h.buckets());
      return b.filter((x) => x.startUs > recoveredAt + 500_000).length;
    }, { timeout: 60_000 })
    .toBeGreaterThan(20);
  const buckets = await lab(page, (h) => h.buckets());
  const failing = buckets.filter((b) => b.startUs > killedAt && b.startUs < recoveredAt);
  const failures = failing.reduce((n, b) => n + b.errors.connection + b.errors.clusterdown + b.retried.connection + b.retried.clusterdown, 0);
  expect(failures).toBeGreaterThan(0);
  // The slot map recoloured: 7003 serves what 7000 served.
  await expect(page.getByTestId('slot-ranges')).toContainText('7003 0-5460');
  const after = buckets.filter((b) => b.startUs > recoveredAt + 500_000).slice(0, 20);
  const okPerSecond = after.reduce((n, b) => n + b.ok, 0) / (after.length / 10);
  expect(okPerSecond).toBeGreaterThan(900);
  expect(after.every((b) => b.errors.connection + b.errors.clusterdown === 0)).toBe(true);
  // The charts say so in words too.
  await expect(page.getByRole('img', { name: /Successful operations/ }).first()).toBeVisible();
});

test('the fault panel: a new empty node joins with CLUSTER MEET; a replica restarted from an empty directory comes back as a new node', async ({ page }) => {
  await openLab(page);
  await page.getByTestId('tab-faults').click();
  await page.getByTestId('add-node').click();
  await expect(page.getByTestId('node-7006')).toHaveAttribute('data-role', 'master', { timeout: 10_000 });
  await typeLine(page, 'CLUSTER MEET 127.0.0.1 7006');
  await expect.poll(() => terminalText(page)).toMatch(/CLUSTER MEET 127\.0\.0\.1 7006\s*\nOK/);
  await page.getByTestId('node-7000').click();
  await page.getByTestId('tab-inspector').click();
  await expect(page.getByTestId('inspector')).toContainText('7006', { timeout: 20_000 });
  await expect.poll(() => eventLog(page)).toContain('node 7006 started');

  const idBefore = await page.evaluate(() => (window as unknown as { __lab: { store: { views: { nodes: Map<string, { digest: { cluster: { myId: string } } }> } } } }).__lab.store.views.nodes.get('127.0.0.1:7005')!.digest.cluster.myId);
  await page.getByTestId('node-7005').click();
  await page.getByTestId('tab-faults').click();
  await page.getByTestId('fault-restart-empty').click();
  await expect
    .poll(() => page.evaluate(() => (window as unknown as { __lab: { store: { views: { nodes: Map<string, { digest: { cluster: { myId: string } } | null }> } } } }).__lab.store.views.nodes.get('127.0.0.1:7005')?.digest?.cluster.myId), { timeout: 20_000 })
    .not.toBe(idBefore);
  await expect(page.getByTestId('node-7005')).toHaveAttribute('data-role', 'master');

  // A link made slow: the event log says so.
  await page.getByTestId('link-a').selectOption('127.0.0.1:7001');
  await page.getByTestId('link-b').selectOption('127.0.0.1:7002');
  await page.getByTestId('link-latency').fill('80');
  await page.getByTestId('fault-link').click();
  await expect.poll(() => eventLog(page)).toContain('link 7001 ↔ 7002: 80 ms, 0% loss');
});

test('the slot map as a heatmap of keys per slot; pointing at a slot names its owner, its key count and some of its keys', async ({ page }) => {
  await openLab(page);
  // "b" hashes to slot 3300 (on 7000); three keys with the hash tag {b} land there too.
  for (const line of ['SET b 1', 'SET {b}:x 2', 'SET {b}:y 3']) {
    await typeLine(page, line);
    await expect.poll(() => terminalText(page)).toMatch(new RegExp(`${line.replace(/[{}]/g, '\\$&')}\\s*\\nOK`));
  }
  await page.getByTestId('slot-mode').selectOption('keys');
  await expect(page.getByTestId('slot-total')).toContainText('3 keys; the busiest slot holds 3', { timeout: 10_000 });
  const box = (await page.getByTestId('slot-canvas').boundingBox())!;
  const slot = 3300;
  await page.mouse.move(box.x + ((slot % 256) + 0.5) * (box.width / 256), box.y + (Math.floor(slot / 256) + 0.5) * (box.height / 64));
  await expect(page.getByTestId('slot-info')).toContainText('slot 3300: 7000', { timeout: 5_000 });
  await expect(page.getByTestId('slot-info')).toContainText('3 keys', { timeout: 5_000 });
  await expect(page.getByTestId('slot-sample')).toContainText('{b}:y', { timeout: 5_000 });
});

test('a cut-off master\'s own view disagrees with the cluster once its replica took over; the event filter hides what is not asked for', async ({ page }) => {
  await openLab(page);
  await page.getByTestId('speed').selectOption('10');
  await page.getByTestId('node-7002').click();
  await page.keyboard.press('i');
  await expect.poll(() => lab(page, (h) => h.roles()['127.0.0.1:7005']), { timeout: 40_000 }).toBe('master');
  await page.getByTestId('slot-observer').selectOption('127.0.0.1:7002');
  await expect(page.getByText(/differs from the masters' claims in 5461 slots/)).toBeVisible({ timeout: 10_000 });
  // Only the learner's own faults.
  await page.getByTestId('tab-events').click();
  for (const tone of ['alarm', 'heal', 'info']) await page.getByTestId(`filter-${tone}`).uncheck();
  await expect(page.getByTestId('event-log')).toContainText('network partitioned');
  await expect(page.getByTestId('event-log')).not.toContainText('PFAIL');
});

test('keyboard only: select a node with its number, K kills it, R restarts it', async ({ page }) => {
  await openLab(page);
  await page.getByTestId('node-7001').focus();
  await page.keyboard.press('5'); // the fifth node: 7004, a replica
  await expect(page.getByTestId('node-7004')).toBeFocused();
  await page.keyboard.press('k');
  await expect(page.getByTestId('node-7004')).toHaveAttribute('data-process', 'dead');
  await page.keyboard.press('r');
  await expect(page.getByTestId('node-7004')).toHaveAttribute('data-process', 'running');
  await expect(page.getByTestId('health')).toHaveAttribute('data-healthy', 'true', { timeout: 30_000 });
  // The context menu opens from the keyboard too, and Escape closes it.
  await page.getByTestId('node-7002').focus();
  await page.keyboard.press('Shift+F10');
  await expect(page.getByRole('menu')).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(page.getByRole('menu')).toHaveCount(0);
});

test('a node dragged onto the island is cut off (the others mark it PFAIL), and Heal brings the cluster back', async ({ page }) => {
  await openLab(page);
  await page.getByTestId('speed').selectOption('10');
  const node = await page.getByTestId('node-7002').boundingBox();
  const zone = await page.getByTestId('island-zone').boundingBox();
  await page.mouse.move(node!.x + node!.width / 2, node!.y + node!.height / 2);
  await page.mouse.down();
  await page.mouse.move(node!.x + 40, node!.y + 40, { steps: 5 });
  await page.mouse.move(zone!.x + zone!.width / 2, zone!.y + zone!.height / 2, { steps: 10 });
  await page.mouse.up();
  await expect(page.getByTestId('island-zone')).toContainText('7002');
  await expect.poll(() => eventLog(page), { timeout: 30_000 }).toMatch(/marks 7002 as possibly failing \(PFAIL\)/);
  expect(await eventLog(page)).toContain('network partitioned: 7000 7001 7003 7004 7005 | 7002');
  await page.getByTestId('heal').click();
  await expect.poll(() => eventLog(page)).toContain('network healed');
  await expect(page.getByTestId('health')).toHaveAttribute('data-healthy', 'true', { timeout: 40_000 });
});

test('rewinding replays the log: back before a kill the master is alive; forward again, the same failover', async ({ page }) => {
  await openLab(page);
  await page.getByTestId('speed').selectOption('10');
  const beforeKill = await lab(page, (h) => h.clockUs());
  await page.getByTestId('node-7000').click();
  await page.keyboard.press('k');
  await expect.poll(() => lab(page, (h) => h.roles()['127.0.0.1:7003']), { timeout: 30_000 }).toBe('master');
  await page.getByTestId('pause').click();
  const after = await lab(page, (h) => ({ t: h.clockUs(), roles: h.roles(), epochs: h.epochs(), owners: h.owners().join(',') }));
  // Run on a little, then rewind to the moment recorded: the replay must give the same cluster.
  await page.getByTestId('play').click();
  await page.waitForTimeout(500);
  const rewindTo = async (us: number) =>
    page.getByTestId('timeline').evaluate((el, v) => {
      const input = el as HTMLInputElement;
      input.value = String(v);
      input.dispatchEvent(new Event('input', { bubbles: true }));
      input.dispatchEvent(new Event('change', { bubbles: true }));
    }, us);
  await rewindTo(after.t);
  await expect.poll(() => lab(page, (h) => h.clockUs()), { timeout: 30_000 }).toBeGreaterThanOrEqual(after.t);
  await page.getByTestId('pause').click();
  const replayed = await lab(page, (h) => ({ roles: h.roles(), epochs: h.epochs(), owners: h.owners().join(',') }));
  expect(replayed.roles).toEqual(after.roles);
  expect(replayed.epochs).toEqual(after.epochs);
  expect(replayed.owners).toEqual(after.owners);
  // Back before the kill: 7000 is alive and a master again.
  await rewindTo(beforeKill);
  await expect.poll(() => lab(page, (h) => h.processes()['127.0.0.1:7000']), { timeout: 30_000 }).toBe('running');
  await expect.poll(() => lab(page, (h) => h.roles()['127.0.0.1:7000'])).toBe('master');
  await expect(page.getByTestId('node-7000')).toHaveAttribute('data-process', 'running');
});

test('switching to zh-CN changes every visible string of the lab, and back', async ({ page }) => {
  await openLab(page);
  const visibleText = () =>
    page.evaluate(() => {
      // Everything a learner reads outside the terminal (whose text is redis-cli's own).
      const clone = document.body.cloneNode(true) as HTMLElement;
      clone.querySelectorAll('[data-testid="terminal"], script, style').forEach((e) => e.remove());
      const labels = [...document.querySelectorAll('[aria-label]')]
        .filter((e) => !e.closest('[data-testid="terminal"]'))
        .map((e) => e.getAttribute('aria-label'))
        .join('\n');
      // The product's name is the same in both languages.
      return `${clone.innerText}\n${labels}`.replaceAll('Cluster Lab', '');
    });
  await page.getByTestId('language').selectOption('zh-CN');
  await expect(page.getByTestId('step')).toContainText('单步');
  const zh = await visibleText();
  // Every English message whose Chinese differs must not show (its words would be left untranslated).
  const leftovers = (Object.keys(en) as (keyof typeof en)[])
    .filter((k) => en[k] !== zhCN[k] && /[a-z]{4,}/.test(en[k]))
    .map((k) => en[k].replace(/\{\w+\}.*$/, '').trim())
    .filter((prefix) => prefix.length >= 6 && zh.includes(prefix));
  expect(leftovers).toEqual([]);
  expect(zh).toMatch(/[\u4e00-\u9fff]/);
  await page.getByTestId('language').selectOption('en');
  await expect(page.getByTestId('step')).toContainText('Step');
});

test('presets: four masters and an empty node; five standalone instances (no slots, no bus)', async ({ page }) => {
  await openLab(page);
  await page.getByTestId('preset').selectOption('cluster-4+1');
  await expect(page.getByTestId('node-7004')).toBeVisible({ timeout: 20_000 });
  await expect(page.getByTestId('health')).toHaveAttribute('data-healthy', 'true', { timeout: 30_000 });
  await expect(page.getByTestId('slot-ranges')).toContainText('7003 12288-16383');
  await expect(page.getByTestId('node-7004')).toContainText('0 slots');
  await page.getByTestId('preset').selectOption('standalone-5');
  await expect(page.getByTestId('health')).toHaveText('instances up', { timeout: 30_000 });
  await expect(page.getByTestId('no-slots')).toBeVisible();
  await expect(page.getByTestId('node-7005')).toHaveCount(0);
  await expect.poll(() => terminalText(page), { timeout: 10_000 }).toContain('127.0.0.1:7000> ');
  await typeLine(page, 'SET foo bar');
  // A standalone instance serves every key itself: no redirection.
  await expect.poll(() => terminalText(page)).toMatch(/7000> SET foo bar\s*\nOK/);
});

for (const placement of ['lab-worker', 'node-workers'] as const) {
  test(`a node whose code throws (${placement}) is shown crashed; the rest of the cluster keeps serving; R restarts it`, async ({ page }) => {
    const errors = collectPageErrors(page);
    await page.addInitScript(() => localStorage.setItem('cluster-lab.locale', 'en'));
    await page.goto(placement === 'lab-worker' ? './' : './?placement=node-workers');
    await expect(page.getByTestId('health')).toHaveAttribute('data-healthy', 'true', { timeout: 30_000 });
    await page.evaluate(() => (window as unknown as { __lab: { injectNodeFailure(n: string): Promise<void> } }).__lab.injectNodeFailure('127.0.0.1:7001'));
    await expect(page.getByTestId('node-7001')).toHaveAttribute('data-process', 'crashed', { timeout: 10_000 });
    await expect(page.getByTestId('node-7001')).toContainText('crashed');
    await expect.poll(() => eventLog(page)).toContain('node 7001 crashed');
    // The others go on: a key served by 7000 is written and read.
    await typeLine(page, 'SET b 1');
    await expect.poll(() => terminalText(page)).toMatch(/SET b 1\s*\nOK/);
    await page.getByTestId('speed').selectOption('10');
    await expect.poll(() => lab(page, (h) => h.roles()['127.0.0.1:7004']), { timeout: 30_000 }).toBe('master');
    await page.getByTestId('node-7001').click();
    await page.keyboard.press('r');
    await expect(page.getByTestId('node-7001')).toHaveAttribute('data-process', 'running', { timeout: 10_000 });
    await expect(page.getByTestId('health')).toHaveAttribute('data-healthy', 'true', { timeout: 30_000 });
    expect(errors).toEqual([]);
  });
}
