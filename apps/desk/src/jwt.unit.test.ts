import { describe, expect, it } from '@jest/globals';
import { isSupervisor, staffOf } from './jwt';

const b64 = (o: object) => {
  const bytes = new TextEncoder().encode(JSON.stringify(o));
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
};
const jwt = (payload: object) => `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(payload)}.c2ln`;

describe('the staff token', () => {
  it('names the staff member, tenant and roles', () => {
    const staff = staffOf(jwt({ sub: 'tom', tid: 'acme', roles: ['agent', 'supervisor'], name: 'Tom Byrne', exp: 2_000_000_000 }));
    expect(staff).toEqual({ id: 'tom', tenantId: 'acme', roles: ['agent', 'supervisor'], name: 'Tom Byrne', expiresAt: 2_000_000_000_000 });
    expect(isSupervisor(staff!)).toBe(true);
  });

  it('reads names outside ASCII', () => {
    expect(staffOf(jwt({ sub: 'lucía', tid: 't', roles: ['agent'], name: 'Lucía Núñez' }))?.name).toBe('Lucía Núñez');
  });

  it('is refused when it is no JWT, or names no one', () => {
    expect(staffOf('not a token')).toBeUndefined();
    expect(staffOf('a.b.c')).toBeUndefined();
    expect(staffOf(jwt({ sub: 'tom', roles: ['agent'] }))).toBeUndefined();
    expect(isSupervisor(staffOf(jwt({ sub: 'tom', tid: 't', roles: ['agent'] }))!)).toBe(false);
  });
});
