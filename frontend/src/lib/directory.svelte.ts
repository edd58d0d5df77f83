// Directory data that many pages share: the unit tree, roles and reference lists the actor can
// see. Loaded once per sign-in and reloaded when the server says something changed.

import { api } from './api';
import { compareNames } from './sort';
import type { ReferenceLists, Role, Unit } from './types';

export const directory = $state<{ units: Unit[]; roles: Role[]; refs: ReferenceLists; loaded: boolean; maxConfigRoles: number }>({
  units: [],
  roles: [],
  maxConfigRoles: 25,
  refs: { clinicalSpecialities: [], clinicalRoles: [], workAreas: [] },
  loaded: false,
});

let pending: Promise<void> | null = null;

export function loadDirectory(force = false): Promise<void> {
  if (pending && !force) return pending;
  pending = (async () => {
    const [units, roles, refs] = await Promise.all([
      api.get<{ items: Unit[] }>('/units'),
      api.get<{ items: Role[]; maxConfigRoles?: number }>('/roles'),
      api.get<Partial<ReferenceLists>>('/reference'),
    ]);
    directory.units = units.items;
    directory.roles = roles.items;
    directory.maxConfigRoles = roles.maxConfigRoles ?? 25;
    directory.refs = { clinicalSpecialities: [], clinicalRoles: [], workAreas: [], ...refs };
    directory.loaded = true;
  })();
  pending.catch(() => (pending = null));
  return pending;
}

export function unitName(id: string): string {
  return directory.units.find((u) => u.id === id)?.name ?? '';
}

export function roleName(id: string): string {
  return directory.roles.find((r) => r.id === id)?.name ?? id;
}

/** orgOf returns the organisation (top-level unit) id that unit id belongs to. */
export function orgOf(id: string): string {
  const byId = new Map(directory.units.map((u) => [u.id, u]));
  let u = byId.get(id);
  for (let i = 0; u && u.parentId && i < 1000; i++) u = byId.get(u.parentId);
  return u?.id ?? '';
}

export interface TreeRow {
  unit: Unit;
  depth: number;
  hasChildren: boolean;
}

/** flatten lists units depth-first under root ("" for all), in name order. */
export function flatten(units: Unit[], root = ''): TreeRow[] {
  const children = new Map<string, Unit[]>();
  const ids = new Set(units.map((u) => u.id));
  for (const u of units) {
    // A unit whose parent the actor cannot see shows at the top.
    const p = u.parentId && ids.has(u.parentId) ? u.parentId : '';
    if (!children.has(p)) children.set(p, []);
    children.get(p)!.push(u);
  }
  for (const list of children.values()) list.sort((a, b) => compareNames(a.name, b.name));
  const out: TreeRow[] = [];
  const walk = (parent: string, depth: number) => {
    for (const u of children.get(parent) ?? []) {
      out.push({ unit: u, depth, hasChildren: (children.get(u.id)?.length ?? 0) > 0 });
      walk(u.id, depth + 1);
    }
  };
  if (root) {
    const r = units.find((u) => u.id === root);
    if (r) {
      out.push({ unit: r, depth: 0, hasChildren: (children.get(r.id)?.length ?? 0) > 0 });
      walk(r.id, 1);
    }
  } else walk('', 0);
  return out;
}

/** unitPath is "Org › Division › Unit" for a unit id. */
export function unitPath(id: string): string {
  const byId = new Map(directory.units.map((u) => [u.id, u]));
  const parts: string[] = [];
  let u = byId.get(id);
  for (let i = 0; u && i < 1000; i++) {
    parts.unshift(u.name);
    u = u.parentId ? byId.get(u.parentId) : undefined;
  }
  return parts.join(' › ');
}
