// Where a person lands after signing in: the first page their rights allow, in the order of the
// sidebar, or the "no access yet" page ('').

export const configPermissions = ['config.units', 'config.roles', 'config.reference', 'config.settings'];

export function landing(can: (permission: string) => boolean): string {
  if (can('users.view')) return '/users';
  if (can('users.import')) return '/imports';
  if (can('audit.view')) return '/audit';
  if (configPermissions.some(can)) return '/configuration';
  return '';
}
