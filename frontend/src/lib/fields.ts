import { t } from './i18n.svelte';

// Labels of user fields exactly as SPEC §2 and §4 name them, for forms, diffs and errors.
const labels: Record<string, string> = {
  username: 'Username',
  email: 'Email',
  emailSameAsUsername: 'Same as username',
  accountType: 'Account type',
  status: 'Status',
  enabled: 'Account enabled',
  allowLogin: 'Allow login',
  isExternal: 'Is external (SSO) user',
  identityProvider: 'Identity provider',
  authUrl: 'Authentication URL',
  localId: 'Local ID',
  connectorManaged: 'Connector managed',
  title: 'Title',
  firstName: 'First name',
  lastName: 'Last name',
  displayName: 'Display name',
  phone: 'Phone',
  mobile: 'Mobile',
  jobTitle: 'Job title',
  department: 'Department',
  language: 'Language',
  dateFormat: 'Date format',
  timeFormat: 'Time format',
  clinicalSpecialities: 'Clinical specialities',
  clinicalRoles: 'Clinical roles',
  workAreas: 'Work areas',
  unitId: 'Home OU',
  primaryOrgId: 'Primary organisation',
  orgIds: 'Other organisations',
  adminRoles: 'Admin roles',
  mailboxSizeMb: 'Mailbox size (MB)',
  roleIds: 'Roles',
  activationEmail: 'Activation email',
};

export function fieldLabel(field: string): string {
  return t(labels[field] ?? field);
}

/** isUserField says whether field is a user field this module names. */
export function isUserField(field: string): boolean {
  return field in labels;
}

/** The fields an admin edits on the User Details page, in page order. */
export const editableFields = [
  'username', 'email', 'emailSameAsUsername', 'accountType', 'enabled', 'allowLogin', 'isExternal', 'identityProvider',
  'authUrl', 'localId', 'connectorManaged', 'title', 'firstName', 'lastName', 'displayName', 'phone', 'mobile', 'jobTitle',
  'department', 'language', 'dateFormat', 'timeFormat', 'clinicalSpecialities', 'clinicalRoles', 'workAreas', 'unitId',
  'primaryOrgId', 'orgIds', 'adminRoles', 'mailboxSizeMb', 'roleIds',
] as const;

export type EditableField = (typeof editableFields)[number];

/** same compares two field values the way the server does (lists and objects by content). */
export function same(a: unknown, b: unknown): boolean {
  const x = a ?? null;
  const y = b ?? null;
  if (Array.isArray(x) || Array.isArray(y)) return JSON.stringify(x ?? []) === JSON.stringify(y ?? []);
  return JSON.stringify(x) === JSON.stringify(y);
}

/** changedFields lists the editable fields whose values differ between two user records. */
export function changedFields(before: Record<string, unknown>, after: Record<string, unknown>): EditableField[] {
  return editableFields.filter((f) => !same(before[f], after[f]));
}
