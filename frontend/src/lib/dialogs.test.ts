import { describe, expect, it } from 'vitest';

// One dialog component for every dialog and confirmation (issue #20): the frame, its role and
// its modal behaviour live in components/Dialog.svelte, so no other file builds its own.
const sources = import.meta.glob('../**/*.svelte', { query: '?raw', import: 'default', eager: true }) as Record<string, string>;

describe('dialogs', () => {
  it('are all built on Dialog.svelte', () => {
    const own = Object.entries(sources)
      .filter(([file]) => !file.endsWith('/Dialog.svelte'))
      .filter(([, src]) => /role="(alert)?dialog"|class="overlay"|use:modal/.test(src))
      .map(([file]) => file);
    expect(own).toEqual([]);
    expect(Object.keys(sources).length).toBeGreaterThan(10);
  });
});
