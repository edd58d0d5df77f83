import { locale } from './i18n.svelte';

// Names sort the way people read them: "Role 2" before "Role 10", letters by the language.

/** compareNames compares two names naturally (numbers by value), in the console's language. */
export function compareNames(a: string, b: string): number {
  return new Intl.Collator(locale.lang === 'cy' ? 'cy' : 'en-GB', { numeric: true, sensitivity: 'base' }).compare(a, b);
}

/** byName returns a copy of items sorted naturally by name. */
export function byName<T extends { name: string }>(items: T[]): T[] {
  return [...items].sort((x, y) => compareNames(x.name, y.name));
}
