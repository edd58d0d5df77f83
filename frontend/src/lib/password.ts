// The password rules as the server states them (app/password): the console asks the server
// while the user types and shows its reason under the field, in the user's language by the
// reason's code. Nothing is decided here that the server does not enforce.
import { api } from './api';
import { t } from './i18n.svelte';

export interface PasswordVerdict {
  ok: boolean;
  code?: string;
  message?: string;
}

/** passwordReason says a refusal in the user's language (the server's sentence for a code it does not know). */
export function passwordReason(code: string | undefined, message = ''): string {
  switch (code) {
    case 'invalid-text':
      return t('This password has bytes that aren’t text (invalid UTF-8): type it again.');
    case 'too-short':
      return t('Use at least 12 characters; a few unrelated words work well.');
    case 'too-long':
      return t('Use at most 256 characters.');
    case 'common':
      return t('This is one of the most common passwords: choose something less predictable.');
    case 'contains-username':
      return t('Don’t use your username in your password.');
    case 'personal':
      return t('Don’t build your password on your name, username or organisation.');
    case 'repeat':
      return t('Repeated characters or words are easy to guess: use a few unrelated words.');
    case 'sequence':
      return t('Sequences like 1234 or abcd are easy to guess: use a few unrelated words.');
    case 'keyboard':
      return t('Keyboard patterns like qwerty are easy to guess: use a few unrelated words.');
    case 'guessable':
      return t('This password would be easy to guess (common words, names, dates or swapped letters): add another unrelated word.');
  }
  return message;
}

/**
 * passwordChecker returns a function to call with each new value of the field: it asks the
 * server at checkPath once typing pauses and hands the verdict to onVerdict (null for an empty
 * field); answers to older values are dropped.
 */
export function passwordChecker(checkPath: string, onVerdict: (v: PasswordVerdict | null) => void, delay = 250) {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let seq = 0;
  return (password: string) => {
    clearTimeout(timer);
    const mine = ++seq;
    if (!password) {
      onVerdict(null);
      return;
    }
    timer = setTimeout(async () => {
      try {
        const v = await api.post<PasswordVerdict>(checkPath, { password });
        if (mine === seq) onVerdict(v);
      } catch {
        // The form's own answer says what is wrong when it is sent.
      }
    }, delay);
  };
}
