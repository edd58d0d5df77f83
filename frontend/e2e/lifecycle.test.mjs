import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ADMIN, PASSWORD, apiAs, screenshot, signIn, useApp, notice } from './harness.mjs';

const app = useApp();

test('create an account, send the activation email, activate from the mail link, sign in as it', async () => {
  const page = await app.browser.newPage();
  await signIn(page, app.server.url);
  // The dialog works from the keyboard: focus starts in it, Tab stays in it, Escape closes it
  // and gives focus back to the button that opened it.
  const newUser = page.getByRole('button', { name: 'New user' });
  await newUser.click();
  const dialog = page.getByRole('dialog', { name: 'New user' });
  await page.waitForFunction(() => document.activeElement?.id === 'nu-firstName');
  for (let i = 0; i < 12; i++) {
    await page.keyboard.press(i % 3 === 2 ? 'Shift+Tab' : 'Tab');
    assert.equal(await dialog.evaluate((d) => d.contains(document.activeElement)), true, 'focus left the dialog');
  }
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'detached' });
  assert.equal(await newUser.evaluate((b) => b === document.activeElement), true, 'focus went back to New user');
  await newUser.click();
  await dialog.getByLabel('First name').fill('Nia');
  await dialog.getByLabel('Last name').fill('Starling');
  await dialog.getByLabel('Username').fill('nia.starling@riverside.example');
  await dialog.getByLabel('Home OU').selectOption({ label: '\u00a0\u00a0\u00a0Administration' });
  await dialog.getByRole('button', { name: 'Create account' }).click();
  await page.getByRole('heading', { level: 1, name: 'Nia Starling' }).waitFor();
  const status = page.getByRole('region', { name: 'Status' });
  await status.locator('.badge', { hasText: 'Created' }).waitFor();
  await status.getByRole('button', { name: 'Send activation email' }).click();
  await notice(page, 'Activation email sent');
  await status.locator('.badge', { hasText: 'Pending' }).waitFor();
  await status.getByRole('button', { name: 'Resend activation email' }).waitFor();
  await screenshot(page, 'user-pending');

  // The Super admin reads the outbox and opens the link in the mail.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Mail' }).click();
  await page.getByRole('tab', { name: 'Outbox (all mail)' }).click();
  await page.getByRole('table', { name: 'Messages' }).getByRole('button', { name: /Activate/ }).first().click();
  const message = page.getByRole('article', { name: 'Message' });
  await message.getByText('nia.starling@riverside.example').first().waitFor();
  await screenshot(page, 'mail');
  const href = await message.getByRole('link', { name: /\/activate\// }).getAttribute('href');

  // The new user opens the link signed out.
  await page.context().clearCookies();
  await page.goto(href);
  await page.getByRole('heading', { name: 'Activate your account' }).waitFor();
  await page.getByText('nia.starling@riverside.example').waitFor();
  await page.getByLabel('New password', { exact: true }).fill('short');
  await page.getByLabel('Repeat the new password').fill('short');
  await page.getByRole('button', { name: 'Activate account' }).click();
  await page.locator('#pw-help.err').waitFor();
  await page.getByLabel('New password', { exact: true }).fill('nia-starling-long-password');
  await page.getByLabel('Repeat the new password').fill('nia-starling-long-password');
  await page.getByRole('button', { name: 'Activate account' }).click();
  await page.getByRole('status').filter({ hasText: 'Your account is active' }).waitFor();
  await screenshot(page, 'activated');
  // The link works once.
  await page.goto(href);
  await page.getByRole('alert').waitFor();

  await signIn(page, app.server.url, 'nia.starling@riverside.example', 'nia-starling-long-password');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'My Account' }).click();
  await page.getByLabel('Job title').fill('Team Administrator');
  await page.getByRole('button', { name: 'Update' }).click();
  await notice(page, 'Changes saved');
  await screenshot(page, 'my-account');
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('forgot password: same answer for any username, reset from the mail link', async () => {
  const page = await app.browser.newPage();
  await page.context().clearCookies();
  await page.goto(app.server.url + '/');
  await page.getByRole('button', { name: 'Forgot password?' }).click();
  await page.getByLabel('Username').fill('nobody@nowhere.example');
  await page.getByRole('button', { name: 'Send reset link' }).click();
  const unknown = await page.getByRole('status').textContent();
  await page.getByLabel('Username').fill('auditor@northgate.example');
  await page.getByRole('button', { name: 'Send reset link' }).click();
  await page.waitForTimeout(200);
  assert.equal(await page.getByRole('status').textContent(), unknown);

  // The reset mail arrives in the auditor's mailbox (read here through the Super admin's outbox).
  const api = await apiAs(app.server.url, ADMIN);
  let link = '';
  for (let i = 0; i < 50 && !link; i++) {
    const list = await api('GET', '/mail?to=auditor@northgate.example');
    const m = list.json.items.find((x) => /reset/i.test(x.subject));
    if (m) link = (await api('GET', '/mail/' + m.id)).json.text.match(/https?:\/\/\S+\/reset-password\/\S+/)[0];
    else await new Promise((r) => setTimeout(r, 100));
  }
  assert.ok(link, 'reset mail');
  await page.goto(link);
  await page.getByRole('heading', { name: 'Choose a new password' }).waitFor();
  await page.getByLabel('New password', { exact: true }).fill('heron-quartz-lantern-walk');
  await page.getByLabel('Repeat the new password').fill('heron-quartz-lantern-walk');
  await page.getByRole('button', { name: 'Set password' }).click();
  await page.getByRole('status').filter({ hasText: 'Your password has been changed' }).waitFor();
  await signIn(page, app.server.url, 'auditor@northgate.example', 'heron-quartz-lantern-walk');
  await page.close();
});

test('losing the right to save mid-edit disables Update within a second, with the reason', async () => {
  const page = await app.browser.newPage();
  await signIn(page, app.server.url, 'cardiology.admin@northgate.example');
  await page.getByRole('table', { name: 'Users' }).locator('tbody tr').first().getByRole('link').click();
  await page.getByRole('heading', { level: 1 }).waitFor();
  await page.getByLabel('Job title').fill('Edited while rights go');
  const update = page.getByRole('button', { name: 'Update' });
  assert.equal(await update.isEnabled(), true);

  // Elsewhere, the Super admin removes this admin's role.
  const api = await apiAs(app.server.url, ADMIN);
  const me = (await api('GET', '/users?q=cardiology.admin')).json.items[0];
  const cur = await api('GET', '/users/' + me.id);
  const r = await api('PATCH', '/users/' + me.id, { adminRoles: [] }, { 'If-Match': cur.etag });
  assert.equal(r.status, 200, JSON.stringify(r.json));

  const t0 = Date.now();
  await page.waitForFunction(() => {
    const b = [...document.querySelectorAll('button')].find((x) => x.textContent.includes('Update'));
    return b && b.disabled;
  }, null, { timeout: 3000, polling: 50 });
  const took = Date.now() - t0;
  assert.ok(took < 1500, `took ${took} ms`);
  const wrap = page.locator('.save-wrap');
  assert.ok((await wrap.getAttribute('title')).length > 0);
  await screenshot(page, 'rights-lost');
  await page.close();
});
