// Notifications: a success or failure message that says what happened and, on failure, what
// to do. Successes fade after a few seconds; failures stay for twenty seconds or until dismissed.

export interface Toast {
  id: number;
  kind: 'success' | 'warn' | 'error' | 'info';
  title: string;
  detail?: string;
}

export const toasts = $state<Toast[]>([]);
let next = 1;

// notify shows a notification and returns its id (for dismiss).
export function notify(kind: Toast['kind'], title: string, detail?: string): number {
  const id = next++;
  toasts.push({ id, kind, title, detail });
  // Failures stay long enough to be read and acted on; they can be dismissed at once.
  setTimeout(() => dismiss(id), kind === 'error' ? 20000 : 6000);
  return id;
}

export function dismiss(id: number): void {
  const i = toasts.findIndex((t) => t.id === id);
  if (i >= 0) toasts.splice(i, 1);
}
