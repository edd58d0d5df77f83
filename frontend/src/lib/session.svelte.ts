// The signed-in user, their effective permissions, and the live event stream that tells this
// console when their rights or an open user changed.

import { ApiError, api, setCsrfToken } from './api';
import { setLanguage } from './i18n.svelte';
import type { SessionInfo, User } from './types';

export const session = $state<{ user: User | null; permissions: string[]; ready: boolean; rightsVersion: number; notice: string }>({
  user: null,
  permissions: [],
  ready: false,
  rightsVersion: 0,
  // notice is shown on the sign-in page (a demo kiosk's reset sends every console there).
  notice: '',
});

/** Listeners for server-sent events, by event type. */
type Listener = (data: unknown) => void;
const listeners = new Map<string, Set<Listener>>();
let source: EventSource | null = null;

export function onEvent(type: string, fn: Listener): () => void {
  if (!listeners.has(type)) listeners.set(type, new Set());
  listeners.get(type)!.add(fn);
  return () => listeners.get(type)?.delete(fn);
}

function emit(type: string, data: unknown): void {
  listeners.get(type)?.forEach((fn) => fn(data));
}

function openEvents(): void {
  source?.close();
  source = new EventSource('/api/v1/events');
  // The server ends the stream when its session ends (signed out elsewhere, expired, ended by
  // an admin, a password change): back to the sign-in page rather than reconnecting.
  source.addEventListener('session.ended', () => {
    source?.close();
    source = null;
    session.user = null;
    session.permissions = [];
  });
  for (const type of ['rights', 'user', 'import.progress', 'import.done', 'mail', 'kiosk.reset']) {
    source.addEventListener(type, (e) => {
      let data: unknown = null;
      try {
        data = JSON.parse((e as MessageEvent).data);
      } catch {
        /* keep null */
      }
      if (type === 'rights') void refreshRights();
      if (type === 'kiosk.reset') {
        // The store is back to the pristine demo and every session is gone.
        source?.close();
        source = null;
        session.user = null;
        session.permissions = [];
        session.notice = 'reset';
        history.replaceState(null, '', '/');
      }
      emit(type, data);
    });
  }
}

function adopt(info: SessionInfo): void {
  setCsrfToken(info.csrfToken);
  session.user = info.user;
  session.permissions = info.permissions ?? [];
  session.rightsVersion++;
}

/** restore picks up an existing session after a reload. */
export async function restore(): Promise<void> {
  try {
    adopt(await api.get<SessionInfo>('/session'));
    openEvents();
  } catch (e) {
    if (!(e instanceof ApiError) || e.status !== 401) console.error(e);
    session.user = null;
  } finally {
    session.ready = true;
  }
}

export async function signIn(username: string, password: string): Promise<void> {
  started(await api.post<SessionInfo>('/session', { username, password }));
}

/** signInAsPersona signs a demo kiosk's visitor in as one of its personas, without a password. */
export async function signInAsPersona(username: string): Promise<void> {
  started(await api.post<SessionInfo>(`/kiosk/personas/${encodeURIComponent(username)}/session`));
}

function started(info: SessionInfo): void {
  session.notice = '';
  setLanguage(info.user.language);
  adopt(info);
  openEvents();
}

export async function signOut(): Promise<void> {
  try {
    await api.del('/session');
  } finally {
    source?.close();
    source = null;
    session.user = null;
    session.permissions = [];
    sessionStorage.removeItem('userdesk.lang');
  }
}

/** refreshRights reloads the effective permissions after the server says they changed. */
export async function refreshRights(): Promise<void> {
  try {
    adopt(await api.get<SessionInfo>('/session'));
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) session.user = null;
  }
}

export function can(permission: string): boolean {
  return session.user?.accountType === 'super_admin' || session.permissions.includes(permission);
}
