import { describe, expect, it } from 'vitest';
import { changedFields, same } from './fields';

describe('same', () => {
  it('treats an empty list and a missing list alike', () => {
    expect(same(null, [])).toBe(true);
    expect(same([], null)).toBe(true);
    expect(same(['a'], [])).toBe(false);
  });
  it('compares objects by content', () => {
    expect(same([{ roleId: 'r', unitId: 'u' }], [{ roleId: 'r', unitId: 'u' }])).toBe(true);
    expect(same([{ roleId: 'r', unitId: 'u' }], [{ roleId: 'r', unitId: 'v' }])).toBe(false);
  });
  it('tells scalars apart', () => {
    expect(same('a', 'a')).toBe(true);
    expect(same('a', 'b')).toBe(false);
    expect(same(false, true)).toBe(false);
  });
});

describe('changedFields', () => {
  it('lists only edited fields in page order', () => {
    const before = { firstName: 'Ann', lastName: 'Lee', workAreas: null, mailboxSizeMb: 1024, createdAt: 'x' };
    const after = { firstName: 'Anne', lastName: 'Lee', workAreas: [], mailboxSizeMb: 2048, createdAt: 'y' };
    expect(changedFields(before, after)).toEqual(['firstName', 'mailboxSizeMb']);
  });
});
