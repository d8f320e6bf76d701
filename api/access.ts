/**
 * API keys and roles. Each key has an id (what audit entries and messages name — never the key
 * itself) and a role: `admin` (everything), `operator` (instances, events, schedules, and reading),
 * `worker` (the task endpoints only), `viewer` (reading only). Keys are compared as SHA-256
 * digests in constant time, against every configured key, so timing says nothing about them.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { RouteSpec } from './routes.js';

export type Role = 'admin' | 'operator' | 'worker' | 'viewer';
export const ROLES: readonly Role[] = ['admin', 'operator', 'worker', 'viewer'];

export interface ApiKey {
  id: string;
  role: Role;
  key: string;
}

/** What a route needs. */
export type Access = 'read' | 'operate' | 'work' | 'admin';

const GRANTS: Record<Role, ReadonlySet<Access>> = {
  admin: new Set(['read', 'operate', 'work', 'admin']),
  operator: new Set(['read', 'operate']),
  worker: new Set(['work']),
  viewer: new Set(['read']),
};

/** Task routes are work; reading (and validating) is read; registering definitions is admin; the rest operates. */
export function routeAccess(route: Pick<RouteSpec, 'tag' | 'method' | 'operationId'>): Access {
  if (route.tag === 'tasks') return 'work';
  if (route.method === 'get' || route.operationId === 'validateWorkflow') return 'read';
  if (route.tag === 'definitions') return 'admin';
  return 'operate';
}

export function allows(role: Role, access: Access): boolean {
  return GRANTS[role].has(access);
}

/**
 * Parses `SEGUE_API_KEYS`: comma-separated `id:role:key` entries, e.g.
 * `ops:operator:9f…,ci:admin:4b…`. Throws with a message that never repeats a key.
 */
export function parseApiKeys(text: string): ApiKey[] {
  const keys: ApiKey[] = [];
  for (const [index, entry] of text.split(',').map((e) => e.trim()).filter(Boolean).entries()) {
    const [id, role, ...rest] = entry.split(':');
    const key = rest.join(':');
    if (!id || !role || !key) throw new Error(`SEGUE_API_KEYS entry ${index + 1} must read id:role:key`);
    if (!ROLES.includes(role as Role)) throw new Error(`SEGUE_API_KEYS entry ${index + 1} (id "${id}") has role "${role}"; use one of ${ROLES.join(', ')}`);
    if (key.length < 16) throw new Error(`SEGUE_API_KEYS entry ${index + 1} (id "${id}"): a key needs at least 16 characters`);
    keys.push({ id, role: role as Role, key });
  }
  const ids = keys.map((k) => k.id);
  const twice = ids.find((id, i) => ids.indexOf(id) !== i);
  if (twice) throw new Error(`SEGUE_API_KEYS names the id "${twice}" twice`);
  return keys;
}

export class KeyRing {
  private readonly digests: { id: string; role: Role; digest: Buffer }[];

  constructor(keys: ApiKey[]) {
    this.digests = keys.map((k) => ({ id: k.id, role: k.role, digest: digest(k.key) }));
  }

  get empty(): boolean {
    return this.digests.length === 0;
  }

  /** The key a bearer token matches, or null. Every key is compared, matching or not. */
  identify(token: string): { id: string; role: Role } | null {
    const given = digest(token);
    let found: { id: string; role: Role } | null = null;
    for (const k of this.digests) if (timingSafeEqual(given, k.digest) && !found) found = { id: k.id, role: k.role };
    return found;
  }
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}
