import assert from 'node:assert/strict';
import { test } from 'node:test';
import { notice, screenshot, signIn, useApp } from './harness.mjs';

// Issue 22: an admin makes an API token in My Account, sees its secret once, a script uses it,
// the list shows when, and revoking it (with the app's dialog) stops it at once.
const app = useApp();

test('an admin creates, uses and revokes an API token in My Account', async () => {
  const { url } = app.server;
  await app.browser.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: url });
  const page = await app.browser.newPage();
  await signIn(page, url, 'cardiology.admin@northgate.example');
  await page.goto(url + '/account');
  const panel = page.getByRole('region', { name: 'API tokens' });
  await panel.getByText('You have no API tokens.').waitFor();

  // Only the admin's own permissions are offered: no configuration, no backups.
  const form = panel.getByRole('form', { name: 'New API token' });
  assert.equal(await form.getByRole('checkbox', { name: 'Manage units' }).count(), 0);
  await form.getByLabel('Token name').fill('HR sync');
  await form.getByRole('checkbox', { name: 'View users' }).check();
  await form.getByRole('checkbox', { name: 'Edit users' }).check();
  await form.getByLabel('Only in unit').selectOption('ou-cardiology');
  await form.getByLabel('Expires on (optional)').fill('2099-12-31');
  await form.getByRole('button', { name: 'Create token' }).click();

  // The secret, once, with a copy button.
  const secretBox = panel.getByLabel('New token');
  await secretBox.waitFor();
  const secret = await secretBox.inputValue();
  assert.match(secret, /^udt_[a-z2-7]{40,}$/);
  await panel.getByRole('button', { name: 'Copy' }).click();
  await panel.getByRole('button', { name: 'Copied' }).waitFor();
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), secret);
  const row = panel.getByRole('table', { name: 'API tokens' }).locator('tbody tr').filter({ hasText: 'HR sync' });
  await row.getByText('Never used').waitFor();
  await row.getByText('Cardiology').waitFor();
  await screenshot(page, 'account-tokens');

  // A script uses it: no cookie, no CSRF token.
  const bearer = (method, path, body, headers = {}) =>
    fetch(url + '/api/v1' + path, {
      method,
      headers: { Authorization: 'Bearer ' + secret, 'Content-Type': 'application/json', ...headers },
      body: body ? JSON.stringify(body) : undefined,
    });
  const list = await (await bearer('GET', '/users?q=northgate.example&limit=500')).json();
  assert.ok(list.total > 0, 'the token lists users');
  const target = list.items.find((u) => u.unitId === 'ou-cardiology' && u.username !== 'cardiology.admin@northgate.example');
  const got = await bearer('GET', '/users/' + target.id);
  const patched = await bearer('PATCH', '/users/' + target.id, { jobTitle: 'Scripted by HR sync' }, { 'If-Match': got.headers.get('etag') });
  assert.equal(patched.status, 200, await patched.text());

  // The list shows it was used.
  await page.reload();
  await row.waitFor();
  assert.equal(await row.getByText('Never used').count(), 0);

  // Revoke, through the app's confirmation dialog.
  await row.getByRole('button', { name: 'Revoke HR sync' }).click();
  const dialog = page.getByRole('alertdialog', { name: 'Revoke token' });
  await dialog.getByText('Scripts that use it stop working at once.', { exact: false }).waitFor();
  await dialog.getByRole('button', { name: 'Revoke token' }).click();
  await notice(page, 'Token revoked');
  await panel.getByText('You have no API tokens.').waitFor();
  const refused = await bearer('GET', '/users');
  assert.equal(refused.status, 401);
  assert.match(refused.headers.get('www-authenticate') ?? '', /^Bearer/);

  // The change is in the account's history with the token's name (read by an auditor).
  await signIn(page, url);
  await page.goto(url + '/users/' + target.id);
  await page.getByRole('region', { name: 'History' }).getByText('with the API token HR sync').first().waitFor();
  // The Audit log says who made and revoked the token, its permissions and unit, in words.
  await page.goto(url + '/audit?actor=' + encodeURIComponent('cardiology.admin@northgate.example'));
  const log = page.getByRole('table', { name: 'Audit log' });
  const made = log.locator('tbody tr').filter({ hasText: 'Created API token' });
  await made.getByText('View users, Edit users').waitFor();
  await made.getByText(/Unit.*Cardiology/).waitFor();
  await log.locator('tbody tr').filter({ hasText: 'Revoked API token' }).first().waitFor();
  const used = log.locator('tbody tr').filter({ hasText: 'with the API token HR sync' });
  await used.getByText('API token', { exact: true }).waitFor(); // the source
  await screenshot(page, 'audit-tokens');
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('the token section speaks Welsh and fits a narrow window', async () => {
  const page = await app.browser.newPage();
  await signIn(page, app.server.url, 'cardiology.admin@northgate.example');
  await page.evaluate(() => sessionStorage.setItem('userdesk.lang', 'cy'));
  await page.goto(app.server.url + '/account');
  const panel = page.getByRole('region', { name: 'Tocynnau API' });
  await panel.getByRole('button', { name: 'Creu tocyn' }).waitFor();
  await panel.getByText('Nid oes gennych docynnau API.').waitFor();
  await panel.scrollIntoViewIfNeeded();
  await screenshot(page, 'account-tokens-cy');
  // On a narrow window the section fits the window (its table scrolls inside it).
  await page.setViewportSize({ width: 390, height: 800 });
  await panel.getByRole('button', { name: 'Creu tocyn' }).scrollIntoViewIfNeeded();
  const box = await panel.boundingBox();
  assert.ok(box && box.x >= 0 && box.x + box.width <= 391, `the tokens section spans ${box?.x}–${(box?.x ?? 0) + (box?.width ?? 0)} px at 390 px`);
  await screenshot(page, 'account-tokens-narrow');
  assert.deepEqual(page.errors, []);
  await page.close();
});
