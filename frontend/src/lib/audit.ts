// Audit records as people read them. The server writes every value (app/core/auditview.go:
// the one formatter, shared with the audit CSV); the console only translates the fixed words
// it uses (server-labels.json, each with Welsh text) and leaves names as they are.

import { fieldLabel, isUserField } from './fields';
import { t } from './i18n.svelte';
import serverLabels from './messages/server-labels.json';
import type { AuditRecord, FieldChange } from './types';

const fixed = new Set(serverLabels as string[]);

/** word translates a fixed word of the server's, and leaves data (names, values) alone. */
export function word(text: string | undefined | null): string {
  if (!text) return '—';
  return fixed.has(text) ? t(text) : text;
}

export function actionText(r: AuditRecord): string {
  return word(r.actionLabel || r.action);
}

export function targetText(r: AuditRecord): string {
  return r.targetLabel || r.targetName || r.targetId || '—';
}

export function changeLabel(c: FieldChange): string {
  // Fields of other records (a role's name, an API token's unit) read as the server names them.
  return !isUserField(c.field) && c.label ? word(c.label) : fieldLabel(c.field);
}

export function beforeText(c: FieldChange): string {
  return word(c.beforeText ?? String(c.before ?? '—'));
}

export function afterText(c: FieldChange): string {
  return word(c.afterText ?? String(c.after ?? '—'));
}

const sources: Record<string, string> = {
  console: 'Console',
  import: 'Import',
  cli: 'Command line',
  system: 'System',
  scim: 'Identity provider (SCIM)',
  api: 'API token',
};

export function sourceText(s: string): string {
  return sources[s] ? t(sources[s]) : s;
}
