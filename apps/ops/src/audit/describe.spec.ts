import { describeChanges } from './describe';

describe('ops audit descriptions', () => {
  it('never shows a password hash, in clear or sealed', () => {
    const accepted = describeChanges('ClientInvitationAccepted', {
      clientId: 'c1',
      accountId: 'a1',
      tokenId: 't1',
      passwordHash: 'scrypt$16384$8$1$salt$key',
      acceptedAt: '2026-12-05T10:00:00.000Z',
    });
    expect(accepted).toContain('tokenId=t1');
    expect(accepted).not.toContain('scrypt');
    expect(describeChanges('StaffPasswordChanged', { userId: 'u1', passwordHash: 'scrypt$x', sealedPasswordHash: 'v1.sealed' })).not.toMatch(/scrypt|sealed/);
  });
});
