import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { openUser, screenshot, startBrowser, startServer, notice } from './harness.mjs';

// Issue 21: a visitor tries the demo kiosk as a persona, does two guided tasks and sees them
// ticked; the timed reset puts the store back exactly (the export is byte-identical) and sends
// the console to the sign-in page with the ticks cleared.
let server;
let browser;
before(async () => {
  server = await startServer({ args: ['--kiosk', '--reset-every', '40s', '--reset-idle', '1h'] });
  browser = await startBrowser();
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

/** exportAs signs in as a persona through the API and downloads the full users report. */
async function exportAs(username) {
  const r = await fetch(`${server.url}/api/v1/kiosk/personas/${username}/session`, { method: 'POST', headers: { Origin: server.url } });
  assert.equal(r.status, 200);
  const cookie = r.headers.get('set-cookie').split(';')[0];
  const e = await fetch(`${server.url}/api/v1/exports/users.csv`, { headers: { Cookie: cookie } });
  assert.equal(e.status, 200);
  return Buffer.from(await e.arrayBuffer());
}

test('try as a persona, do two guided tasks, and the timed reset puts everything back', async () => {
  const pristine = await exportAs('admin@userdesk.local');
  const page = await browser.newPage();
  await page.context().clearCookies();
  await page.goto(server.url + '/');
  await page.getByRole('heading', { name: 'Try Userdesk' }).waitFor();
  assert.equal(await page.getByRole('button', { name: /^Try as / }).count(), 6);
  await screenshot(page, 'kiosk-sign-in');
  await page.getByRole('button', { name: /Try as Morgan Hale/ }).click();
  // A visitor lands on the guided tasks, under the demo banner.
  await page.getByRole('heading', { level: 1, name: 'Guided tasks' }).waitFor();
  await page.getByRole('region', { name: 'Demo' }).getByText(/Demo — resets in \d+ min/).waitFor();
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Users' }).click();

  // Task: find a user and edit their details.
  await openUser(page, 'NG1002');
  await page.getByLabel('Job title').fill('Kiosk visitor was here');
  await page.getByRole('button', { name: 'Update' }).click();
  await notice(page, 'Changes saved');

  // Task: read the change in the Audit log.
  const nav = page.getByRole('navigation', { name: 'Main' });
  await nav.getByRole('link', { name: 'Audit' }).click();
  await page.getByText('Kiosk visitor was here').first().waitFor();

  // Both are ticked on the Guided tasks page.
  await nav.getByRole('link', { name: 'Guided tasks' }).click();
  await page.getByRole('heading', { name: /Find a user and edit their details \(done\)/ }).waitFor();
  await page.getByRole('heading', { name: /Read your changes in the Audit log \(done\)/ }).waitFor();
  await page.getByRole('heading', { name: /Move a user to another OU \(not done yet\)/ }).waitFor();
  await page.getByRole('status').filter({ hasText: '2 of 7 done' }).waitFor();
  await screenshot(page, 'kiosk-guided-tasks');
  assert.notDeepEqual(await exportAs('admin@userdesk.local'), pristine);

  // The timed reset sends this console back to the sign-in page.
  await page.getByText('The demo was reset: everything is back as it was.').waitFor({ timeout: 60000 });
  assert.deepEqual(await exportAs('admin@userdesk.local'), pristine);

  // A new visitor starts with no ticks.
  await page.getByRole('button', { name: /Try as Morgan Hale/ }).click();
  await page.getByRole('status').filter({ hasText: '0 of 7 done' }).waitFor();
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('the Reset demo button asks, then resets every open console', async () => {
  const page = await browser.newPage();
  await page.context().clearCookies();
  await page.goto(server.url + '/');
  await page.getByRole('button', { name: /Try as Priya Raman/ }).click();
  const bar = page.getByRole('region', { name: 'Demo' });
  await bar.getByRole('button', { name: 'Reset demo' }).click();
  const dialog = page.getByRole('alertdialog', { name: 'Reset demo' });
  await dialog.getByText('Put everything back now?', { exact: false }).waitFor();
  await screenshot(page, 'kiosk-reset-confirm');
  await dialog.getByRole('button', { name: 'Reset demo' }).click();
  await page.getByText('The demo was reset: everything is back as it was.').waitFor();
  await page.close();
});
