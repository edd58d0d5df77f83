// Issue 20: a console for a working day. Each test clicks through like a person.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PASSWORD, apiAs, screenshot, signIn, useApp, notice } from './harness.mjs';

const app = useApp();

/** openFirstUser opens the first user of the list and returns their name. */
async function openFirstUser(page) {
  const link = page.getByRole('table', { name: 'Users' }).locator('tbody tr').first().getByRole('link');
  const name = (await link.textContent()).trim();
  await link.click();
  await page.getByRole('heading', { level: 1, name }).waitFor();
  return name;
}

test('unsaved edits: leaving in the console asks with the app dialog, closing the tab asks the browser', async () => {
  const page = await app.browser.newPage();
  const native = [];
  page.on('dialog', (d) => {
    native.push(d.type());
    void d.dismiss();
  });
  await signIn(page, app.server.url);
  await openFirstUser(page);
  const url = page.url();
  await page.getByLabel('Mobile').fill('07700 900555');
  await page.getByText('1 unsaved change: Mobile').waitFor();

  // The sidebar asks first; staying keeps the page and the typed value.
  const nav = page.getByRole('navigation', { name: 'Main' });
  await nav.getByRole('link', { name: 'Users' }).click();
  const ask = page.getByRole('alertdialog', { name: 'Leave without saving?' });
  await ask.waitFor();
  assert.match(await ask.textContent(), /Mobile/);
  await screenshot(page, 'unsaved-guard');
  await ask.getByRole('button', { name: 'Stay on this page' }).click();
  await ask.waitFor({ state: 'detached' });
  assert.equal(page.url(), url);
  assert.equal(await page.getByLabel('Mobile').inputValue(), '07700 900555');

  // Back asks too.
  await page.goBack();
  await ask.waitFor();
  await ask.getByRole('button', { name: 'Stay on this page' }).click();
  assert.equal(page.url(), url);
  assert.equal(await page.getByLabel('Mobile').inputValue(), '07700 900555');

  // Reloading or closing the tab: the browser's own prompt (beforeunload).
  await page.reload({ timeout: 3000 }).catch(() => {});
  assert.deepEqual(native, ['beforeunload']);
  assert.equal(await page.getByLabel('Mobile').inputValue(), '07700 900555');

  // Leaving without saving goes.
  await nav.getByRole('link', { name: 'Users' }).click();
  await ask.getByRole('button', { name: 'Leave without saving' }).click();
  await page.getByRole('heading', { level: 1, name: 'Users' }).waitFor();
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('Configuration: a half-edited role asks before another role, another tab or sign out', async () => {
  const page = await app.browser.newPage();
  await signIn(page, app.server.url);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Configuration' }).click();
  await page.getByRole('tab', { name: 'Roles' }).click();
  await page.getByRole('button', { name: 'Helpdesk', exact: true }).click();
  await page.getByLabel('Description').fill('Changed but not saved');
  const ask = page.getByRole('alertdialog', { name: 'Leave without saving?' });
  await page.getByRole('button', { name: 'User administrator', exact: true }).click();
  await ask.waitFor();
  await ask.getByRole('button', { name: 'Stay on this page' }).click();
  assert.equal(await page.getByLabel('Description').inputValue(), 'Changed but not saved');
  await page.getByRole('tab', { name: 'Reference lists' }).click();
  await ask.waitFor();
  await ask.getByRole('button', { name: 'Stay on this page' }).click();
  await page.getByRole('button', { name: 'Sign out' }).click();
  await ask.waitFor();
  await ask.getByRole('button', { name: 'Stay on this page' }).click();
  assert.equal(await page.getByLabel('Description').inputValue(), 'Changed but not saved');
  await page.close();
});

test('every confirmation is the app dialog, never the browser confirm()', async () => {
  const page = await app.browser.newPage();
  const native = [];
  page.on('dialog', (d) => {
    native.push(d.type() + ': ' + d.message());
    void d.dismiss();
  });
  await signIn(page, app.server.url);
  const name = await openFirstUser(page);
  await page.getByRole('button', { name: 'Delete user' }).click();
  const dlg = page.getByRole('alertdialog', { name: 'Delete user' });
  await dlg.waitFor();
  assert.match(await dlg.textContent(), new RegExp('Delete ' + name));
  await screenshot(page, 'confirm-delete');
  // Escape cancels, and nothing is deleted.
  await page.keyboard.press('Escape');
  await dlg.waitFor({ state: 'detached' });
  await page.getByRole('heading', { level: 1, name }).waitFor();
  await page.getByRole('button', { name: 'Mark as leaver' }).click();
  await page.getByRole('alertdialog', { name: 'Mark as leaver' }).getByRole('button', { name: 'Cancel' }).click();

  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Configuration' }).click();
  await page.getByRole('tree', { name: 'Unit tree' }).getByRole('button', { name: 'Radiology', exact: true }).click();
  await page.getByRole('button', { name: 'Delete unit' }).click();
  await page.getByRole('alertdialog', { name: 'Delete unit' }).getByRole('button', { name: 'Cancel' }).click();
  await page.getByRole('tab', { name: 'Roles' }).click();
  await page.getByRole('button', { name: 'Helpdesk', exact: true }).click();
  await page.getByRole('button', { name: 'Delete role' }).click();
  await page.getByRole('alertdialog', { name: 'Delete role' }).getByRole('button', { name: 'Cancel' }).click();
  assert.deepEqual(native, []);
  await page.close();
});

test('Users fits 1280×800: no sideways scroll, the ⋯ menu in view, columns chosen and remembered, usernames readable', async () => {
  const page = await app.browser.newPage();
  await signIn(page, app.server.url);
  const table = page.getByRole('table', { name: 'Users' });
  await table.locator('tbody tr').nth(5).waitFor();
  const noSideways = () => page.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth);
  assert.equal(await noSideways(), true, 'the page scrolls sideways');
  const wrap = await page.evaluate(() => { const w = document.querySelector('.table-wrap'); return [w.scrollWidth, w.clientWidth]; });
  assert.ok(wrap[0] <= wrap[1], `the table scrolls inside its panel: ${wrap}`);
  // Last login and the ⋯ menu are on screen.
  await table.getByRole('columnheader', { name: 'Last login' }).waitFor();
  const more = table.locator('tbody tr').first().getByRole('button', { name: /^Actions for / });
  const box = await more.boundingBox();
  assert.ok(box && box.x + box.width <= 1280, 'the ⋯ button is off screen');
  await screenshot(page, 'users-1280');

  // The menu: keyboard opens it on its first item; Escape closes it and gives focus back.
  await more.focus();
  await page.keyboard.press('Enter');
  await page.getByRole('menuitem', { name: 'Edit' }).waitFor();
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('role')), 'menuitem');
  await page.keyboard.press('Escape');
  assert.equal(await page.getByRole('menu').count(), 0);
  assert.match(await page.evaluate(() => document.activeElement?.getAttribute('aria-label') ?? ''), /^Actions for /);

  // A long username is cut in the list, and shows whole on hover and on focus.
  const cell = table.locator('tbody tr').first().locator('td.user .clip');
  const fits = () => cell.evaluate((e) => e.scrollWidth <= e.clientWidth + 1 && e.getBoundingClientRect().right <= e.closest('td').getBoundingClientRect().right + 1);
  await table.locator('tbody tr').first().getByRole('link').focus();
  assert.equal(await fits(), true, 'the username is cut while its row has focus');
  await table.locator('tbody tr').first().hover();
  assert.equal(await fits(), true, 'the username is cut on hover');

  // The column chooser: hide Local ID, and the choice survives a reload.
  await page.getByRole('button', { name: 'Columns' }).click();
  await page.getByRole('group', { name: 'Columns to show' }).getByLabel('Local ID').uncheck();
  assert.equal(await table.getByRole('columnheader', { name: 'Local ID' }).count(), 0);
  await page.keyboard.press('Escape');
  await page.reload();
  await table.locator('tbody tr').nth(5).waitFor();
  assert.equal(await table.getByRole('columnheader', { name: 'Local ID' }).count(), 0);
  await table.getByRole('columnheader', { name: 'Username' }).waitFor();
  await page.getByRole('button', { name: 'Columns' }).click();
  await page.getByRole('group', { name: 'Columns to show' }).getByLabel('Local ID').check();
  await table.getByRole('columnheader', { name: 'Local ID' }).waitFor();
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('each persona lands on a page they can use; lost rights keep typed values in Configuration and clear the audit log', async () => {
  const page = await app.browser.newPage();
  // The Config admin lands on Configuration (not an empty Users page outside their sidebar).
  await signIn(page, app.server.url, 'config.admin@northgate.example');
  await page.getByRole('heading', { level: 1, name: 'Configuration' }).waitFor();
  assert.equal(await page.getByRole('heading', { level: 1, name: 'Users' }).count(), 0);
  const current = page.getByRole('navigation', { name: 'Main' }).locator('[aria-current=page]');
  assert.equal((await current.textContent()).trim(), 'Configuration');
  // /users itself says what is missing and who can grant it.
  await page.goto(app.server.url + '/users');
  await page.getByRole('heading', { level: 1, name: 'You cannot see Users' }).waitFor();
  await page.getByText(/A Super admin can grant them/).waitFor();

  // Mid-edit, the Super admin takes the Role manager role away: the form keeps what was typed,
  // Save turns disabled and says why.
  await page.goto(app.server.url + '/configuration');
  await page.getByRole('tab', { name: 'Roles' }).click();
  await page.getByRole('button', { name: 'Helpdesk', exact: true }).click();
  await page.getByLabel('Description').fill('Typed before the right went');
  const su = await apiAs(app.server.url, 'admin@userdesk.local');
  const me = (await su('GET', '/users?q=config.admin')).json.items[0];
  const cur = await su('GET', '/users/' + me.id);
  const r = await su('PATCH', '/users/' + me.id, { roleIds: ['role-dir-config'] }, { 'If-Match': cur.etag });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  const save = page.getByRole('button', { name: 'Save role' });
  await page.waitForFunction(() => [...document.querySelectorAll('button')].some((b) => b.textContent.includes('Save role') && b.disabled), null, { timeout: 3000 });
  assert.equal(await page.getByLabel('Description').inputValue(), 'Typed before the right went');
  assert.match(await page.locator('#' + (await save.getAttribute('aria-describedby'))).textContent(), /You no longer have the right to change roles/);
  await screenshot(page, 'config-right-lost');
  // The Units tab is still there, and leaving asks about the typed value.
  await page.getByRole('tab', { name: 'Units and organisation settings' }).click();
  await page.getByRole('alertdialog', { name: 'Leave without saving?' }).getByRole('button', { name: 'Leave without saving' }).click();
  await page.getByRole('tree', { name: 'Unit tree' }).waitFor();

  // An auditor's loaded audit records go when the audit right goes.
  await signIn(page, app.server.url, 'auditor@northgate.example');
  await page.getByRole('heading', { level: 1, name: 'Users' }).waitFor();
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Audit' }).click();
  const rows = page.getByRole('table', { name: 'Audit log' }).locator('tbody tr');
  await rows.first().waitFor();
  const aud = (await su('GET', '/users?q=auditor@northgate')).json.items[0];
  const a = await su('GET', '/users/' + aud.id);
  assert.equal((await su('PATCH', '/users/' + aud.id, { adminRoles: [] }, { 'If-Match': a.etag })).status, 200);
  await page.getByRole('heading', { level: 1, name: 'You cannot see Audit' }).waitFor();
  assert.equal(await page.getByRole('table', { name: 'Audit log' }).count(), 0);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('feedback: an error summary that takes focus and links to each field; notifications never cover Update', async () => {
  const page = await app.browser.newPage();
  await signIn(page, app.server.url);
  await openFirstUser(page);
  await page.getByLabel('First name').fill('');
  await page.getByLabel('Mobile').fill('not a phone number!');
  await page.getByRole('button', { name: 'Update' }).click();
  const summary = page.getByRole('alert').filter({ has: page.getByRole('heading', { name: 'There is a problem' }) });
  await summary.waitFor();
  assert.equal(await summary.evaluate((e) => e === document.activeElement), true, 'focus is on the error summary');
  await screenshot(page, 'error-summary');
  await summary.getByRole('link', { name: /^First name: First name is required/ }).click();
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'f-firstName');
  await summary.getByRole('link', { name: /^Mobile: / }).click();
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'f-mobile');
  // No notification repeats the summary.
  assert.equal(await page.locator('.toast').count(), 0);

  // A notification does not sit on the Update button.
  await page.getByRole('button', { name: 'Discard' }).click();
  await page.getByLabel('Job title').fill('First');
  await page.getByRole('button', { name: 'Update' }).click();
  await notice(page, 'Changes saved');
  await page.getByLabel('Job title').fill('Second');
  const update = page.getByRole('button', { name: 'Update' });
  const covered = await update.evaluate((b) => {
    const r = b.getBoundingClientRect();
    const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
    return !(hit === b || b.contains(hit));
  });
  assert.equal(covered, false, 'the notification covers Update');
  await update.click({ timeout: 2000 });
  await notice(page, 'Changes saved');
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('New user: field errors (not a 403) without a unit, account type, and the activation email now', async () => {
  const page = await app.browser.newPage();
  await signIn(page, app.server.url, 'cardiology.admin@northgate.example');
  await page.getByRole('button', { name: 'New user' }).click();
  const dlg = page.getByRole('dialog', { name: 'New user' });
  await dlg.getByLabel('First name').fill('Nia');
  await dlg.getByLabel('Last name').fill('Powell');
  await dlg.getByLabel('Username').fill('nia.powell@northgate.example');
  await dlg.getByRole('button', { name: 'Create account' }).click();
  const summary = dlg.getByRole('alert').filter({ hasText: 'There is a problem' });
  await summary.waitFor();
  assert.match(await summary.textContent(), /Home OU: Choose the organisational unit the account lives in\./);
  assert.doesNotMatch(await summary.textContent(), /can't change/);
  assert.equal(await summary.evaluate((e) => e === document.activeElement), true);
  await screenshot(page, 'new-user-errors');
  await summary.getByRole('link', { name: /^Home OU/ }).click();
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'nu-unit');
  await dlg.getByLabel('Home OU').selectOption('ou-cardio-opd');
  await dlg.getByLabel('Account type').selectOption({ label: 'External' });
  assert.equal(await dlg.getByLabel('Account type').locator('option[value=super_admin]').count(), 0);
  await dlg.getByLabel('Send activation email now').check();
  await dlg.getByRole('button', { name: 'Create account' }).click();
  await page.getByRole('heading', { level: 1, name: 'Nia Powell' }).waitFor();
  const status = page.getByRole('region', { name: 'Status' });
  await status.locator('.badge', { hasText: 'Pending' }).waitFor();
  assert.match(await page.locator('.sub').textContent(), /External/);
  await page.close();
});

test('Config admin roles: a live "n of 25" counter, boxes disabled at the limit with the reason, natural order, plural counts', async () => {
  const su = await apiAs(app.server.url, 'admin@userdesk.local');
  const ids = [];
  for (let i = 1; i <= 24; i++) {
    const r = await su('POST', '/roles', { name: `Rota ${i}`, kind: 'config', description: '', permissions: [] });
    assert.equal(r.status, 201, JSON.stringify(r.json));
    ids.push(r.json.id);
  }
  const u = await su('POST', '/users', { username: 'many.roles@northgate.example', firstName: 'Mani', lastName: 'Rolau', unitId: 'ou-it',
    accountType: 'config_admin', roleIds: ids.slice(0, 23) });
  assert.equal(u.status, 201, JSON.stringify(u.json));

  const page = await app.browser.newPage();
  await signIn(page, app.server.url);
  await page.goto(app.server.url + '/users/' + u.json.id);
  await page.getByRole('heading', { level: 1, name: 'Mani Rolau' }).waitFor();
  const roles = page.locator('#f-roleIds');
  await roles.getByText('23 of 25 roles').waitFor();
  const names = (await roles.locator('label.check').allTextContents()).map((s) => s.trim()).filter((s) => s.startsWith('Rota'));
  assert.deepEqual(names.slice(0, 11), ['Rota 1', 'Rota 2', 'Rota 3', 'Rota 4', 'Rota 5', 'Rota 6', 'Rota 7', 'Rota 8', 'Rota 9', 'Rota 10', 'Rota 11']);
  await roles.getByLabel('Rota 24').check();
  await roles.getByText('24 of 25 roles').waitFor();
  await roles.getByLabel('Audit reader').check();
  await roles.getByText('25 of 25 roles').waitFor();
  const box = roles.getByLabel('Directory configuration');
  assert.equal(await box.isDisabled(), true);
  assert.match(await page.locator('#' + (await box.getAttribute('aria-describedby'))).textContent(), /An account can hold at most 25 roles: remove one first\./);
  await screenshot(page, 'roles-counter');
  await roles.getByLabel('Rota 1', { exact: true }).uncheck();
  await roles.getByText('24 of 25 roles').waitFor();
  assert.equal(await box.isDisabled(), false);

  // The roles list says "1 permission", and the leave guard lets us go.
  await page.getByRole('button', { name: 'Discard' }).click();
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Configuration' }).click();
  await page.getByRole('tab', { name: 'Roles' }).click();
  await page.getByText('1 permission', { exact: true }).waitFor();
  assert.equal(await page.getByText('1 permissions').count(), 0);
  await page.close();
});

test('Audit speaks names like History, filters by dates, exports CSV, and fits 1024 px', async () => {
  const su = await apiAs(app.server.url, 'admin@userdesk.local');
  const list = await su('GET', '/users?unit=ou-cath-lab&limit=1');
  const who = list.json.items[0];
  const cur = await su('GET', '/users/' + who.id);
  const r = await su('PATCH', '/users/' + who.id, { unitId: 'ou-cardio-opd', adminRoles: [{ roleId: 'role-helpdesk', unitId: 'ou-cardiology' }] }, { 'If-Match': cur.etag });
  assert.equal(r.status, 200, JSON.stringify(r.json));

  const page = await app.browser.newPage();
  await signIn(page, app.server.url);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Audit' }).click();
  await page.getByLabel('Account', { exact: true }).fill(who.username);
  await page.getByRole('button', { name: 'Apply filters' }).click();
  const table = page.getByRole('table', { name: 'Audit log' });
  const row = table.locator('tbody tr').filter({ hasText: 'Updated user' }).first();
  await row.waitFor();
  const text = await row.textContent();
  assert.match(text, /Home OU: .*Cardiac Catheter Lab.*Cardiology Outpatients/);
  assert.match(text, /Admin roles: .*Helpdesk \(Northgate Teaching Hospitals NHS Trust › Clinical Divisions › Medicine › Cardiology\)/);
  assert.doesNotMatch(text, /ou-cath-lab|ou-cardio-opd|roleId|user\.update|\[\{/);
  await screenshot(page, 'audit-names');

  // The user's History panel says the same.
  await row.getByRole('link').click();
  const history = page.getByRole('region', { name: 'History' });
  await history.getByText('Updated user').first().waitFor();
  assert.match(await history.textContent(), /Home OU: .*Cardiac Catheter Lab → .*Cardiology Outpatients/);
  await page.goBack();

  // Date range: up to yesterday leaves today's change out.
  await page.getByLabel('Account', { exact: true }).fill(who.username);
  const yesterday = new Date(Date.now() - 86400000).toISOString().slice(0, 10);
  await page.getByLabel('To', { exact: true }).fill(yesterday);
  await page.getByRole('button', { name: 'Apply filters' }).click();
  await page.waitForFunction(() => ![...document.querySelectorAll('tbody tr')].some((r) => r.textContent.includes('Updated user')));
  await page.getByLabel('To', { exact: true }).fill('');
  await page.getByRole('button', { name: 'Apply filters' }).click();
  await row.waitFor();

  // Export downloads the same records as CSV.
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Export' }).click()]);
  assert.equal(download.suggestedFilename(), 'audit.csv');
  const csv = await (await import('node:fs/promises')).readFile(await download.path(), 'utf8');
  assert.match(csv, /^Time \(UTC\),Changed by,Source,Action,Target,Field,Before,After/);
  assert.match(csv, /Updated user,.*Home OU,.*Cardiac Catheter Lab,.*Cardiology Outpatients/);

  // 1024 px: the table stays in its panel and the page does not scroll sideways.
  await page.setViewportSize({ width: 1024, height: 800 });
  await page.waitForTimeout(200);
  assert.equal(await page.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth), true, 'page scrolls sideways at 1024');
  const panel = await page.evaluate(() => { const w = document.querySelector('.table-wrap'); return [w.scrollWidth, w.clientWidth]; });
  assert.ok(panel[0] <= panel[1], `the audit table spills out of its panel at 1024: ${panel}`);
  await screenshot(page, 'audit-1024');
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('seed 001: My Account from the name, the 1-time completion reason, the stage indicator', async () => {
  const su = await apiAs(app.server.url, 'admin@userdesk.local');
  const u = await su('POST', '/users', { username: 'stage.one@northgate.example', firstName: 'Stage', lastName: 'One', unitId: 'ou-it' });
  assert.equal(u.status, 201);
  const page = await app.browser.newPage();
  await signIn(page, app.server.url);
  const me = page.getByRole('button', { name: /Super Admin/ });
  await me.click();
  const menu = page.getByRole('menu', { name: 'Your account' });
  await menu.getByRole('menuitem', { name: 'My Account' }).waitFor();
  assert.equal(await page.evaluate(() => document.activeElement?.textContent?.trim()), 'My Account');
  await page.keyboard.press('ArrowDown');
  assert.equal(await page.evaluate(() => document.activeElement?.textContent?.trim()), 'Sign out');
  await page.keyboard.press('Escape');
  assert.equal(await menu.count(), 0);
  await me.click();
  await screenshot(page, 'account-menu');
  await menu.getByRole('menuitem', { name: 'My Account' }).click();
  await page.getByRole('heading', { level: 1, name: 'My Account' }).waitFor();

  await page.goto(app.server.url + '/users/' + u.json.id);
  await page.getByRole('heading', { level: 1, name: 'Stage One' }).waitFor();
  const status = page.getByRole('region', { name: 'Status' });
  await status.getByText('Stage 1 of 2: the activation email has not been sent yet.').waitFor();
  assert.equal(await page.getByLabel('Account type').locator('option[value=one_time]').isDisabled(), true);
  await page.getByText('1-time completion is greyed out: an account can be changed from 1-time completion, never to it.').waitFor();
  await status.getByRole('button', { name: 'Send activation email' }).click();
  await status.getByText('Stage 2 of 2').waitFor();
  await page.close();
});

test('seed 004: the primary organisation select offers what the API accepts; SSO only where the organisation has it, warned when picked', async () => {
  const su = await apiAs(app.server.url, 'admin@userdesk.local');
  const both = ['org-northgate', 'org-riverside'];
  const sso = await su('POST', '/users', { username: 'sso.mover@northgate.example', firstName: 'Sian', lastName: 'Mover', unitId: 'ou-it',
    orgIds: both, isExternal: true, identityProvider: 'Northgate Entra ID', authUrl: 'https://login.northgate.example/saml' });
  assert.equal(sso.status, 201, JSON.stringify(sso.json));
  const local = await su('POST', '/users', { username: 'river.local@riverside.example', firstName: 'Rhian', lastName: 'Local', unitId: 'ou-rv-admin' });
  assert.equal(local.status, 201, JSON.stringify(local.json));
  // (An organisation admin in two organisations: see TestPrimaryOrganisationRule in app/api.)
  const page = await app.browser.newPage();
  await signIn(page, app.server.url);

  // The Super admin (assigned to no organisation) may pick any organisation; picking one
  // without SSO warns at once, before Update.
  await page.goto(app.server.url + '/users/' + sso.json.id);
  await page.getByRole('heading', { level: 1, name: 'Sian Mover' }).waitFor();
  const primary = page.getByLabel('Primary organisation');
  const options = (await primary.locator('option').allTextContents()).map((s) => s.trim());
  assert.ok(options.includes('Riverside Community Health Partnership') && options.includes('Northgate Teaching Hospitals NHS Trust'), String(options));
  await primary.selectOption({ label: 'Riverside Community Health Partnership' });
  await page.getByRole('alert').filter({ hasText: 'Riverside Community Health Partnership has no single sign-on, so “Is external (SSO) user” will be unchecked' }).waitFor();
  await screenshot(page, 'sso-warning');
  await page.getByRole('button', { name: 'Update' }).click();
  await page.getByRole('alertdialog', { name: 'Single sign-on will be switched off' }).getByRole('button', { name: 'Save anyway' }).click();
  await notice(page, 'Changes saved');
  assert.equal(await page.getByLabel('Is external (SSO) user').isChecked(), false);

  // In an organisation without SSO, "Is external" cannot be ticked, and says why.
  await page.goto(app.server.url + '/users/' + local.json.id);
  await page.getByRole('heading', { level: 1, name: 'Rhian Local' }).waitFor();
  const ext = page.getByLabel('Is external (SSO) user');
  assert.equal(await ext.isDisabled(), true);
  assert.match(await page.locator('#' + (await ext.getAttribute('aria-describedby'))).textContent(), /has no single sign-on configured/);
  await page.close();
});

test('Welsh on the sign-in page (remembered), per-page titles, a skip link, arrow keys and Escape in the OU tree', async () => {
  const page = await app.browser.newPage();
  await page.context().clearCookies();
  await page.goto(app.server.url + '/');
  await page.getByRole('navigation', { name: 'Language' }).getByRole('button', { name: 'Cymraeg' }).click();
  await page.getByRole('button', { name: 'Mewngofnodi' }).waitFor();
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'cy');
  assert.equal(await page.title(), 'Mewngofnodi – Userdesk');
  await screenshot(page, 'sign-in-cy');
  await page.reload();
  await page.getByRole('button', { name: 'Mewngofnodi' }).waitFor();
  await page.getByRole('navigation', { name: 'Iaith' }).getByRole('button', { name: 'English' }).click();
  await page.getByRole('button', { name: 'Sign in' }).waitFor();

  await signIn(page, app.server.url);
  assert.equal(await page.title(), 'Users – Userdesk');
  // The skip link is the first thing Tab reaches and takes focus to the page.
  await page.keyboard.press('Tab');
  const skip = page.getByRole('link', { name: 'Skip to main content' });
  assert.equal(await skip.evaluate((e) => e === document.activeElement), true);
  await page.keyboard.press('Enter');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'main-content');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Audit' }).click();
  await page.getByRole('heading', { level: 1, name: 'Audit' }).waitFor();
  assert.equal(await page.title(), 'Audit – Userdesk');

  // The Home OU tree: keys move, open and close; Escape gives focus back to the field.
  await page.goto(app.server.url + '/users');
  await page.getByRole('table', { name: 'Users' }).locator('tbody tr').first().getByRole('link').click();
  await page.getByRole('heading', { level: 1 }).waitFor();
  assert.equal(await page.title(), 'User details – Userdesk');
  const picker = page.getByRole('button', { name: /^Home OU:/ });
  await picker.click();
  const tree = page.getByRole('tree', { name: 'Home OU' });
  await tree.waitFor();
  const focused = () => page.evaluate(() => document.activeElement?.textContent?.trim());
  const start = await focused();
  await page.keyboard.press('Home');
  assert.equal(await focused(), 'Northgate Teaching Hospitals NHS Trust');
  await page.keyboard.press('ArrowDown');
  const second = await focused();
  assert.notEqual(second, 'Northgate Teaching Hospitals NHS Trust');
  await page.keyboard.press('ArrowUp');
  assert.equal(await focused(), 'Northgate Teaching Hospitals NHS Trust');
  await page.keyboard.press('ArrowLeft'); // close the organisation
  assert.equal(await tree.getByRole('treeitem').count(), 1);
  await page.keyboard.press('ArrowRight'); // open it again
  assert.ok((await tree.getByRole('treeitem').count()) > 1);
  await page.keyboard.press('Escape');
  assert.equal(await tree.count(), 0);
  assert.equal(await picker.evaluate((e) => e === document.activeElement), true);
  assert.ok(start);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('Welsh: server reasons and field errors in Welsh, with their names; Welsh plurals and dates', async () => {
  const card = await apiAs(app.server.url, 'cardiology.admin@northgate.example');
  const me = await card('GET', '/me');
  assert.equal((await card('PATCH', '/me', { language: 'cy' }, { 'If-Match': me.etag })).status, 200);
  const page = await app.browser.newPage();
  await page.context().clearCookies();
  await page.goto(app.server.url + '/');
  await page.getByLabel('Username').fill('cardiology.admin@northgate.example');
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { level: 1, name: 'Defnyddwyr' }).waitFor();
  await page.locator('.count').filter({ hasText: /^\d+ (defnyddiwr|ddefnyddiwr)$/ }).waitFor();
  await page.getByRole('table', { name: 'Defnyddwyr' }).locator('tbody tr').first().getByRole('link').click();
  await page.getByRole('heading', { level: 1 }).waitFor();
  // A reason computed by the server (rule 10), in Welsh.
  const df = page.getByLabel('Fformat dyddiad');
  assert.equal(await df.isDisabled(), true);
  assert.match(await page.locator('#' + (await df.getAttribute('aria-describedby'))).textContent(), /Ni ellir newid fformatau dyddiad ac amser yn y sefydliad hwn\./);
  assert.match(await page.getByRole('region', { name: 'Statws' }).textContent(), /(Ion|Chwef|Maw|Ebr|Mai|Meh|Gorff|Awst|Medi|Hyd|Tach|Rhag) 20\d\d/);
  await screenshot(page, 'user-details-cy-reasons');
  // The rights panel: a missing permission's reason and what gives the others, written in
  // Welsh from their codes, with the permission's Welsh name and the role's and unit's own names.
  await page.getByText('Pam? Eich hawliau dros y cyfrif hwn').click();
  const missing = page.locator('td').filter({ hasText: /^Nid oes rôl sy’n rhoi Dileu defnyddwyr dros [^.]+\.$/ });
  await missing.waitFor();
  await page.locator('td').filter({ hasText: /^Wedi’i roi gan rôl weinyddol User administrator a roddwyd ar Cardiology$/ }).first().waitFor();
  await missing.scrollIntoViewIfNeeded();
  await screenshot(page, 'user-details-cy-rights');
  // Field errors from the server, in Welsh.
  await page.goto(app.server.url + '/users');
  await page.getByRole('button', { name: 'Defnyddiwr newydd' }).click();
  await page.getByRole('button', { name: 'Creu cyfrif' }).click();
  const summary = page.getByRole('alert').filter({ hasText: 'Mae problem' });
  await summary.waitFor();
  assert.match(await summary.textContent(), /Mae angen enw defnyddiwr\./);
  assert.match(await summary.textContent(), /Mae angen enw cyntaf\./);
  assert.match(await summary.textContent(), /Dewiswch yr uned sefydliadol y mae’r cyfrif yn perthyn iddi\./);
  // An import row's problem, computed by the server, in Welsh with the column's own (English)
  // name and the server's number, and the row's action in Welsh.
  const local = (await card('GET', '/users?limit=1')).json.items[0].localId;
  await page.keyboard.press('Escape'); // the New user dialog
  await page.getByRole('link', { name: 'Mewnforion', exact: true }).click();
  await page.getByLabel('Dewis ffeil CSV neu Excel').setInputFiles({ name: 'cy.csv', mimeType: 'text/csv', buffer: Buffer.from(`Local ID,Mailbox Size MB\n${local},999999999\n`) });
  await page.getByRole('region', { name: 'Adroddiad mewnforio' }).getByRole('heading', { name: 'cy.csv' }).waitFor();
  await page.getByRole('cell').filter({ hasText: /Mailbox Size MB: Rhaid i faint y blwch post fod rhwng 0 a \d+ MB\./ }).waitFor();
  await page.getByRole('cell').getByText('gwall', { exact: true }).waitFor();
  await screenshot(page, 'import-report-cy');
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('seed 004: an organisation admin in two organisations is offered both, and only both, as primary organisation', async () => {
  const su = await apiAs(app.server.url, 'admin@userdesk.local');
  const both = ['org-riverside', 'org-northgate'];
  // The Riverside admin is made Organisation admin of Northgate too, and assigned to both.
  const found = await su('GET', '/users?q=riverside.admin%40riverside.example&limit=1');
  const boss = await su('GET', '/users/' + found.json.items[0].id);
  const grants = [...boss.json.adminRoles, { roleId: 'role-org-admin', unitId: 'org-northgate' }];
  const made = await su('PATCH', '/users/' + boss.json.id, { orgIds: both, adminRoles: grants }, { 'If-Match': boss.etag });
  assert.equal(made.status, 200, JSON.stringify(made.json));
  const two = await su('POST', '/users', { username: 'two.orgs@riverside.example', firstName: 'Dewi', lastName: 'Twofold', unitId: 'ou-rv-admin', orgIds: both });
  assert.equal(two.status, 201, JSON.stringify(two.json));
  const one = await su('POST', '/users', { username: 'one.org@riverside.example', firstName: 'Elin', lastName: 'Single', unitId: 'ou-rv-admin', orgIds: ['org-riverside'] });
  assert.equal(one.status, 201, JSON.stringify(one.json));

  const page = await app.browser.newPage();
  await signIn(page, app.server.url, 'riverside.admin@riverside.example');
  // Both the admin and the user are in both organisations: either may be primary.
  await page.goto(app.server.url + '/users/' + two.json.id);
  await page.getByRole('heading', { level: 1, name: 'Dewi Twofold' }).waitFor();
  const primary = page.getByLabel('Primary organisation');
  const options = (await primary.locator('option').allTextContents()).map((s) => s.trim()).sort();
  assert.deepEqual(options, ['Northgate Teaching Hospitals NHS Trust', 'Riverside Community Health Partnership']);
  await primary.selectOption({ label: 'Northgate Teaching Hospitals NHS Trust' });
  await page.getByRole('button', { name: 'Update' }).click();
  await notice(page, 'Changes saved');
  // The lasting state: the store has it, and the page shows it after a reload.
  assert.equal((await su('GET', '/users/' + two.json.id)).json.primaryOrgId, 'org-northgate');
  await page.reload();
  await page.getByRole('heading', { level: 1, name: 'Dewi Twofold' }).waitFor();
  assert.equal(await page.getByLabel('Primary organisation').locator('option:checked').textContent(), 'Northgate Teaching Hospitals NHS Trust');

  // A user assigned to Riverside alone: nothing else is offered (the API would refuse it).
  await page.goto(app.server.url + '/users/' + one.json.id);
  await page.getByRole('heading', { level: 1, name: 'Elin Single' }).waitFor();
  const only = (await page.getByLabel('Primary organisation').locator('option').allTextContents()).map((s) => s.trim());
  assert.deepEqual(only, ['Riverside Community Health Partnership']);
  const refused = await apiAs(app.server.url, 'riverside.admin@riverside.example').then(async (boss2) => {
    const cur = await boss2('GET', '/users/' + one.json.id);
    return boss2('PATCH', '/users/' + one.json.id, { primaryOrgId: 'org-northgate' }, { 'If-Match': cur.etag });
  });
  assert.equal(refused.status >= 400, true, 'the API refuses what the select does not offer: ' + refused.status);
  await screenshot(page, 'primary-org-two-orgs');
  await page.close();
});
