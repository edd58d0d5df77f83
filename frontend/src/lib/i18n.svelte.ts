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

// The signed-in user's language for this tab, else the language last chosen on the sign-in
// page in this browser.
const stored =
  (typeof sessionStorage === 'undefined' ? null : sessionStorage.getItem('userdesk.lang')) ??
  (typeof localStorage === 'undefined' ? null : localStorage.getItem('userdesk.signin-lang'));
export const locale = $state({ lang: (stored === 'cy' ? 'cy' : 'en') as Lang });
if (typeof document !== 'undefined') document.documentElement.lang = locale.lang;

/** chooseLanguage is the sign-in page's choice: used at once and remembered in this browser. */
export function chooseLanguage(lang: string): void {
  setLanguage(lang);
  if (typeof localStorage !== 'undefined') localStorage.setItem('userdesk.signin-lang', locale.lang);
}

export function setLanguage(lang: string): void {
  const l: Lang = lang === 'cy' ? 'cy' : 'en';
  locale.lang = l;
  if (typeof sessionStorage !== 'undefined') sessionStorage.setItem('userdesk.lang', l);
  if (typeof document !== 'undefined') document.documentElement.lang = l;
}

/** intlLocale is the BCP 47 locale for Intl formatters in the console's language. */
export function intlLocale(): string {
  return locale.lang === 'cy' ? 'cy-GB' : 'en-GB';
}

/** formatNumber writes n for people in the console's language ("12,500"). */
export function formatNumber(n: number): string {
  return n.toLocaleString(intlLocale());
}

/**
 * plural picks a branch of an ICU-style plural message for n with the language's plural
 * rules (Intl.PluralRules): "{n, plural, =0 {…} zero {…} one {…} two {…} few {…} many {…}
 * other {…}}". Welsh has all six categories. An exact "=n" branch wins over a category.
 */
export function plural(message: string, n: number, lang: Lang = locale.lang): string {
  const m = /^\{\s*\w+\s*,\s*plural\s*,/.exec(message);
  if (!m || !message.endsWith('}')) return message;
  const branches = new Map<string, string>();
  const body = message.slice(m[0].length, -1);
  let i = 0;
  while (i < body.length) {
    const key = /^\s*(=\d+|zero|one|two|few|many|other)\s*\{/.exec(body.slice(i));
    if (!key) break;
    i += key[0].length;
    let depth = 1;
    let j = i;
    for (; j < body.length && depth > 0; j++) {
      if (body[j] === '{') depth++;
      else if (body[j] === '}') depth--;
    }
    branches.set(key[1], body.slice(i, j - 1));
    i = j;
  }
  const exact = branches.get('=' + n);
  if (exact !== undefined) return exact;
  const category = new Intl.PluralRules(lang === 'cy' ? 'cy' : 'en').select(n);
  return branches.get(category) ?? branches.get('other') ?? message;
}

/**
 * tn picks the singular or plural message for the count n and translates it like t, with {n}
 * filled in. The English keys are a singular and a plural; a translation of the plural key may
 * be an ICU-style plural message (see plural), chosen by that language's plural rules — Welsh
 * has six forms. Without one, the language's rules pick the singular key for "one" only.
 */
export function tn(one: string, other: string, n: number, params?: Record<string, string | number>): string {
  const vars = { ...params, n: formatNumber(n) };
  const translated = catalogues[locale.lang][other];
  if (translated && /^\{\s*\w+\s*,\s*plural\s*,/.test(translated)) return fill(plural(translated, n), vars);
  const category = new Intl.PluralRules(locale.lang === 'cy' ? 'cy' : 'en').select(n);
  return t(category === 'one' ? one : other, vars);
}

function fill(s: string, params?: Record<string, string | number>): string {
  if (params) for (const [k, v] of Object.entries(params)) s = s.replaceAll(`{${k}}`, String(v));
  return s;
}

/** t translates text and fills {name} placeholders from params. */
export function t(text: string, params?: Record<string, string | number>): string {
  return fill(catalogues[locale.lang][text] ?? text, params);
}
