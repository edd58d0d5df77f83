// Sentences the server writes (reasons and refusals) in the console's language. The server
// answers in English; a reason is matched against the templates of server-reasons.json, and its
// parameters (names) are put into the Welsh template. A sentence without a template shows in
// English.

import { locale } from './i18n.svelte';
import { reasonsCy } from './messages/reasons-cy';

interface Compiled {
  re: RegExp;
  cy: string;
}

let compiled: Compiled[] | null = null;

function compile(): Compiled[] {
  return Object.entries(reasonsCy)
    .filter(([en]) => /\{\d\}/.test(en))
    .map(([en, cy]) => {
      const pattern = en
        .split(/(\{\d\})/)
        .map((part) => (/^\{\d\}$/.test(part) ? '(.+?)' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
        .join('');
      return { re: new RegExp('^' + pattern + '$'), cy };
    });
}

/** serverText writes a server sentence in the console's language. */
export function serverText(text: string | undefined | null): string {
  if (!text) return '';
  if (locale.lang !== 'cy') return text;
  const exact = reasonsCy[text];
  if (exact) return exact;
  compiled ??= compile();
  for (const c of compiled) {
    const m = c.re.exec(text);
    if (m) return c.cy.replace(/\{(\d)\}/g, (_, i) => m[Number(i) + 1] ?? '');
  }
  return text;
}
