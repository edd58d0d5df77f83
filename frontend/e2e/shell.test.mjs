import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ADMIN, PASSWORD, notice, screenshot, signIn, useApp } from './harness.mjs';

const app = useApp();

test('a wrong password gets the generic message and no console', async () => {
  const page = await app.browser.newPage();
  await page.goto(app.server.url + '/');
  await page.getByLabel('Username').fill(ADMIN);
  await page.getByLabel('Password').fill('not-the-password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('alert').filter({ hasText: 'Incorrect username or password.' }).waitFor();
  assert.equal(await page.getByRole('navigation', { name: 'Main' }).count(), 0);
  await screenshot(page, 'sign-in-error');
  await page.close();
});

test('sign in through the page, see the console, deep link, sign out', async () => {
  const page = await app.browser.newPage();
  await page.goto(app.server.url + '/');
  await screenshot(page, 'sign-in');
  await signIn(page, app.server.url);
  // Product name and version are visible.
  await page.getByText('Userdesk', { exact: true }).first().waitFor();
  await page.getByTitle('Version').filter({ hasText: /^v\d+\.\d+\.\d+/ }).waitFor();
  const nav = page.getByRole('navigation', { name: 'Main' });
  for (const name of ['Users', 'Imports', 'Mail', 'Audit', 'Configuration', 'My Account']) {
    await nav.getByRole('link', { name }).waitFor();
  }
  // The users list of the demo organisation.
  await page.getByRole('heading', { name: 'Users' }).waitFor();
  await page.getByRole('table', { name: 'Users' }).getByRole('row').nth(5).waitFor();
  await screenshot(page, 'users');

  await nav.getByRole('link', { name: 'Imports' }).click();
  await page.getByRole('heading', { name: 'Imports' }).waitFor();

  // A deep link survives a reload (history fallback) and the session persists.
  await page.goto(app.server.url + '/audit');
  await page.getByRole('heading', { name: 'Audit' }).waitFor();
  assert.equal(new URL(page.url()).pathname, '/audit');

  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByLabel('Password').waitFor();
  await page.reload();
  await page.getByLabel('Password').waitFor();
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('the console works in a narrow window', async () => {
  const page = await app.browser.newPage();
  await page.setViewportSize({ width: 390, height: 844 });
  await signIn(page, app.server.url, ADMIN, PASSWORD);
  // The Users page fits a phone's width: only its table scrolls, inside its box.
  await page.locator('.count').filter({ hasText: /^\d+ users?$/ }).waitFor();
  const [scroll, client] = await page.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
  assert.ok(scroll <= client, `the Users page is ${scroll} px wide in a ${client} px window`);
  await screenshot(page, 'narrow-users');
  await page.getByRole('button', { name: 'Menu' }).click();
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Audit' }).click();
  await page.getByRole('heading', { name: 'Audit' }).waitFor();
  await screenshot(page, 'narrow-audit');
  // Sign out is in the account menu.
  await page.locator('button[aria-controls="account-menu"]').click();
  await page.getByRole('menuitem', { name: 'Sign out' }).click();
  await page.getByLabel('Password').waitFor();
  await page.close();
});

test('the harness sees a notice that faded before the test looked, once per notice', async () => {
  const page = await app.browser.newPage();
  await signIn(page, app.server.url, ADMIN, PASSWORD);
  // The console's own notification, dismissed at once: gone before the wait below begins.
  await page.getByRole('link', { name: 'My account' }).click();
  await page.getByLabel('Mobile').fill('07700 900123');
  await page.getByRole('button', { name: 'Update' }).click();
  const toast = page.locator('.toast').filter({ hasText: 'Changes saved' });
  await toast.getByRole('button', { name: 'Dismiss notification' }).click();
  await toast.waitFor({ state: 'detached' });
  assert.match(await notice(page, 'Changes saved'), /Changes saved/);
  // Handed once: a second wait for the same words needs a second notice.
  await assert.rejects(notice(page, 'Changes saved', { timeout: 500 }));
  await page.close();
});
