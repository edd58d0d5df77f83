import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import { apiAs, openUser, screenshot, signIn, startBrowser, startServer, notice } from './harness.mjs';

// Issue 15: backups while Userdesk runs, from Configuration; a full disk shows a banner and
// refuses changes with a readable reason, while reading still works.
let server;
let browser;
before(async () => {
  server = await startServer();
  browser = await startBrowser();
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

test('a Super admin backs up from Configuration and downloads the backup', async () => {
  const page = await browser.newPage();
  await signIn(page, server.url);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Configuration' }).click();
  await page.getByRole('tab', { name: 'Backups' }).click();
  const panel = page.getByRole('region', { name: 'Backups' });
  await panel.getByText('No backups yet.').waitFor();
  await panel.getByText('No scheduled backups.', { exact: false }).waitFor();
  await panel.getByRole('button', { name: 'Back up now' }).click();
  await notice(page, 'Backup saved');
  const rows = panel.getByRole('table').locator('tbody tr');
  await rows.first().waitFor();
  assert.equal(await rows.count(), 1);
  await screenshot(page, 'config-backups');

  const [download] = await Promise.all([page.waitForEvent('download'), rows.first().getByRole('link', { name: /Download/ }).click()]);
  const body = await readFile(await download.path());
  assert.ok(body.subarray(0, 18).toString() === 'USERDESK-BACKUP 1\n', 'the download is a Userdesk backup');
  assert.match(download.suggestedFilename(), /^manual-\d{8}T\d{6}\.\d{3}Z\.udbak$/);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('others see no Backups tab, and the API refuses them', async () => {
  const page = await browser.newPage();
  await signIn(page, server.url, 'trust.admin@northgate.example');
  assert.equal(await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Configuration' }).count(), 0);
  const api = await apiAs(server.url, 'trust.admin@northgate.example');
  assert.equal((await api('POST', '/backups')).status, 403);
  assert.equal((await api('GET', '/backups')).status, 403);
  await page.close();
});

test('on a full disk the console says so, reads work and an edit is refused with the reason', async () => {
  // Stop, then start on the same data with a reserve larger than any disk: the store opens
  // read-only, as it does on a disk that is really full.
  await server.stop({ keep: true });
  server = await startServer({ demo: false, data: server.data, env: { USERDESK_DISK_RESERVE: '1000000GiB' } });
  const page = await browser.newPage();
  await signIn(page, server.url);
  const banner = page.getByRole('alert').filter({ hasText: 'Read-only: the disk is full' });
  await banner.waitFor();
  // Reading works: find a user and open it.
  await openUser(page, 'NG1002');
  await page.getByLabel('Job title').fill('Not saved on a full disk');
  await page.getByRole('button', { name: 'Update' }).click();
  await page.getByRole('alert').filter({ hasText: 'read-only' }).filter({ hasText: 'Nothing was changed' }).waitFor();
  await screenshot(page, 'full-disk-read-only');
  await page.close();
});
