import { formatNumber, intlLocale, t } from './i18n.svelte';
import type { AccountType, Status } from './types';

export const accountTypes: AccountType[] = ['internal', 'external', 'config_admin', 'super_admin', 'one_time'];
export const statuses: Status[] = ['created', 'pending', 'active'];

export function accountTypeLabel(t_: AccountType | string): string {
  switch (t_) {
    case 'internal':
      return t('Internal');
    case 'external':
      return t('External');
    case 'config_admin':
      return t('Config admin');
    case 'super_admin':
      return t('Super admin');
    case 'one_time':
      return t('1-time completion');
  }
  return String(t_);
}

export function statusLabel(s: Status | string): string {
  switch (s) {
    case 'created':
      return t('Created');
    case 'pending':
      return t('Pending');
    case 'active':
      return t('Active');
  }
  return String(s);
}

/** when formats an API timestamp for people: "25 Nov 2026, 14:05", or a dash. */
export function when(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime()) || d.getFullYear() < 1971) return '—';
  return dateTime(d);
}

// Welsh month abbreviations, for browsers whose Intl has no Welsh date data (Debian's Chromium
// has Welsh plural rules but formats 'cy' dates as American English).
const welshMonths = ['Ion', 'Chwef', 'Maw', 'Ebr', 'Mai', 'Meh', 'Gorff', 'Awst', 'Medi', 'Hyd', 'Tach', 'Rhag'];
const options: Intl.DateTimeFormatOptions = { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit' };

/** dateTime writes d with Intl.DateTimeFormat in the console's language ("4 Rhag 2026, 14:05"). */
export function dateTime(d: Date): string {
  const loc = intlLocale();
  if (loc === 'en-GB' || Intl.DateTimeFormat.supportedLocalesOf([loc]).length > 0) return new Intl.DateTimeFormat(loc, options).format(d);
  // Day, month, year and time as en-GB writes them, with the Welsh month.
  return new Intl.DateTimeFormat('en-GB', options)
    .formatToParts(d)
    .map((p) => (p.type === 'month' ? welshMonths[d.getMonth()] : p.value))
    .join('');
}

/** plural picks the singular or plural form for n. */
export function plural(n: number, one: string, many: string): string {
  return `${formatNumber(n)} ${n === 1 ? one : many}`;
}
