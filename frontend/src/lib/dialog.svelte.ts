// One dialog for every confirmation in the console. ask() shows the app's own dialog (never
// the browser's confirm()) and resolves with the value of the button chosen, or null when the
// dialog is dismissed (Cancel or Escape). ConfirmDialog.svelte, mounted once in App.svelte,
// renders the request.

export interface Choice<T = string> {
  label: string;
  value: T;
  /** primary is the default button; danger marks a destructive one. */
  kind?: 'primary' | 'danger' | '';
}

export interface DialogRequest {
  title: string;
  body: string;
  choices: Choice<unknown>[];
  cancel: string;
  resolve: (v: unknown) => void;
}

export const dialogs = $state<{ current: DialogRequest | null }>({ current: null });

/** ask shows a dialog with choices and resolves with the chosen value, or null on Cancel. */
export function ask<T>(title: string, body: string, choices: Choice<T>[], cancel: string): Promise<T | null> {
  // A second request replaces an unanswered one (which counts as cancelled).
  dialogs.current?.resolve(null);
  return new Promise<T | null>((resolve) => {
    dialogs.current = { title, body, choices: choices as Choice<unknown>[], cancel, resolve: resolve as (v: unknown) => void };
  });
}

/** confirmAction asks a yes/no question; true when the action button was chosen. */
export async function confirmAction(title: string, body: string, action: string, cancel: string, danger = false): Promise<boolean> {
  return (await ask(title, body, [{ label: action, value: true, kind: danger ? 'danger' : 'primary' }], cancel)) === true;
}

/** answer closes the dialog with a value (null for Cancel). */
export function answer(v: unknown): void {
  const d = dialogs.current;
  dialogs.current = null;
  d?.resolve(v);
}
