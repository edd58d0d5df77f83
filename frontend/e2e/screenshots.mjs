// Takes the screenshots in docs/screenshots/: Users, User Details, Audit and Configuration at
// 1280×800, in English and in Welsh, on the demo organisation. Run after `make build`:
//   cd frontend && npm run screenshots
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { ADMIN, PASSWORD, apiAs, repo, startBrowser, startServer } from './harness.mjs';

const out = path.join(repo, 'docs', 'screenshots');
await mkdir(out, { recursive: true });
const server = await startServer();
const browser = await startBrowser();
try {
  const su = await apiAs(server.url, ADMIN);
  // A user with a little history to show.
  const who = (await su('GET', '/users?unit=ou-cath-lab&limit=1')).json.items[0];
  const cur = await su('GET', '/users/' + who.id);
  await su('PATCH', '/users/' + who.id, { jobTitle: 'Cardiac Physiologist', workAreas: ['area-05'],
    adminRoles: [{ roleId: 'role-helpdesk', unitId: 'ou-cardiology' }] }, { 'If-Match': cur.etag });

  for (const lang of ['en', 'cy']) {
    const me = await su('GET', '/me');
    const r = await su('PATCH', '/me', { language: lang }, { 'If-Match': me.etag });
    if (r.status !== 200) throw new Error('language ' + lang + ': ' + JSON.stringify(r.json));
    const page = await browser.newPage();
    // Signing in through the (English) sign-in page; the console then speaks the user's language.
    await page.context().clearCookies();
    await page.goto(server.url + '/');
    await page.getByLabel('Username').fill(ADMIN);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('#main-nav').waitFor();
    const shot = async (name) => {
      await page.waitForTimeout(300);
      await page.screenshot({ path: path.join(out, `${name}-${lang}.png`) });
    };
    await page.locator('tbody tr').nth(5).waitFor();
    await shot('users');
    await page.goto(server.url + '/users/' + who.id);
    await page.locator('h1').filter({ hasText: who.displayName }).waitFor();
    await page.locator('.history li').first().waitFor();
    await shot('user-details');
    await page.goto(server.url + '/audit');
    await page.locator('tbody tr').first().waitFor();
    await shot('audit');
    await page.goto(server.url + '/configuration');
    await page.locator('[role=tree] button').first().click();
    await page.locator('form[aria-label] h2').first().waitFor();
    await shot('configuration');
    if (page.errors.length) throw new Error(page.errors.join('\n'));
    await page.close();
  }
  console.log('screenshots written to', out);
} finally {
  await browser.close();
  await server.stop();
}
