import { describe, expect, it } from 'vitest';
import { setLanguage } from './i18n.svelte';
import reasons from './messages/server-reasons.json';
import { reasonsCy } from './messages/reasons-cy';
import { placeholders } from './messages/extract';
import { serverText } from './server-text';

describe('server reasons in Welsh', () => {
  it('every reason the authorizer can give has Welsh text', () => {
    const missing = (reasons as string[]).filter((r) => !Object.hasOwn(reasonsCy, r));
    expect(missing, `reasons missing from src/lib/messages/reasons-cy.ts:\n${missing.join('\n')}\n`).toEqual([]);
  });
  it('keeps the parameters of every reason', () => {
    const wrong = Object.entries(reasonsCy).filter(([en, cy]) => placeholders(en).join() !== placeholders(cy).join());
    expect(wrong).toEqual([]);
  });
  it('translates a reason with its parameters, and leaves English alone', () => {
    setLanguage('cy');
    expect(serverText('You need the Move users permission over Cardiology to move this account.')).toBe(
      'Mae angen y caniatâd Symud defnyddwyr dros Cardiology arnoch i symud y cyfrif hwn.',
    );
    expect(serverText('This account holds rights you do not have (Organisation admin over Northgate).')).toBe(
      'Mae gan y cyfrif hwn hawliau nad oes gennych (Organisation admin over Northgate).',
    );
    expect(serverText('A sentence the console does not know.')).toBe('A sentence the console does not know.');
    setLanguage('en');
    expect(serverText('You need the Move users permission over Cardiology to move this account.')).toBe(
      'You need the Move users permission over Cardiology to move this account.',
    );
  });
});
