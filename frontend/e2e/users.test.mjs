import assert from 'node:assert/strict';
import { test } from 'node:test';
import { apiAs as apiAsAt, screenshot, signIn, useApp, notice } from './harness.mjs';

const app = useApp();
const apiAs = (username) => apiAsAt(app.server.url, username);

test('search, open, edit fields, admin roles and home OU, with notifications and history', async () => {
  const page = await app.browser.newPage();
  await signIn(page, app.server.url);
  // Search answers as you type, and filters combine with it.
  await page.getByLabel('Search').fill('NG1002');
  const rows = page.getByRole('table', { name: 'Users' }).locator('tbody tr');
  await page.waitForFunction(() => document.querySelectorAll('tbody tr').length > 0 && [...document.querySelectorAll('tbody tr')].every((r) => r.textContent.includes('NG1002')));
  assert.ok((await rows.count()) >= 1);

  // Open a user by double-clicking the row.
  const first = rows.first();
  const name = (await first.getByRole('link').textContent()).trim();
  await first.dblclick();
  await page.getByRole('heading', { level: 1, name }).waitFor();
  await screenshot(page, 'user-details');

  // Change fields and save.
  await page.getByLabel('Job title').fill('Lead Pharmacist');
  await page.getByLabel('Mobile').fill('07700 900123');
  await page.getByRole('button', { name: 'Update' }).click();
  await notice(page, 'Changes saved');
  await page.getByRole('region', { name: 'History' }).getByText('Lead Pharmacist').waitFor();

  // Add an admin role over a unit, save, then remove it with the red cross.
  await page.getByLabel('Admin role', { exact: true }).selectOption({ label: 'Helpdesk' });
  await page.getByLabel('Scope unit').selectOption({ label: '\u00a0\u00a0\u00a0\u00a0\u00a0\u00a0Radiology' });
  await page.getByRole('button', { name: 'Add', exact: true }).click();
  const grants = page.getByRole('table', { name: 'Admin roles' });
  await grants.getByRole('cell', { name: 'Helpdesk', exact: true }).waitFor();
  await page.getByRole('button', { name: 'Update' }).click();
  await notice(page, 'Changes saved');
  await page.getByRole('button', { name: 'Remove Helpdesk over Radiology' }).click();
  assert.equal(await grants.getByRole('cell', { name: 'Helpdesk', exact: true }).count(), 0);
  await page.getByRole('button', { name: 'Update' }).click();
  await page.waitForFunction(() => document.querySelectorAll('[role=status]').length >= 1);

  // Move the home OU with the tree picker (inside the organisation only).
  const picker = page.getByRole('button', { name: /^Home OU:/ });
  const from = await picker.getAttribute('aria-label');
  const dest = from.includes('Estates and Facilities') ? 'Corporate Services' : 'Estates and Facilities';
  await picker.click();
  const tree = page.getByRole('tree', { name: 'Home OU' });
  await tree.getByRole('button', { name: dest, exact: true }).click();
  await page.getByRole('button', { name: 'Update' }).click();
  await page.getByText(new RegExp('Northgate Teaching Hospitals NHS Trust › ' + dest + '$')).first().waitFor();
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('a disabled field says why, and a scoped admin sees only their scope', async () => {
  const page = await app.browser.newPage();
  await signIn(page, app.server.url, 'cardiology.admin@northgate.example');
  // Only Cardiology users are listed.
  // The count says "Searching…" until the list has loaded: wait for the number.
  await page.locator('.count').filter({ hasText: /^\d+ users?$/ }).waitFor();
  const units = await page.getByRole('table', { name: 'Users' }).locator('tbody tr td:nth-child(7)').allTextContents();
  assert.ok(units.length > 0);
  for (const u of units) assert.ok(['Cardiology', 'Cardiac Catheter Lab', 'Cardiology Outpatients'].includes(u.trim()), u);
  await page.getByRole('table', { name: 'Users' }).locator('tbody tr').first().getByRole('link').click();
  await page.getByRole('heading', { level: 1 }).waitFor();
  // Northgate does not allow datetime format changes (SPEC §3 rule 10).
  const dateFormat = page.getByLabel('Date format');
  assert.equal(await dateFormat.isDisabled(), true);
  const why = await dateFormat.getAttribute('aria-describedby');
  assert.match(await page.locator('#' + why).textContent(), /Date and time formats can't be changed in this organisation/);
  await screenshot(page, 'user-details-scoped');
  await page.close();
});

test('a more powerful account: sign-in fields locked with the reason; seed 004: no Authentication URL without access to the primary organisation', async () => {
  const su = await apiAs('admin@userdesk.local');
  // A Cardiology user who is Organisation admin over the whole trust, and a Cardiology user
  // whose primary organisation is Riverside (which the Cardiology admin has no access to).
  const boss = await su('POST', '/users', { username: 'ward.boss@northgate.example', firstName: 'Wren', lastName: 'Boss',
    unitId: 'ou-cardiology', adminRoles: [{ roleId: 'role-org-admin', unitId: 'org-northgate' }] });
  assert.equal(boss.status, 201, JSON.stringify(boss.json));
  const sso = await su('POST', '/users', { username: 'river.sso@riverside.example', firstName: 'Rhys', lastName: 'Rivers',
    unitId: 'ou-cardiology', primaryOrgId: 'org-riverside', orgIds: ['org-riverside', 'org-northgate'],
    isExternal: true, identityProvider: 'Riverside IdP', authUrl: 'https://login.riverside.example/saml' });
  assert.equal(sso.status, 201, JSON.stringify(sso.json));

  const page = await app.browser.newPage();
  await signIn(page, app.server.url, 'cardiology.admin@northgate.example');
  await page.goto(app.server.url + '/users/' + boss.json.id);
  await page.getByRole('heading', { level: 1, name: 'Wren Boss' }).waitFor();
  const email = page.getByLabel('Email', { exact: true });
  assert.equal(await email.isDisabled(), true);
  const why = await email.getAttribute('aria-describedby');
  assert.match(await page.locator('#' + why).textContent(), /This account holds rights you do not have \(Organisation admin over Northgate Teaching Hospitals NHS Trust\)/);
  assert.equal(await page.getByLabel('Account enabled').isDisabled(), true);
  assert.equal(await page.getByLabel('Job title').isDisabled(), false); // personal fields stay open
  await screenshot(page, 'user-details-contained');

  await page.goto(app.server.url + '/users/' + sso.json.id);
  await page.getByRole('heading', { level: 1, name: 'Rhys Rivers' }).waitFor();
  await page.getByLabel('Identity provider').waitFor();
  assert.equal(await page.getByLabel('Is external (SSO) user').isDisabled(), true);
  assert.equal(await page.getByLabel('Authentication URL').count(), 0);
  assert.equal(await page.getByText('login.riverside.example').count(), 0);
  await screenshot(page, 'user-details-authurl-hidden');

  // The Super admin sees it.
  await signIn(page, app.server.url);
  await page.goto(app.server.url + '/users/' + sso.json.id);
  await page.getByRole('heading', { level: 1, name: 'Rhys Rivers' }).waitFor();
  assert.equal(await page.getByLabel('Authentication URL').inputValue(), 'https://login.riverside.example/saml');
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('losing a race with another editor shows their change and offers reload', async () => {
  const page = await app.browser.newPage();
  await signIn(page, app.server.url);
  const api = await apiAs('trust.admin@northgate.example');
  const list = await api('GET', '/users?q=NG1003&limit=1');
  const target = list.json.items[0];
  await page.goto(app.server.url + '/users/' + target.id);
  await page.getByRole('heading', { level: 1, name: target.displayName }).waitFor();

  // Someone else saves first.
  const cur = await api('GET', '/users/' + target.id);
  const other = await api('PATCH', '/users/' + target.id, { department: 'Changed Elsewhere' }, { 'If-Match': cur.etag });
  assert.equal(other.status, 200);

  await page.getByLabel('Department', { exact: true }).fill('My Department');
  await page.getByRole('button', { name: 'Update' }).click();
  const dialog = page.getByRole('alertdialog', { name: 'Someone else changed this account' });
  await dialog.waitFor();
  await dialog.getByText('trust.admin@northgate.example').waitFor();
  await dialog.getByRole('cell', { name: 'Changed Elsewhere' }).waitFor();
  await screenshot(page, 'stale-dialog');
  await dialog.getByRole('button', { name: 'Reload' }).click();
  assert.equal(await page.getByLabel('Department', { exact: true }).inputValue(), 'Changed Elsewhere');
  await page.close();
});

test('bulk transfer of selected users to another OU', async () => {
  const page = await app.browser.newPage();
  await signIn(page, app.server.url);
  await page.getByLabel('Organisational unit').selectOption({ label: '\u00a0\u00a0\u00a0Mental Health' });
  const rows = page.getByRole('table', { name: 'Users' }).locator('tbody tr');
  await page.waitForFunction(() => [...document.querySelectorAll('tbody tr td:nth-child(7)')].every((c) => c.textContent.trim() === 'Mental Health'));
  const names = [];
  for (const i of [0, 1]) {
    names.push((await rows.nth(i).getByRole('link').textContent()).trim());
    await rows.nth(i).getByRole('checkbox').check();
  }
  await page.getByLabel('Move to OU').selectOption({ label: '\u00a0\u00a0\u00a0Administration' });
  await page.getByRole('button', { name: 'Move', exact: true }).click();
  await notice(page, 'Moved 2 users to Administration');
  const results = page.getByRole('region', { name: 'Transfer results' });
  for (const n of names) await results.getByText(n).waitFor();
  await page.close();
});

test('changing a 1-time completion account asks about the activation email; connector warning stands', async () => {
  const page = await app.browser.newPage();
  await signIn(page, app.server.url);
  await page.getByLabel('Account type').selectOption({ label: '1-time completion' });
  await page.getByLabel('Status').selectOption({ label: 'Created' });
  const rows = page.getByRole('table', { name: 'Users' }).locator('tbody tr');
  await page.waitForFunction(() => [...document.querySelectorAll('tbody tr td:nth-child(5)')].every((c) => c.textContent.trim() === '1-time completion'));
  await rows.first().getByRole('link').click();
  await page.getByRole('heading', { level: 1 }).waitFor();
  await page.getByLabel('Account type').selectOption('internal');
  await page.getByRole('button', { name: 'Update' }).click();
  const dialog = page.getByRole('alertdialog', { name: 'Activation email' });
  await dialog.getByRole('button', { name: 'Send email' }).waitFor();
  await screenshot(page, 'one-time-choice');
  await dialog.getByRole('button', { name: "I'll do it later" }).click();
  await notice(page, 'Changes saved');
  const status = page.getByRole('region', { name: 'Status' });
  await status.locator('.badge', { hasText: 'Created' }).waitFor();
  assert.equal(await page.getByLabel('Account type').inputValue(), 'internal');
  // 1-time completion is not offered any more.
  assert.equal(await page.getByLabel('Account type').locator('option[value=one_time]').isDisabled(), true);

  // A connector-managed account carries a standing warning.
  const api = await apiAs('admin@userdesk.local');
  const id = new URL(page.url()).pathname.split('/').pop();
  const cur = await api('GET', '/users/' + id);
  await api('PATCH', '/users/' + id, { connectorManaged: true }, { 'If-Match': cur.etag });
  await page.reload();
  await page.getByRole('note').filter({ hasText: 'the next sync overwrites manual changes' }).waitFor();

  // "Send email" for a single sign-on account asks for confirmation first, then sends.
  const sso = await api('POST', '/users', { username: 'once.sso@e2e.example', firstName: 'Once', lastName: 'Sso',
    accountType: 'one_time', unitId: cur.json.unitId, isExternal: true, identityProvider: 'Trust IdP', authUrl: 'https://idp.example/login' });
  assert.equal(sso.status, 201, JSON.stringify(sso.json));
  await page.goto(app.server.url + '/users/' + sso.json.id);
  await page.getByRole('heading', { level: 1, name: 'Once Sso' }).waitFor();
  await page.getByLabel('Account type').selectOption('internal');
  await page.getByRole('button', { name: 'Update' }).click();
  await page.getByRole('alertdialog', { name: 'Activation email' }).getByRole('button', { name: 'Send email' }).click();
  // The single sign-on question is the app's dialog too (not the browser's confirm()).
  const sure = page.getByRole('alertdialog', { name: 'Send an activation email?' });
  assert.match(await sure.textContent(), /single sign-on/);
  await sure.getByRole('button', { name: 'Send email' }).click();
  await notice(page, 'Changes saved');
  await status.locator('.badge', { hasText: 'Pending' }).waitFor();
  await page.close();
});

test('the audit log filters by username, action and source on the server', async () => {
  const page = await app.browser.newPage();
  await signIn(page, app.server.url);
  // Make a change to find: a job title, through the API as the Super admin.
  const api = await apiAs('admin@userdesk.local');
  const list = await api('GET', '/users?q=northgate.example&limit=1');
  const who = list.json.items[0];
  const cur = await api('GET', '/users/' + who.id);
  assert.equal((await api('PATCH', '/users/' + who.id, { jobTitle: 'Audit Probe' }, { 'If-Match': cur.etag })).status, 200);

  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Audit' }).click();
  await page.getByRole('heading', { name: 'Audit' }).waitFor();
  await page.getByLabel('Account', { exact: true }).fill(who.username.toUpperCase());
  await page.getByRole('button', { name: 'Apply filters' }).click();
  const rows = page.getByRole('table', { name: 'Audit log' }).locator('tbody tr');
  await rows.filter({ hasText: 'Audit Probe' }).waitFor();
  await page.getByLabel('Action').selectOption('user.update');
  await page.waitForFunction(() => {
    const cells = [...document.querySelectorAll('tbody tr td:nth-child(3)')];
    return cells.length > 0 && cells.every((c) => c.textContent.trim() === 'Updated user');
  });
  await rows.filter({ hasText: 'Audit Probe' }).waitFor();
  await screenshot(page, 'audit-filtered');
  // Nothing of this account came from an import.
  await page.getByLabel('Source').selectOption('import');
  await page.getByText('No audit records match.').waitFor();
  // An unknown username says what to do.
  await page.getByLabel('Account', { exact: true }).fill('nobody@nowhere.example');
  await page.getByRole('button', { name: 'Apply filters' }).click();
  await page.getByRole('alert').filter({ hasText: 'No account you can see has the username nobody@nowhere.example' }).waitFor();
  await page.close();
});
