// A demo kiosk (--kiosk): who a visitor can try the console as, when the demo resets, and the
// guided tasks. Outside kiosk mode the server has no /kiosk routes and kiosk.on stays false.

import { api } from './api';

export interface Persona {
  username: string;
  name: string;
  summary: string;
}

export interface KioskState {
  nextResetAt: string;
  lastResetAt: string;
  resetEvery: string;
  resetIdle: string;
  personas: Persona[];
}

export interface KioskTask {
  id: string;
  done: boolean;
}

export const kiosk = $state<{ on: boolean; state: KioskState | null }>({ on: false, state: null });

/** loadKiosk asks whether this Userdesk is a kiosk, and its state. */
export async function loadKiosk(): Promise<void> {
  try {
    const r = await fetch('/api/v1/kiosk', { headers: { Accept: 'application/json' }, credentials: 'same-origin' });
    if (!r.ok) {
      kiosk.on = false;
      return;
    }
    kiosk.state = (await r.json()) as KioskState;
    kiosk.on = true;
  } catch {
    kiosk.on = false;
  }
}

export async function resetDemo(): Promise<void> {
  await api.post('/kiosk/reset');
}

export async function kioskTasks(): Promise<KioskTask[]> {
  return (await api.get<{ items: KioskTask[] }>('/kiosk/tasks')).items;
}

/** minutesLeft is how long until the timed reset, in whole minutes (at least 0). */
export function minutesLeft(state: KioskState | null, now: number): number | null {
  if (!state?.nextResetAt || state.nextResetAt.startsWith('0001')) return null;
  return Math.max(0, Math.ceil((new Date(state.nextResetAt).getTime() - now) / 60000));
}
