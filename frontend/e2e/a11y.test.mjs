// axe-core (an npm dev dependency, run inside the page) finds no WCAG violations on any page,
// at 1280 px and at 390 px, for the Super admin and for a Config admin.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { signIn, useApp } from './harness.mjs';

const app = useApp();
const axe = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** violations runs axe on the page as it is (evaluated over CDP: the console's CSP forbids inline scripts). */
async function violations(page) {
  await page.waitForTimeout(300);
  await page.evaluate(axe);
  return page.evaluate(async () =>
    (await window.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] } })).violations.map(
      (v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')}`,
    ),
  );
}

for (const width of [1280, 390]) {
  test(`no axe violations at ${width} px`, async () => {
    const page = await app.browser.newPage();
    await page.setViewportSize({ width, height: 800 });
    const found = [];
    const look = async (name) => found.push(...(await violations(page)).map((v) => `${name}: ${v}`));
    await page.context().clearCookies();
    await page.goto(app.server.url + '/');
    await page.getByLabel('Username').waitFor();
    await look('sign-in');
    await signIn(page, app.server.url);
    await page.locator('tbody tr').first().waitFor();
    await look('users');
    await page.locator('tbody tr a').first().click();
    await page.locator('h1').waitFor();
    await look('user details');
    for (const path of ['/audit', '/configuration', '/imports', '/mail', '/account']) {
      await page.goto(app.server.url + path);
      await page.locator('h1').waitFor();
      await look(path);
    }
    // A dialog and the error summary.
    await page.goto(app.server.url + '/users');
    await page.getByRole('button', { name: 'New user' }).click();
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByText('There is a problem').waitFor();
    await look('new user errors');
    // The Config admin's landing page, and the no-access page.
    await signIn(page, app.server.url, 'config.admin@northgate.example');
    await page.locator('h1').waitFor();
    await look('config admin landing');
    await page.goto(app.server.url + '/users');
    await page.locator('h1').waitFor();
    await look('no access');
    assert.deepEqual(found, []);
    await page.close();
  });
}
