import { signIn } from './sign-in';

/** Issue 21, item 12: the web app offers staff only what the API allows them, from the login answer. */
describe('signIn', () => {
  const SECRET = 'a unit-test secret of at least thirty-two characters';
  const login = (role: 'admin' | 'coach' | 'client', capabilities: string[]) => ({
    id: 'key',
    userId: 'u1',
    accountId: 'a1',
    role,
    capabilities,
    passwordHash: 'hash',
    email: 'cora@example.com',
    firstName: 'Cora',
    lastName: 'Coach',
  });
  const claims = (token: string) => JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8'));

  it("tells staff their capabilities, the token's own", async () => {
    const answer = await signIn(login('coach', ['create_clients', 'import_clients']), SECRET, 0);
    expect(answer.user).toEqual({ id: 'u1', role: 'coach', accountId: 'a1', email: 'cora@example.com', firstName: 'Cora', lastName: 'Coach', capabilities: ['create_clients', 'import_clients'] });
    expect(claims(answer.accessToken).caps).toEqual(answer.user.capabilities);
    expect((await signIn(login('coach', []), SECRET, 0)).user.capabilities).toEqual([]);
  });

  it('tells a client nothing of capabilities', async () => {
    expect((await signIn(login('client', []), SECRET, 0)).user).not.toHaveProperty('capabilities');
  });
});
