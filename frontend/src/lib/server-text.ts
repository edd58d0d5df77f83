// Sentences the server writes (reasons and refusals) in the console's language. The server
// answers in English and, for every sentence of its catalogue, sends the sentence's code and
// parameters beside it (reasonCode and reasonParams, detailCode, errorCodes…; app/reasons.go).
// A code names a template of server-reasons.json, whose Welsh is in reasons-cy.ts; the
// parameters (names) go into it. A sentence sent without a code is matched against the English
// templates instead; one that matches none shows in English.

import { locale } from './i18n.svelte';
import { cy } from './messages/cy';
import { reasonsCy, reasonPartsCy } from './messages/reasons-cy';
import templates from './messages/server-reasons.json';

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

const fill = (template: string, params: readonly string[]) => template.replace(/\{(\d)\}/g, (_, i) => params[Number(i)] ?? '');

// The parameters of a code that are words of the server's, not names: a permission's label or
// what the permission is needed for. They are written in the console's language too; the other
// parameters (units, roles, organisations) are names and stay as they are.
const wordParams: Record<string, number[]> = {
  'no-role-gives-x-over-x': [0],
  'no-super-admin-account-type-or': [0],
  'you-need-the-x-permission-over': [0, 2],
};
const word = (w: string) => reasonPartsCy[w] ?? (Object.hasOwn(cy, w) ? cy[w] : w);

/**
 * serverText writes a server sentence in the console's language: by its code and parameters
 * when the server sent them, else by matching the English.
 */
export function serverText(text: string | undefined | null, code?: string, params?: readonly string[]): string {
  if (!text) return '';
  if (locale.lang !== 'cy') return text;
  const template = code ? (templates as Record<string, string>)[code] : undefined;
  if (template && Object.hasOwn(reasonsCy, template)) {
    const words = wordParams[code ?? ''] ?? [];
    return fill(reasonsCy[template], (params ?? []).map((p, i) => (words.includes(i) ? word(p) : p)));
  }
  const exact = reasonsCy[text];
  if (exact) return exact;
  compiled ??= compile();
  for (const c of compiled) {
    const m = c.re.exec(text);
    if (m) return fill(c.cy, m.slice(1));
  }
  return text;
}

/** Something the server explains with a reason: a capability, a missing right. */
export interface Reasoned {
  reason?: string;
  reasonCode?: string;
  reasonParams?: string[];
}

/** reasonText is a capability's or a right's reason in the console's language ('' for none). */
export function reasonText(r: Reasoned | undefined | null): string {
  return r?.reason ? serverText(r.reason, r.reasonCode, r.reasonParams) : '';
}
