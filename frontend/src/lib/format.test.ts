import { describe, expect, it } from 'vitest';
import { setLanguage } from './i18n.svelte';
import { dateTime, when } from './format';

describe('dates in the console language', () => {
  const d = new Date(2026, 11, 4, 14, 5);
  it('writes English dates the British way', () => {
    setLanguage('en');
    expect(dateTime(d)).toBe('4 Dec 2026, 14:05');
    expect(when(null)).toBe('—');
  });
  it('writes Welsh months, with or without Welsh date data in Intl', () => {
    setLanguage('cy');
    expect(dateTime(d)).toMatch(/^4 Rhag 2026,? 14:05$/);
    setLanguage('en');
  });
});
