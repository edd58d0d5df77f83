import { describe, expect, it } from 'vitest';
import { locale, setLanguage, t } from './i18n.svelte';

describe('t', () => {
  it('fills placeholders', () => {
    setLanguage('en');
    expect(t('{n} users', { n: 3 })).toBe('3 users');
  });
  it('translates to Welsh and falls back to English', () => {
    setLanguage('cy');
    expect(locale.lang).toBe('cy');
    expect(t('Sign in')).toBe('Mewngofnodi');
    expect(t('A sentence with no translation')).toBe('A sentence with no translation');
    setLanguage('xx');
    expect(locale.lang).toBe('en');
    expect(t('Sign in')).toBe('Sign in');
  });
});
