import { describe, expect, it } from 'vitest';
import { setLanguage } from './i18n.svelte';
import reasons from './messages/server-reasons.json';
import { reasonsCy } from './messages/reasons-cy';
import { placeholders } from './messages/extract';
import { reasonText, serverText } from './server-text';

describe('server reasons in Welsh', () => {
  it('every reason the authorizer can give has Welsh text', () => {
    const missing = Object.entries(reasons as Record<string, string>)
      .filter(([, r]) => !Object.hasOwn(reasonsCy, r))
      .map(([code, r]) => `${code}: ${r}`);
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
  it('translates by the code and parameters the server sends, not by reading the English', () => {
    setLanguage('cy');
    // The code decides, whatever the English says; the parameters go in in their order.
    // A permission's label and what it is needed for are words, in Welsh; names stay as they are.
    expect(serverText('(English worded differently)', 'no-role-gives-x-over-x', ['Edit users', 'Ward 7 (St. Mary’s)'])).toBe(
      'Nid oes rôl sy’n rhoi Golygu defnyddwyr dros Ward 7 (St. Mary’s).',
    );
    expect(
      serverText('You need the Delete users permission over Cardiology to delete this account.', 'you-need-the-x-permission-over', [
        'Delete users',
        'Cardiology',
        'delete this account',
      ]),
    ).toBe('Mae angen y caniatâd Dileu defnyddwyr dros Cardiology arnoch i ddileu’r cyfrif hwn.');
    expect(reasonText({ reason: 'There is no such unit.', reasonCode: 'there-is-no-such-unit', reasonParams: [] })).toBe('Nid oes uned o’r fath.');
    // An unknown code falls back to the English sentence.
    expect(serverText('Sign in first.', 'no-such-code')).toBe('Mewngofnodwch yn gyntaf.');
    expect(reasonText(undefined)).toBe('');
    setLanguage('en');
    expect(serverText('No role gives Edit users over Ward 7.', 'no-role-gives-x-over-x', ['Edit users', 'Ward 7'])).toBe(
      'No role gives Edit users over Ward 7.',
    );
  });
});
