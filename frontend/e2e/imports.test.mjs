import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { apiAs, screenshot, signIn, useApp, notice } from './harness.mjs';

const app = useApp();

/** cells splits one CSV line without quotes (the demo data has none in these columns). */
const cells = (line) => line.split(',');

test('export, edit in a spreadsheet, upload, preview every change, apply, download results', async () => {
  const api = await apiAs(app.server.url, 'trust.admin@northgate.example');
  const exported = String((await api('GET', '/exports/users.csv?q=NG1000')).json).trim().split(/\r?\n/);
  const header = cells(exported[0]);
  const col = (name) => header.indexOf(name);
  assert.ok(col('Local ID') >= 0 && col('Job Title') >= 0, header.join());
  const rows = exported.slice(1, 4).map(cells);
  assert.equal(rows.length, 3);
  rows[0][col('Job Title')] = 'Chief Pharmacist';
  rows[1][col('Department')] = 'Imaging';
  // rows[2] stays as it is: unchanged.
  const created = [...rows[2]];
  created[col('User ID')] = '';
  created[col('Local ID')] = 'NG999999';
  created[col('Username')] = created[col('Email')] = 'new.starter@northgate.example';
  created[col('Status')] = 'created';
  const csv = [header, ...rows, created].map((r) => r.join(',')).join('\r\n') + '\r\n';

  const page = await app.browser.newPage();
  await signIn(page, app.server.url, 'trust.admin@northgate.example');
  // The Export button downloads the users report.
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Export' }).click()]);
  assert.match(download.suggestedFilename(), /\.csv$/);
  assert.match(await readFile(await download.path(), 'utf8'), /Local ID/);

  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Imports' }).click();
  await page.getByLabel('Choose CSV or Excel file').setInputFiles({ name: 'northgate-edits.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  const report = page.getByRole('region', { name: 'Import report' });
  await report.getByRole('heading', { name: 'northgate-edits.csv' }).waitFor();
  const table = page.getByRole('table', { name: 'Rows of the file' });
  await table.getByText('Chief Pharmacist').waitFor();
  await table.getByText('Imaging').waitFor();
  await screenshot(page, 'import-report');
  await report.getByRole('note').filter({ hasText: '1 row will create a new account' }).waitFor();

  // Nothing was written by validation.
  const before = (await api('GET', '/users?q=' + rows[0][col('Local ID')])).json.items[0];
  assert.notEqual((await api('GET', '/users/' + before.id)).json.jobTitle, 'Chief Pharmacist');

  await report.getByRole('button', { name: /^Apply \d+ changes$/ }).click();
  await report.getByText(/Applied: \d+ rows/).waitFor({ timeout: 20000 });

  // The notice is checked after the lasting "Applied" text: notice() finds it even if it faded.
  await notice(page, 'Import applied');
  // One notice at a time for the import's steps: "applied" replaced "checked" and "started"
  // (within two seconds: well before either would fade on its own, after six).
  await page.getByText('File checked', { exact: true }).waitFor({ state: 'detached', timeout: 2000 });
  await page.getByText('Import started', { exact: true }).waitFor({ state: 'detached', timeout: 2000 });
  // The bar says every row is done, and shows it once its animation ends.
  const bar = report.getByRole('progressbar', { name: 'Import progress' });
  assert.equal(await bar.getAttribute('aria-valuenow'), await bar.getAttribute('aria-valuemax'));
  await page.waitForFunction(() => {
    const fill = document.querySelector('[role=progressbar] .bar');
    return fill && Math.abs(fill.getBoundingClientRect().width - fill.parentElement.getBoundingClientRect().width) < 1;
  });
  await screenshot(page, 'import-applied');
  assert.equal((await api('GET', '/users/' + before.id)).json.jobTitle, 'Chief Pharmacist');

  const [results] = await Promise.all([page.waitForEvent('download'), report.getByRole('link', { name: 'Download results CSV' }).click()]);
  const text = await readFile(await results.path(), 'utf8');
  assert.match(text.split(/\r?\n/)[0], /Result,Message$/);
  assert.equal(text.trim().split(/\r?\n/).length, 5);

  // History lists it.
  await page.getByRole('link', { name: 'All imports' }).click();
  await page.getByRole('table', { name: 'Import history' }).getByRole('link', { name: 'northgate-edits.csv' }).waitFor();

  // The same file reaches the uploader's mailbox as the results mail's attachment (sent once
  // the import is applied, so it may come a moment after).
  for (let i = 0; i < 100 && !JSON.stringify((await api('GET', '/mail')).json).includes('northgate-edits.csv: '); i++) await new Promise((r) => setTimeout(r, 100));
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Mail' }).click();
  const inbox = page.getByRole('table', { name: 'Messages' });
  // The subject names the file and what happened.
  await inbox.getByRole('button', { name: /^northgate-edits\.csv: \d+ updated/ }).first().click({ timeout: 20000 });
  const message = page.getByRole('article', { name: 'Message' });
  const attachment = message.getByRole('link', { name: /results\.csv$/ });
  await attachment.waitFor();
  await screenshot(page, 'import-results-mail');
  const [mailed] = await Promise.all([page.waitForEvent('download'), attachment.click()]);
  assert.equal(await readFile(await mailed.path(), 'utf8'), text);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('a file where every row fails is not called checked, and an empty file is refused once', async () => {
  const page = await app.browser.newPage();
  await signIn(page, app.server.url);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Imports' }).click();
  // The blank template has the columns this admin may set.
  const [template] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download a blank template' }).click()]);
  assert.match(await readFile(await template.path(), 'utf8'), /^\uFEFFLocal ID,.*Job Title,.*Admin Roles/);
  const csv = 'Local ID,Username\nBAD1,not an address\nBAD2,also@@wrong\n';
  await page.getByLabel('Choose CSV or Excel file').setInputFiles({ name: 'all-wrong.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await page.getByRole('alert').filter({ hasText: 'No row can be applied' }).waitFor();
  assert.equal(await page.getByText('File checked', { exact: true }).count(), 0);
  await screenshot(page, 'import-every-row-fails');

  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Imports' }).click();
  await page.getByLabel('Choose CSV or Excel file').setInputFiles({ name: 'empty.csv', mimeType: 'text/csv', buffer: Buffer.alloc(0) });
  const refusal = page.getByRole('alert').filter({ hasText: 'File not accepted' });
  await refusal.waitFor();
  const text = (await refusal.textContent()).replace('File not accepted', '').trim();
  assert.equal(await page.getByText(text, { exact: false }).count(), 1, `"${text}" is said once`);
  await page.close();
});

test('an import is discarded from its report, after the dialog asks', async () => {
  const page = await app.browser.newPage();
  await signIn(page, app.server.url);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Imports' }).click();
  await page.getByLabel('Choose CSV or Excel file').setInputFiles({ name: 'to-discard.csv', mimeType: 'text/csv', buffer: Buffer.from('Local ID,Username\nBAD9,nope\n') });
  const report = page.getByRole('region', { name: 'Import report' });
  await report.getByRole('heading', { name: 'to-discard.csv' }).waitFor();
  const url = page.url();
  await report.getByRole('button', { name: 'Discard import' }).click();
  const dialog = page.getByRole('alertdialog', { name: 'Discard import' });
  await dialog.getByText('Nothing was applied from it.', { exact: false }).waitFor();
  await screenshot(page, 'import-discard-confirm');
  await dialog.getByRole('button', { name: 'Discard import' }).click();
  await notice(page, 'Import discarded');
  await page.getByRole('table', { name: 'Import history' }).waitFor();
  assert.equal(await page.getByRole('table', { name: 'Import history' }).getByRole('link', { name: 'to-discard.csv' }).count(), 0);
  await page.goto(url);
  await page.getByText('not found', { exact: false }).first().waitFor();
  await page.close();
});

test('a re-saved old export: the row whose account changed since is flagged, not applied', async () => {
  const api = await apiAs(app.server.url, 'admin@userdesk.local');
  const page = await app.browser.newPage();
  await signIn(page, app.server.url);
  // An export…
  const exp = await fetch(app.server.url + '/api/v1/exports/users.csv?q=NG1003', { headers: { Cookie: (await page.context().cookies()).map((c) => `${c.name}=${c.value}`).join('; ') } });
  const lines = (await exp.text()).replace(/^\uFEFF/, '').trim().split('\n');
  const header = lines[0].split(',');
  const localID = lines[1].split(',')[header.indexOf('Local ID')];
  // …then the account changes in the console…
  const found = (await api('GET', '/users?q=' + localID)).json.items[0];
  const cur = await api('GET', '/users/' + found.id);
  assert.equal((await api('PATCH', '/users/' + found.id, { mobile: '07700 900123' }, { 'If-Match': cur.etag })).status, 200);
  // …and the old file, one cell edited, comes back with CRLF line endings.
  const cells = lines[1].split(',');
  cells[header.indexOf('Job Title')] = 'Old file title';
  const file = [lines[0], cells.join(',')].join('\r\n') + '\r\n';
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Imports' }).click();
  await page.getByLabel('Choose CSV or Excel file').setInputFiles({ name: 'old-export.csv', mimeType: 'text/csv', buffer: Buffer.from(file) });
  const report = page.getByRole('region', { name: 'Import report' });
  await report.getByRole('heading', { name: 'old-export.csv' }).waitFor();
  await page.getByText('This account was changed after your export', { exact: false }).first().waitFor();
  await screenshot(page, 'import-stale-row');
  // Ticked "Overwrite newer changes", the same file's row is an update that says so.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Imports' }).click();
  await page.getByLabel('Overwrite newer changes').check();
  await page.getByLabel('Choose CSV or Excel file').setInputFiles({ name: 'old-export-again.csv', mimeType: 'text/csv', buffer: Buffer.from(file) });
  await page.getByRole('region', { name: 'Import report' }).getByRole('heading', { name: 'old-export-again.csv' }).waitFor();
  await page.getByText('Overwrite newer changes is on', { exact: false }).first().waitFor();
  await page.close();
});

test('names typed by hand are read back, and a misspelt one lists the closest names', async () => {
  const api = await apiAs(app.server.url, 'admin@userdesk.local');
  const exported = String((await api('GET', '/exports/users.csv?q=NG10')).json).replace(/^\uFEFF/, '').trim().split(/\r?\n/);
  const header = cells(exported[0]);
  // Two accounts in OUs below the top level: their OU is written as its path.
  const [row, other] = exported.slice(1).map(cells).filter((r) => r[header.indexOf('OU')].includes(' / '));
  const ou = row[header.indexOf('OU')];
  const csv = `Local ID,OU,Work Areas,Clinical Roles\r\n${row[header.indexOf('Local ID')]},${ou.toUpperCase()},ward 7|outpatients,Staff nurse\r\n` +
    `${other[header.indexOf('Local ID')]},${other[header.indexOf('OU')]},Ward 77,\r\n`;
  const page = await app.browser.newPage();
  await signIn(page, app.server.url);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Imports' }).click();
  await page.getByLabel('Choose CSV or Excel file').setInputFiles({ name: 'by-name.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  const table = page.getByRole('table', { name: 'Rows of the file' });
  await table.getByText('Ward 7|Outpatients').waitFor();
  await table.getByText('Closest: "Ward 7"', { exact: false }).waitFor();
  await screenshot(page, 'import-names');
  await page.close();
});

test('the users report can be exported with semicolons, and the choice is remembered', async () => {
  const page = await app.browser.newPage();
  await signIn(page, app.server.url);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Users' }).click();
  await page.getByLabel('Format of the exported file').selectOption('semicolon');
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Export' }).click()]);
  assert.match(await readFile(await download.path(), 'utf8'), /^\uFEFFUser ID;Local ID;Username;/);
  await page.reload();
  assert.equal(await page.getByLabel('Format of the exported file').inputValue(), 'semicolon');
  await page.evaluate(() => localStorage.removeItem('userdesk.delimiter'));
  await page.close();
});

test('an applied import is undone from its page: what nobody changed since goes back, the rest is listed', async () => {
  const api = await apiAs(app.server.url, 'admin@userdesk.local');
  const exported = String((await api('GET', '/exports/users.csv?q=NG102')).json).replace(/^\uFEFF/, '').trim().split(/\r?\n/);
  const header = cells(exported[0]);
  const [a, b] = exported.slice(1, 3).map(cells);
  const lid = (r) => r[header.indexOf('Local ID')];
  const csv = `Local ID,Job Title\r\n${lid(a)},Undo me\r\n${lid(b)},Keep me\r\n`;
  const page = await app.browser.newPage();
  await signIn(page, app.server.url);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Imports' }).click();
  await page.getByLabel('Choose CSV or Excel file').setInputFiles({ name: 'to-undo.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  const report = page.getByRole('region', { name: 'Import report' });
  await report.getByRole('heading', { name: 'to-undo.csv' }).waitFor();
  await report.getByRole('button', { name: 'Apply 2 changes' }).click();
  await report.getByText('Applied: 2 rows').waitFor({ timeout: 20000 });
  // Someone edits the second account after the import.
  const bID = (await api('GET', '/users?q=' + lid(b))).json.items[0].id;
  const cur = await api('GET', '/users/' + bID);
  assert.equal((await api('PATCH', '/users/' + bID, { mobile: '07700 900777' }, { 'If-Match': cur.etag })).status, 200);

  await report.getByRole('button', { name: 'Undo import' }).click({ timeout: 20000 });
  const dialog = page.getByRole('alertdialog', { name: 'Undo import' });
  await dialog.getByText('unless someone changed it since', { exact: false }).waitFor();
  await dialog.getByRole('button', { name: 'Undo import' }).click();
  await report.getByRole('note').filter({ hasText: '1 put back, 0 deleted, 0 marked leaver, 1 left alone' }).waitFor({ timeout: 20000 });
  const left = page.getByRole('table', { name: 'Rows left alone' });
  await left.getByText('Changed since the import', { exact: false }).waitFor();
  await screenshot(page, 'import-undone');
  const aID = (await api('GET', '/users?q=' + lid(a))).json.items[0].id;
  assert.equal((await api('GET', '/users/' + aID)).json.jobTitle, a[header.indexOf('Job Title')]);
  assert.equal((await api('GET', '/users/' + bID)).json.jobTitle, 'Keep me');
  assert.equal(await report.getByRole('button', { name: 'Undo import' }).count(), 0);
  await page.close();
});

test('the users report as an Excel workbook: exported, changed in the console since, uploaded back: only the stale row is held back', async () => {
  const api = await apiAs(app.server.url, 'trust.admin@northgate.example');
  const page = await app.browser.newPage();
  await signIn(page, app.server.url, 'trust.admin@northgate.example');
  await page.goto(app.server.url + '/users?q=NG1001');
  await page.locator('.count').filter({ hasText: /^\d+ users?$/ }).waitFor();
  await page.getByLabel('Format of the exported file').selectOption('xlsx');
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Export' }).click()]);
  assert.equal(download.suggestedFilename(), 'users.xlsx');
  const workbook = await readFile(await download.path());
  assert.equal(workbook.subarray(0, 4).toString('latin1'), 'PK\x03\x04');
  await page.reload();
  assert.equal(await page.getByLabel('Format of the exported file').inputValue(), 'xlsx');
  await screenshot(page, 'users-export-xlsx');

  // After the export, someone changes one of its accounts in the console.
  const found = (await api('GET', '/users?q=NG1001')).json;
  const listed = found.items;
  assert.ok(listed.length >= 2, String(listed.length));
  const cur = await api('GET', '/users/' + listed[0].id);
  assert.equal((await api('PATCH', '/users/' + listed[0].id, { jobTitle: 'Changed after the export' }, { 'If-Match': cur.etag })).status, 200);

  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Imports' }).click();
  const [template] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'as an Excel workbook' }).click()]);
  assert.equal(template.suggestedFilename(), 'users-template.xlsx');
  await page.getByLabel('Choose CSV or Excel file').setInputFiles({ name: 'users.xlsx', mimeType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', buffer: workbook });
  const report = page.getByRole('region', { name: 'Import report' });
  await report.getByRole('heading', { name: 'users.xlsx' }).waitFor();
  const table = page.getByRole('table', { name: 'Rows of the file' });
  await table.getByText('This account was changed after your export', { exact: false }).waitFor();
  await screenshot(page, 'import-xlsx-stale');
  const imports = (await api('GET', '/imports')).json.items;
  const mine = imports.find((i) => i.fileName === 'users.xlsx');
  assert.equal(mine.totals.error, 1, JSON.stringify(mine.totals));
  assert.equal(mine.totals.update + mine.totals.create, 0, JSON.stringify(mine.totals));
  assert.equal(mine.totals.unchanged, found.total - 1, JSON.stringify(mine.totals));
  assert.notEqual((await api('GET', '/users/' + listed[0].id)).json.jobTitle, cur.json.jobTitle);
  await page.evaluate(() => localStorage.removeItem('userdesk.delimiter'));
  await page.close();
});
