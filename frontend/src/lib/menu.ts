// The keyboard of a menu (role=menu with role=menuitem children), as a Svelte action: opening
// it focuses its first item; arrow keys move round, Home and End go to the ends; Escape closes
// it and gives focus back to the control that opened it; Tab closes it and moves on.

export interface MenuOptions {
  /** close closes the menu. */
  close: () => void;
  /** opener finds the control that opened the menu (given the menu), focused again after Escape. */
  opener: (menu: HTMLElement) => HTMLElement | null | undefined;
}

export function menuKeys(node: HTMLElement, o: MenuOptions) {
  const items = () => [...node.querySelectorAll<HTMLElement>('[role=menuitem]')];
  queueMicrotask(() => items()[0]?.focus());
  function key(e: KeyboardEvent) {
    const list = items();
    const i = list.indexOf(document.activeElement as HTMLElement);
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      const n = list.length;
      list[(i + (e.key === 'ArrowDown' ? 1 : n - 1)) % n]?.focus();
    } else if (e.key === 'Home' || e.key === 'End') {
      e.preventDefault();
      list[e.key === 'Home' ? 0 : list.length - 1]?.focus();
    } else if (e.key === 'Escape') {
      e.preventDefault();
      const opener = o.opener(node);
      o.close();
      opener?.focus();
    } else if (e.key === 'Tab') {
      o.close();
    }
  }
  node.addEventListener('keydown', key);
  return { destroy: () => node.removeEventListener('keydown', key) };
}
