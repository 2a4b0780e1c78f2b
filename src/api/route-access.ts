import { isAllowed, type Permission, type Role } from '../domain/roles';

/** What the role gate answers: 401, 403, or the route goes on to its own answers (400, 404, 409...). */
export type GateAnswer = 401 | 403 | 'passes';

/**
 * The role gate of every authenticated route, in one place: no credentials 401, roles that lack
 * the route's permission 403, otherwise the route goes on. A public route (no permission) has no
 * gate. `requirePermission` answers by it, and the role x route matrix test and the README's
 * route table are derived from it and each operation's `x-permission`.
 */
export function gateAnswer(roles: readonly Role[] | null, permission: Permission | null): GateAnswer {
  if (permission === null) return 'passes';
  if (roles === null) return 401;
  return isAllowed({ principal: '', roles: [...roles] }, permission) ? 'passes' : 403;
}
