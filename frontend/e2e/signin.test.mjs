// Sign-in under abuse and sessions that end (issue 16): the sign-in page explains a 429 and
// lets the person in once the wait is over; a console whose session ends elsewhere goes back
// to the sign-in page by itself.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ADMIN, PASSWORD, screenshot, signIn, useApp } from './harness.mjs';

const app = useApp();

test('a console whose session is signed out in another tab returns to the sign-in page', async () => {
  const first = await app.browser.newPage();
  await signIn(first, app.server.url);
  await first.getByRole('heading', { name: 'Users' }).waitFor();
  // Same browser, same session: sign out in a second tab.
  const second = await app.browser.newPage();
  await second.goto(app.server.url + '/audit');
  await second.getByRole('button', { name: 'Sign out' }).click();
  await second.getByLabel('Password').waitFor();
  // The first tab is told through its event stream, without a click or a reload.
  await first.getByLabel('Password').waitFor();
  assert.equal(await first.getByRole('button', { name: 'Sign out' }).count(), 0);
  assert.deepEqual(first.errors, []);
  await first.close();
  await second.close();
});

test('too many sign-in attempts: the page says how long to wait, then signs in', async () => {
  // Someone on this computer tries passwords over 30 different names at once: the address's
  // budget of first failures is spent, and a name without failures must wait for it.
  await Promise.all(
    Array.from({ length: 30 }, (_, i) =>
      fetch(app.server.url + '/api/v1/session', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ username: `sprayed${i}@example.org`, password: 'sprayed-password' }),
      }).then((r) => r.text()),
    ),
  );
  const page = await app.browser.newPage();
  await page.context().clearCookies();
  await page.goto(app.server.url + '/');
  await page.getByLabel('Username').fill(ADMIN);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  const alert = page.getByRole('alert').filter({ hasText: /Too many sign-in attempts for now\. Wait (\d+ seconds|a second), then try again\./ });
  await alert.waitFor();
  assert.ok(await page.getByRole('button', { name: 'Sign in' }).isDisabled(), 'the button waits out Retry-After');
  await screenshot(page, 'sign-in-too-many');
  // The countdown ends (at most the 10 s an address waits for its next try), the button comes
  // back, the typed password is still there, and the owner signs in: slowed, not locked out.
  await page.getByRole('button', { name: 'Sign in' }).and(page.locator(':enabled')).waitFor({ timeout: 15000 });
  assert.equal(await alert.count(), 0);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
  assert.deepEqual(page.errors, []);
  await page.close();
});
