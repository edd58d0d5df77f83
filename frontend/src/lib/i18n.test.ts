import { describe, expect, it } from 'vitest';
import { locale, setLanguage, t, tn } from './i18n.svelte';
import { extractMessages } from './messages/extract';

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

describe('tn', () => {
  it('picks the singular for one and the plural otherwise, with the count formatted', () => {
    setLanguage('en');
    expect(tn('{n} user', '{n} users', 1)).toBe('1 user');
    expect(tn('{n} user', '{n} users', 0)).toBe('0 users');
    expect(tn('{n} user', '{n} users', 12500)).toBe('12,500 users');
    expect(tn('Moved {n} user to {unit}', 'Moved {n} users to {unit}', 2, { unit: 'Wards' })).toBe('Moved 2 users to Wards');
  });
  it('translates both forms', () => {
    setLanguage('cy');
    expect(tn('{n} user', '{n} users', 1)).toBe('1 defnyddiwr');
    expect(tn('{n} user', '{n} users', 3)).toBe('3 defnyddiwr');
    setLanguage('en');
  });
  it('is seen by the extractor', () => {
    expect(extractMessages(`tn('{n} row', "{n} rows", count, { a: 1 }) + tn(x, 'no', n)`)).toEqual(['{n} row', '{n} rows']);
  });
});
