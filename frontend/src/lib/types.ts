// Shapes of the Userdesk API (SPEC §7). Field names are the API's, camelCase.

export type AccountType = 'internal' | 'external' | 'config_admin' | 'super_admin' | 'one_time';
export type Status = 'created' | 'pending' | 'active';

export interface Grant {
  roleId: string;
  unitId: string;
}

export interface User {
  id: string;
  version: number;
  username: string;
  email: string;
  emailSameAsUsername: boolean;
  accountType: AccountType;
  status: Status;
  enabled: boolean;
  allowLogin: boolean;
  isExternal: boolean;
  identityProvider: string;
  /** Absent when the signed-in admin has no access to the user's primary organisation (seed 004). */
  authUrl?: string;
  localId: string;
  connectorManaged: boolean;
  leaver: boolean;
  title: string;
  firstName: string;
  lastName: string;
  displayName: string;
  displayNameSet: boolean;
  phone: string;
  mobile: string;
  jobTitle: string;
  department: string;
  language: string;
  dateFormat: string;
  timeFormat: string;
  clinicalSpecialities: string[];
  clinicalRoles: string[];
  workAreas: string[];
  unitId: string;
  primaryOrgId: string;
  orgIds: string[];
  adminRoles: Grant[];
  mailboxSizeMb: number;
  roleIds: string[];
  createdAt: string;
  updatedAt: string;
  updatedBy: string;
  lastLoginAt: string | null;
  activationSentAt: string | null;
  activatedAt: string | null;
}

export interface Capability {
  editable: boolean;
  reason?: string;
  /** The reason's code and parameters (app/reasons.go), for writing it in the console's language. */
  reasonCode?: string;
  reasonParams?: string[];
}

export interface ActionCapability {
  allowed: boolean;
  reason?: string;
  reasonCode?: string;
  reasonParams?: string[];
}

export interface Capabilities {
  fields: Record<string, Capability>;
  actions: Record<string, ActionCapability>;
}

export interface UserView extends User {
  capabilities: Capabilities;
  warnings?: string[];
  /** Fields left out because the signed-in admin may not see them: the page does not show them. */
  hidden?: string[];
}

export interface UserSummary {
  id: string;
  displayName: string;
  firstName: string;
  lastName: string;
  username: string;
  email: string;
  localId: string;
  accountType: AccountType;
  status: Status;
  enabled: boolean;
  allowLogin: boolean;
  isExternal: boolean;
  connectorManaged: boolean;
  leaver: boolean;
  unitId: string;
  primaryOrgId: string;
  lastLoginAt: string | null;
  updatedAt: string;
}

export interface OrgSettings {
  ssoEnabled: boolean;
  identityProvider: string;
  authUrl: string;
  allowDatetimeFormatChange: boolean;
  usernamePolicy: 'editable' | 'after-activation' | 'locked';
  languages: string[];
}

export interface Unit {
  id: string;
  name: string;
  parentId: string;
  kind: 'organisation' | 'ou';
  settings?: OrgSettings;
}

export interface Role {
  id: string;
  name: string;
  kind: 'config' | 'admin';
  description: string;
  permissions: string[];
  /** For a config role the actor may not give or take away: why. */
  grantReason?: string;
  grantReasonCode?: string;
  grantReasonParams?: string[];
}

export interface PermissionInfo {
  id: string;
  label: string;
  description: string;
  scoped: boolean;
}

export interface RefItem {
  id: string;
  name: string;
}

export type ReferenceLists = Record<'clinicalSpecialities' | 'clinicalRoles' | 'workAreas', RefItem[]>;

export interface FieldChange {
  field: string;
  before: unknown;
  after: unknown;
  /** The server's one formatter writes the values for people (audit records only). */
  label?: string;
  beforeText?: string;
  afterText?: string;
}

export interface AuditRecord {
  id: string;
  at: string;
  actorId: string;
  actorEmail: string;
  source: string;
  action: string;
  targetType: string;
  targetId: string;
  targetName: string;
  actionLabel?: string;
  targetLabel?: string;
  changes?: FieldChange[];
  /** token names the API token the actor acted through, if any. */
  token?: string;
}

export interface SessionInfo {
  user: User;
  csrfToken: string;
  permissions: string[];
}

/** An API token of mine, as GET /me/tokens lists it (never its secret). */
export interface APIToken {
  id: string;
  name: string;
  userId: string;
  hint: string;
  permissions: string[];
  unitId: string;
  unitName?: string;
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  expired: boolean;
}
