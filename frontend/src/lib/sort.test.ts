import { describe, expect, it } from 'vitest';
import { byName, compareNames } from './sort';

describe('natural sort of names', () => {
  it('puts 2 before 10', () => {
    const names = ['Role 1', 'Role 10', 'Role 11', 'Role 2', 'role 3', 'Auditor'];
    expect(byName(names.map((name) => ({ name }))).map((r) => r.name)).toEqual(['Auditor', 'Role 1', 'Role 2', 'role 3', 'Role 10', 'Role 11']);
  });
  it('ignores case and accents for order', () => {
    expect(compareNames('émile', 'Emile')).toBe(0);
  });
});
