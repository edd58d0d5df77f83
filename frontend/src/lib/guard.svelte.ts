// The unsaved-changes guard. A form registers a function that names its unsaved changes
// (an empty list when there are none); leaving the page in the console (a link, the sidebar,
// Back, signing out, another tab of Configuration) then asks with the app's dialog first, and
// closing or reloading the browser tab asks through the browser's own beforeunload prompt.

import { confirmAction } from './dialog.svelte';
import { t } from './i18n.svelte';

type Pending = () => string[];
const forms = new Set<Pending>();

/** guardUnsaved registers a form; call the returned function when the form goes away. */
export function guardUnsaved(pending: Pending): () => void {
  forms.add(pending);
  return () => forms.delete(pending);
}

/** unsaved lists every unsaved change of every registered form. */
export function unsaved(): string[] {
  return [...forms].flatMap((f) => f());
}

/**
 * mayLeave resolves true when there is nothing unsaved, or when the person chose to leave
 * without saving; false when they chose to stay.
 */
export async function mayLeave(): Promise<boolean> {
  const list = unsaved();
  if (list.length === 0) return true;
  return confirmAction(
    t('Leave without saving?'),
    t('You have unsaved changes ({fields}). If you leave now, they are lost.', { fields: list.join(', ') }),
    t('Leave without saving'),
    t('Stay on this page'),
    true,
  );
}

if (typeof window !== 'undefined') {
  window.addEventListener('beforeunload', (e) => {
    if (unsaved().length === 0) return;
    e.preventDefault();
    e.returnValue = '';
  });
}
