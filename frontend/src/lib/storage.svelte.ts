// Whether the server can save changes: a (nearly) full disk makes it refuse them with 507
// Insufficient Storage, or start read-only. The console shows a banner until there is room.

import { onInsufficientStorage } from './api';

export const storage = $state({ full: false, readOnly: false });

let timer: ReturnType<typeof setTimeout> | null = null;

interface Info {
  storage?: { full?: boolean; readOnly?: boolean };
}

/** refreshStorage asks the server; while the disk is full it asks again every 15 seconds. */
export async function refreshStorage(): Promise<void> {
  try {
    const r = await fetch('/api/v1/info', { headers: { Accept: 'application/json' }, credentials: 'same-origin' });
    if (!r.ok) return;
    const info = (await r.json()) as Info;
    storage.full = !!info.storage?.full;
    storage.readOnly = !!info.storage?.readOnly;
  } catch {
    return; // not reachable: other messages say so
  } finally {
    if (timer) clearTimeout(timer);
    timer = storage.full ? setTimeout(() => void refreshStorage(), 15000) : null;
  }
}

onInsufficientStorage(() => {
  storage.full = true;
  void refreshStorage();
});
