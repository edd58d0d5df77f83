// The console's message catalogue. Strings are written in English in the code and looked up
// here for other languages; a string without a translation shows in English. The language is
// fixed at sign-in (SPEC §4: a change takes effect at the next sign-in).

import { cy } from './messages/cy';

export type Lang = 'en' | 'cy';
export const languages: { id: Lang; name: string }[] = [
  { id: 'en', name: 'English' },
  { id: 'cy', name: 'Cymraeg' },
];

const catalogues: Record<Lang, Record<string, string>> = { en: {}, cy };

const stored = typeof sessionStorage === 'undefined' ? null : sessionStorage.getItem('userdesk.lang');
export const locale = $state({ lang: (stored === 'cy' ? 'cy' : 'en') as Lang });

export function setLanguage(lang: string): void {
  const l: Lang = lang === 'cy' ? 'cy' : 'en';
  locale.lang = l;
  if (typeof sessionStorage !== 'undefined') sessionStorage.setItem('userdesk.lang', l);
  if (typeof document !== 'undefined') document.documentElement.lang = l;
}

/**
 * tn picks the English singular or plural message for the count n, then translates it like t,
 * with {n} filled in. Both forms are in the catalogue (Welsh puts the singular noun after a
 * number, so its two entries often read the same).
 */
export function tn(one: string, other: string, n: number, params?: Record<string, string | number>): string {
  return t(n === 1 ? one : other, { ...params, n: n.toLocaleString('en-GB') });
}

/** t translates text and fills {name} placeholders from params. */
export function t(text: string, params?: Record<string, string | number>): string {
  let s = catalogues[locale.lang][text] ?? text;
  if (params) for (const [k, v] of Object.entries(params)) s = s.replaceAll(`{${k}}`, String(v));
  return s;
}
