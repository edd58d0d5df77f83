import { describe, expect, it } from 'vitest';
import { landing } from './landing';

const as = (...perms: string[]) => (p: string) => perms.includes(p);

describe('landing', () => {
  it('sends each persona to the first page their rights allow', () => {
    expect(landing(as('users.view', 'audit.view'))).toBe('/users');
    expect(landing(as('audit.view', 'users.import'))).toBe('/imports');
    expect(landing(as('audit.view'))).toBe('/audit');
    // A Config admin with directory or role rights only: Configuration, not an empty Users page.
    expect(landing(as('config.units', 'config.reference'))).toBe('/configuration');
    expect(landing(as('config.roles'))).toBe('/configuration');
  });
  it('has no page for an account without rights', () => {
    expect(landing(as())).toBe('');
  });
});
