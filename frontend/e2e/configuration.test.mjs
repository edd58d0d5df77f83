import assert from 'node:assert/strict';
import { test } from 'node:test';
import { screenshot, signIn, useApp, notice } from './harness.mjs';

const app = useApp();

test('Configuration is gated by permission', async () => {
  const page = await app.browser.newPage();
  await signIn(page, app.server.url, 'cardiology.admin@northgate.example');
  const nav = page.getByRole('navigation', { name: 'Main' });
  await nav.getByRole('link', { name: 'Users' }).waitFor();
  assert.equal(await nav.getByRole('link', { name: 'Configuration' }).count(), 0);
  assert.equal(await nav.getByRole('link', { name: 'Audit' }).count(), 0);
  await page.close();
});

test('a config admin edits the unit tree, organisation settings, roles and reference lists', async () => {
  const page = await app.browser.newPage();
  await signIn(page, app.server.url, 'config.admin@northgate.example');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Configuration' }).click();

  // Units: create an OU under Radiology, rename it, then delete it.
  await page.getByLabel('Name', { exact: true }).first().fill('Interventional Radiology');
  await page.getByLabel('Parent').selectOption({ label: '\u00a0\u00a0\u00a0\u00a0\u00a0\u00a0Radiology' });
  await page.getByRole('button', { name: 'Create unit' }).click();
  await notice(page, 'Unit created');
  const tree = page.getByRole('tree', { name: 'Unit tree' });
  await tree.getByRole('button', { name: 'Interventional Radiology' }).click();
  await page.locator('#u-rename').fill('Interventional Radiology Suite');
  await page.getByRole('button', { name: 'Rename' }).click();
  await tree.getByRole('button', { name: 'Interventional Radiology Suite' }).waitFor();
  // A sibling with the same name is refused with a reason.
  await page.getByLabel('Name', { exact: true }).first().fill('Pharmacy');
  await page.getByLabel('Parent').selectOption({ label: '\u00a0\u00a0\u00a0Clinical Support' });
  await page.getByRole('button', { name: 'Create unit' }).click();
  const failure = page.getByRole('alert').filter({ hasText: 'Not saved' });
  await failure.waitFor();
  await failure.getByRole('button', { name: 'Dismiss notification' }).click();
  // Clear the refused name: a typed, unsaved name would be confirmed before leaving the tab.
  await page.getByLabel('Name', { exact: true }).first().fill('');

  // Organisation settings.
  await tree.getByRole('button', { name: /Riverside Community Health Partnership/ }).click();
  const settings = page.getByRole('form', { name: 'Organisation settings' });
  await settings.getByLabel('Username policy').selectOption('locked');
  await settings.getByRole('button', { name: 'Save settings' }).click();
  await notice(page, 'Organisation settings saved');
  await screenshot(page, 'config-units');

  // Roles: a config admin cannot add a permission they do not hold (no escalation)…
  await page.getByRole('tab', { name: 'Roles' }).click();
  await page.getByRole('button', { name: 'Helpdesk', exact: true }).click();
  const edit = page.getByRole('switch', { name: /Edit users/ });
  assert.equal(await edit.isChecked(), false);
  await edit.check();
  await page.getByRole('button', { name: 'Save role' }).click();
  const refused = page.getByRole('alert').filter({ hasText: "You don't hold users.edit everywhere." });
  await refused.waitFor();
  await refused.getByRole('button', { name: 'Dismiss notification' }).click();
  // …but may rename it and take permissions away.
  await page.getByLabel('Description').fill('Find accounts and resend activation emails (service desk).');
  await edit.uncheck();
  await page.getByRole('switch', { name: /Activate users/ }).uncheck();
  await page.getByRole('button', { name: 'Save role' }).click();
  await notice(page, 'Role saved');
  await screenshot(page, 'config-roles');

  // Reference lists.
  await page.getByRole('tab', { name: 'Reference lists' }).click();
  await page.getByLabel('New entry for Work areas').fill('Ward 12');
  await page.getByLabel('New entry for Work areas').press('Enter');
  await page.getByRole('region', { name: 'Work areas' }).getByText('Ward 12').waitFor();

  // This config admin cannot see users, so the rights explorer is not offered to them.
  assert.equal(await page.getByRole('tab', { name: 'Why? Effective rights' }).count(), 0);
  assert.deepEqual(page.errors, []);

  // Why? for another actor and target, as a Super admin.
  await signIn(page, app.server.url);
  await page.goto(app.server.url + '/configuration');
  await page.getByRole('tab', { name: 'Why? Effective rights' }).click();
  await page.getByRole('searchbox', { name: 'Actor (who acts)' }).fill('servicedesk');
  await page.getByRole('region', { name: 'Actor (who acts)' }).getByRole('button', { name: /Callum Reid/ }).click();
  await page.getByRole('searchbox', { name: 'Target user' }).fill('riverside.admin');
  await page.getByRole('region', { name: 'Target user' }).getByRole('button', { name: /Seren Pryce/ }).click();
  const rights = page.getByRole('table', { name: 'Effective rights' });
  await rights.getByRole('row', { name: /View users No No role gives View users/ }).waitFor();
  await screenshot(page, 'config-why');
  assert.deepEqual(page.errors, []);
  await page.close();
});
