// A small history router: the console's pages are plain paths, so deep links and reloads work
// (the server answers every non-API path with the console). Leaving a page with unsaved changes
// asks first (guard.svelte.ts).

import { mayLeave } from './guard.svelte';

export const route = $state({ path: location.pathname, search: location.search });

// here is the address the console shows, so that Back can be undone when the person stays.
let here = location.pathname + location.search;

function sync(): void {
  route.path = location.pathname;
  route.search = location.search;
  here = location.pathname + location.search;
}

function go(to: string, replace: boolean): void {
  if (replace) history.replaceState(null, '', to);
  else history.pushState(null, '', to);
  sync();
  window.scrollTo(0, 0);
}

/**
 * navigate shows another page. Unless force is set (after a save or a delete), unsaved changes
 * are confirmed first; it resolves false when the person stayed.
 */
export async function navigate(to: string, replace = false, force = false): Promise<boolean> {
  if (to === location.pathname + location.search) return true;
  // Changing the query of the same page (filters, paging) does not leave it.
  const samePage = to.split('?')[0] === location.pathname;
  if (!force && !samePage && !(await mayLeave())) return false;
  go(to, replace);
  return true;
}

window.addEventListener('popstate', () => {
  const to = location.pathname + location.search;
  if (location.pathname === here.split('?')[0]) return sync();
  // Back or Forward with unsaved changes: show the page's address again, then ask.
  const from = here;
  history.pushState(null, '', from);
  void mayLeave().then((ok) => {
    if (ok) go(to, false);
  });
});

/** match returns the parameters of pattern ("/users/:id") in path, or null. */
export function match(pattern: string, path: string): Record<string, string> | null {
  const p = pattern.split('/').filter(Boolean);
  const s = path.split('/').filter(Boolean);
  if (p.length !== s.length) return null;
  const out: Record<string, string> = {};
  for (let i = 0; i < p.length; i++) {
    if (p[i].startsWith(':')) out[p[i].slice(1)] = decodeURIComponent(s[i]);
    else if (p[i] !== s[i]) return null;
  }
  return out;
}

/** Links inside the console navigate without reloading the page. */
export function link(node: HTMLAnchorElement): void {
  node.addEventListener('click', (e) => {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    const href = node.getAttribute('href');
    if (!href || !href.startsWith('/')) return;
    e.preventDefault();
    void navigate(href);
  });
}
