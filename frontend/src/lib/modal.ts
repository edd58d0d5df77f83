// modal is a Svelte action for dialogs: it moves focus into the dialog, keeps Tab and
// Shift+Tab inside it, closes it on Escape, and gives focus back to what had it before.
//   <div role="dialog" aria-modal="true" use:modal={() => (open = false)}>

const focusable =
  'a[href], button:not([disabled]), input:not([disabled]):not([type="hidden"]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

export function modal(node: HTMLElement, close: () => void) {
  let onClose = close;
  const before = document.activeElement as HTMLElement | null;
  const items = () => [...node.querySelectorAll<HTMLElement>(focusable)].filter((e) => e.offsetParent !== null || e === document.activeElement);

  function keydown(e: KeyboardEvent) {
    if (e.key === 'Escape') {
      e.preventDefault();
      e.stopPropagation();
      onClose();
      return;
    }
    if (e.key !== 'Tab') return;
    const list = items();
    if (list.length === 0) {
      e.preventDefault();
      return;
    }
    const first = list[0];
    const last = list[list.length - 1];
    const active = document.activeElement;
    if (e.shiftKey && (active === first || !node.contains(active))) {
      e.preventDefault();
      last.focus();
    } else if (!e.shiftKey && (active === last || !node.contains(active))) {
      e.preventDefault();
      first.focus();
    }
  }

  // Focus the first field, else the default (primary) button, else the first control.
  queueMicrotask(() => {
    if (node.contains(document.activeElement)) return;
    const list = items();
    const target = list.find((e) => e.matches('input, select, textarea')) ?? node.querySelector<HTMLElement>('button.primary') ?? list[0];
    (target ?? node).focus();
  });
  document.addEventListener('keydown', keydown, true);
  return {
    update(next: () => void) {
      onClose = next;
    },
    destroy() {
      document.removeEventListener('keydown', keydown, true);
      if (before && document.contains(before)) before.focus();
    },
  };
}
