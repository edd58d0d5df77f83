import { describe, expect, it } from 'vitest';
import { locale, plural, setLanguage, t, tn } from './i18n.svelte';
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

describe('plural (Intl.PluralRules, ICU-style messages)', () => {
  const six = '{n, plural, zero {Z} one {O} two {T} few {F} many {M} other {X {n}}}';
  it('gives Welsh its six forms', () => {
    expect([0, 1, 2, 3, 6, 10, 1000].map((n) => plural(six, n, 'cy'))).toEqual(['Z', 'O', 'T', 'F', 'M', 'X {n}', 'X {n}']);
  });
  it('gives English one and other', () => {
    expect([0, 1, 2, 3, 6].map((n) => plural(six, n, 'en'))).toEqual(['X {n}', 'O', 'X {n}', 'X {n}', 'X {n}']);
  });
  it('prefers an exact =n branch and keeps nested placeholders', () => {
    expect(plural('{n, plural, =0 {none} one {{n} in {unit}} other {{n} in {unit}}}', 0, 'en')).toBe('none');
    expect(plural('{n, plural, =0 {none} one {{n} in {unit}} other {{n} in {unit}}}', 4, 'en')).toBe('{n} in {unit}');
  });
  it('mutates Welsh nouns after numbers through tn', () => {
    setLanguage('cy');
    expect([1, 2, 3, 6, 10].map((n) => tn('{n} permission', '{n} permissions', n))).toEqual(['1 caniatâd', '2 ganiatâd', '3 chaniatâd', '6 chaniatâd', '10 caniatâd']);
    expect(tn('{n} user', '{n} users', 2)).toBe('2 ddefnyddiwr');
    setLanguage('en');
    expect(tn('{n} permission', '{n} permissions', 1)).toBe('1 permission');
    expect(tn('{n} permission', '{n} permissions', 0)).toBe('0 permissions');
  });
});
