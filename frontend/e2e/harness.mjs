// Browser-test harness: starts the real bin/userdesk on a fresh data directory and a free
// loopback port, and drives Debian's Chromium through playwright-core. Never downloads a browser.
import { spawn } from 'node:child_process';
import { mkdtemp, mkdir, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before } from 'node:test';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
export const repo = path.resolve(here, '..', '..');
export const binary = process.env.USERDESK_BIN || path.join(repo, 'bin', 'userdesk');
export const shots = path.join(repo, 'frontend', 'test-results');
export const ADMIN = 'admin@userdesk.local';
export const PASSWORD = 'e2e-password-correct-horse';

async function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

/**
 * startServer runs Userdesk with the demo organisation; call stop() when done. data reuses a
 * data directory (stop({ keep: true }) leaves it), env and args are added to the server's.
 */
export async function startServer({ demo = true, data = null, env = {}, args: extra = [] } = {}) {
  data = data ?? (await mkdtemp(path.join(os.tmpdir(), 'userdesk-e2e-data-')));
  const port = await freePort();
  const addr = `127.0.0.1:${port}`;
  const args = ['--addr', addr, '--data', data, '--no-browser', ...extra];
  if (demo) args.push('--demo');
  const proc = spawn(binary, args, {
    env: { ...process.env, USERDESK_ADMIN_PASSWORD: PASSWORD, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  proc.stdout.on('data', (d) => (output += d));
  proc.stderr.on('data', (d) => (output += d));
  const url = `http://${addr}`;
  const deadline = Date.now() + 15000;
  for (;;) {
    try {
      const r = await fetch(url + '/api/v1/health');
      if (r.ok) break;
    } catch {
      /* not up yet */
    }
    if (proc.exitCode !== null || Date.now() > deadline) throw new Error('Userdesk did not start:\n' + output);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url,
    data,
    output: () => output,
    async stop({ keep = false } = {}) {
      proc.kill('SIGTERM');
      await new Promise((r) => (proc.exitCode !== null ? r() : proc.on('exit', r)));
      if (!keep) await rm(data, { recursive: true, force: true });
    },
  };
}

/** startBrowser launches headless Chromium with a fresh profile. */
export async function startBrowser() {
  const profile = await mkdtemp(path.join(os.tmpdir(), 'userdesk-e2e-profile-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1280, height: 800 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  await mkdir(shots, { recursive: true });
  return {
    context,
    async newPage() {
      const page = await context.newPage();
      page.setDefaultTimeout(10000);
      await page.addInitScript(recordNotices);
      const errors = [];
      page.on('pageerror', (e) => errors.push(String(e)));
      page.on('console', (m) => {
        if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) errors.push(m.text());
      });
      page.errors = errors;
      return page;
    },
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

// Notices (toasts) fade after six seconds, so a test that waits for one can miss it on a busy
// machine. Every page records each notice it shows, once per notice, from the moment the page
// loads; notice() then waits for one it has not been handed before, however long ago it faded.
function recordNotices() {
  window.__notices = [];
  const seen = new WeakSet();
  const scan = () => {
    for (const el of document.querySelectorAll('.toast')) {
      const text = el.textContent.replace(/\s+/g, ' ').trim();
      if (seen.has(el) || !text) continue;
      seen.add(el);
      window.__notices.push({ role: el.getAttribute('role'), text, taken: false });
    }
  };
  const start = () => new MutationObserver(scan).observe(document.documentElement, { childList: true, subtree: true, characterData: true });
  if (document.documentElement) start();
  else document.addEventListener('readystatechange', start, { once: true });
}

/**
 * notice waits until the page has shown a notice containing text (a string or a RegExp) that no
 * earlier call was handed, and returns its whole text. Use it for toasts, then check the lasting
 * state the notice reported (the stored value, the import's status).
 */
export async function notice(page, text, { timeout = 15000 } = {}) {
  const pattern = text instanceof RegExp ? { source: text.source, flags: text.flags } : null;
  const handle = await page.waitForFunction(
    ({ text, pattern }) => {
      const match = (t) => (pattern ? new RegExp(pattern.source, pattern.flags).test(t) : t.includes(text));
      const n = (window.__notices || []).find((n) => !n.taken && match(n.text));
      if (!n) return false;
      n.taken = true;
      return n.text;
    },
    { text: pattern ? null : text, pattern },
    { timeout },
  );
  return handle.jsonValue();
}

export async function screenshot(page, name) {
  await page.screenshot({ path: path.join(shots, name + '.png'), fullPage: false });
}

/** signIn signs in through the sign-in page like a person. */
export async function signIn(page, url, username = ADMIN, password = PASSWORD) {
  // Tests share one browser profile: start each sign-in signed out.
  await page.context().clearCookies();
  await page.goto(url + '/');
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  // The account button (avatar) is there at every width; a phone's Sign out is in its menu.
  await page.locator('button[aria-controls="account-menu"]').waitFor();
}

/** openUser searches Users for text, waits until every row matches, and opens the first match. */
export async function openUser(page, text) {
  await page.getByLabel('Search').fill(text);
  await page.waitForFunction((q) => document.querySelectorAll('tbody tr').length > 0 && [...document.querySelectorAll('tbody tr')].every((r) => r.textContent.includes(q)), text);
  const row = page.getByRole('table', { name: 'Users' }).locator('tbody tr').first();
  const name = (await row.getByRole('link').textContent()).trim();
  await row.dblclick();
  await page.getByRole('heading', { level: 1, name }).waitFor();
  return name;
}

/** apiAs signs in through the API with its own cookie and returns a small JSON client. */
export async function apiAs(url, username, password = PASSWORD) {
  const r = await fetch(url + '/api/v1/session', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Origin: url },
    body: JSON.stringify({ username, password }),
  });
  if (r.status !== 200) throw new Error(`sign in ${username}: ${r.status} ${await r.text()}`);
  const cookie = r.headers.get('set-cookie').split(';')[0];
  const { csrfToken } = await r.json();
  return async (method, path, body, headers = {}) => {
    const res = await fetch(url + '/api/v1' + path, {
      method,
      headers: { Cookie: cookie, 'X-CSRF-Token': csrfToken, Origin: url, 'Content-Type': 'application/json', ...headers },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    let json = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = text;
    }
    return { status: res.status, etag: res.headers.get('etag'), json };
  };
}

/** useApp starts one server (with the demo organisation) and one browser for a test file. */
export function useApp() {
  const app = { server: null, browser: null };
  before(async () => {
    app.server = await startServer();
    app.browser = await startBrowser();
  });
  after(async () => {
    await app.browser?.close();
    await app.server?.stop();
  });
  return app;
}
