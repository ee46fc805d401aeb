import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { describeWithChromium, launchChromium } from './support/browser';
import { PASSWORD, addCoach, mailToken, newClient, signUp, uniqueEmail, type Api, type Business } from './support/http';
import { webAppForSuite } from './support/web-app';

// The README's screenshots are taken only with UPDATE_SCREENSHOTS=1; ordinary runs take none and leave the tree as it is.
const SCREENSHOTS = process.env.UPDATE_SCREENSHOTS ? join(__dirname, '..', 'docs', 'screenshots') : null;
const describeIfChromium = describeWithChromium('Web app client profile browser suite');
const WAIT = { timeout: 15_000 };

/**
 * Issue 21, the client profile and its dialogs as a coach meets them: the change-type dialog that
 * opens on the current type, the Add dialog that invites by default, tabs in the address, one
 * revenue figure on Overview and Finances, Delete only for staff who may, and a client's new
 * e-mail address that becomes their sign-in only once they confirm it.
 */
describeIfChromium('the client profile in the coach web app (headless Chromium, embedded profile)', () => {
  const running = webAppForSuite();
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  let business: Business;

  beforeAll(async () => {
    browser = await launchChromium();
    if (SCREENSHOTS) mkdirSync(SCREENSHOTS, { recursive: true });
    business = await signUp(running.api);
  });

  // Each test's pages are closed after it, so none is still talking to the system when it stops.
  afterEach(async () => {
    for (const context of contexts.splice(0)) await context.close().catch(() => undefined);
  });

  afterAll(() => browser?.close());

  const url = (path: string) => `${running.api.baseUrl}${path}`;
  const shot = async (page: Page, name: string) => {
    if (SCREENSHOTS) await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`) });
  };

  /** A browser page signed in as `email` (the session the sign-in page would keep). */
  async function signedIn(email: string): Promise<Page> {
    const answer = await running.api.post('/api/v1/auth/login', { email, password: PASSWORD });
    expect(answer.status).toBe(200);
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US' });
    contexts.push(context);
    const session = JSON.stringify(JSON.stringify({ accessToken: answer.body.accessToken, user: answer.body.user }));
    await context.addInitScript(`if (!localStorage.getItem('clientele.session')) localStorage.setItem('clientele.session', ${session});`);
    return context.newPage();
  }

  async function addClient(api: Api, overrides: Record<string, unknown> = {}): Promise<{ id: string; email: string; firstName: string; lastName: string }> {
    const added = await api.post('/api/v1/clients', newClient(overrides));
    expect(added.status).toBe(201);
    return added.body;
  }

  async function eventually<T>(attempt: () => Promise<T | undefined>, what: string, timeoutMs = 15_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await attempt();
      if (value !== undefined) return value;
      if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  const mailKinds = async (to: string): Promise<string[]> =>
    ((await running.api.get(`/api/v1/dev/mailbox?to=${encodeURIComponent(to)}`)).body.items as { kind: string }[]).map((m) => m.kind);

  it('item 9: the change-type dialog opens on the current type, marks it, and Assign waits for another; in bulk nothing is chosen', async () => {
    const grace = await addClient(business.admin, { firstName: 'Grace', lastName: 'Hopper', type: 'offline' });
    await addClient(business.admin, { firstName: 'Alan', lastName: 'Turing', type: 'full_access_one_way' });
    const page = await signedIn(business.email);
    await page.goto(url(`/clients/${grace.id}`));
    await page.getByRole('heading', { name: 'Grace Hopper' }).waitFor(WAIT);
    await page.getByRole('button', { name: 'Client actions' }).click();
    await page.getByRole('menuitem', { name: 'Change Client Type' }).click();
    const change = page.getByRole('dialog', { name: 'Change client type' });
    await change.waitFor(WAIT);

    // Opened on Offline, marked "current"; Assign cannot change anything yet.
    expect(await change.getByRole('radio', { name: /^Offline/ }).isChecked()).toBe(true);
    expect(await change.getByRole('radio', { name: /^Full access/ }).isChecked()).toBe(false);
    expect((await change.locator('label[data-current]').textContent())?.startsWith('Offline current')).toBe(true);
    await change.getByTestId('change-type-preview').filter({ hasText: "This is the client's type now" }).waitFor(WAIT);
    expect(await change.getByRole('button', { name: 'Assign' }).isDisabled()).toBe(true);

    // Another type: its summary, and Assign.
    await change.getByRole('radio', { name: /^Full access/ }).check();
    await change.getByTestId('change-type-preview').filter({ hasText: '1 invitation to the client app will be sent' }).waitFor(WAIT);
    await change.locator('button.primary:not([disabled])', { hasText: 'Assign' }).waitFor(WAIT);
    await shot(page, 'change-type');
    // Back to the current type: nothing to assign again.
    await change.getByRole('radio', { name: /^Offline/ }).check();
    await change.getByTestId('change-type-preview').filter({ hasText: "This is the client's type now" }).waitFor(WAIT);
    expect(await change.getByRole('button', { name: 'Assign' }).isDisabled()).toBe(true);
    await change.getByRole('radio', { name: /^Full access/ }).check();
    await change.getByTestId('change-type-preview').filter({ hasText: '1 invitation' }).waitFor(WAIT);
    await change.getByRole('button', { name: 'Assign' }).click();
    await page.getByRole('status').filter({ hasText: 'Client type changed.' }).waitFor(WAIT);
    await page.locator('.profile-card').getByTestId('type-badge').filter({ hasText: 'Full access' }).waitFor(WAIT);

    // In bulk (several clients, no one current type): nothing chosen, Assign disabled until a choice; the names are listed.
    await page.goto(url('/clients'));
    await page.getByRole('checkbox', { name: 'Select Grace Hopper' }).check(WAIT);
    await page.getByRole('checkbox', { name: 'Select Alan Turing' }).check(WAIT);
    await page.getByRole('button', { name: 'Actions for the selected clients' }).click();
    await page.getByRole('menuitem', { name: 'Change client type' }).click();
    const bulk = page.getByRole('dialog', { name: 'Change client type of 2 clients' });
    await bulk.waitFor(WAIT);
    for (const radio of await bulk.getByRole('radio').all()) expect(await radio.isChecked()).toBe(false);
    expect(await bulk.locator('label[data-current]').count()).toBe(0);
    expect(await bulk.getByRole('button', { name: 'Assign' }).isDisabled()).toBe(true);
    await bulk.getByTestId('change-type-preview').filter({ hasText: 'Choose the type these 2 clients should have' }).waitFor(WAIT);
    // The list passes the names of the selection (issue 21, item 13).
    const names = await bulk.getByTestId('change-type-names').textContent(WAIT);
    expect(names).toContain('Grace Hopper');
    expect(names).toContain('Alan Turing');
    await bulk.getByRole('radio', { name: /^One-way messaging/ }).check();
    await bulk.getByTestId('change-type-preview').filter({ hasText: '1 client changes to One-way messaging; 1 already has it' }).waitFor(WAIT);
    expect(await bulk.getByRole('button', { name: 'Assign' }).isDisabled()).toBe(false);
    await page.keyboard.press('Escape');
  }, 120_000);

  it('item 14: the Add dialog sends the invitation by default for app types, offers "Add without sending", and only "Add" for offline', async () => {
    const page = await signedIn(business.email);
    await page.goto(url('/clients'));
    const open = async () => {
      await page.getByRole('button', { name: /^Add (client|your first client)$/ }).first().click();
      const dialog = page.getByRole('dialog', { name: 'Add client' });
      await dialog.waitFor(WAIT);
      return dialog;
    };
    const fill = async (dialog: ReturnType<Page['getByRole']>, first: string, last: string, email: string) => {
      await dialog.getByLabel('First name').fill(first);
      await dialog.getByLabel('Last name').fill(last);
      await dialog.getByLabel('E-mail').fill(email);
    };

    // Full access (the default): the primary button sends the invitation.
    const invited = uniqueEmail('invited');
    let dialog = await open();
    await fill(dialog, 'Ivy', 'Invited', invited);
    const primary = dialog.locator('button.primary');
    expect(await primary.textContent()).toBe('Add and send invitation');
    expect(await dialog.getByRole('button', { name: 'Add without sending' }).isVisible()).toBe(true);
    expect(await dialog.getByRole('button', { name: 'Add', exact: true }).count()).toBe(0);
    await dialog.getByTestId('add-client-invitation').filter({ hasText: 'Ivy gets an invitation e-mail' }).waitFor(WAIT);
    await shot(page, 'add-client-invitation');
    // Enter in a field is the primary action too.
    await dialog.getByLabel('E-mail').press('Enter');
    await dialog.waitFor({ state: 'detached', ...WAIT });
    await mailToken(running.api, invited, 'invitation', 15_000);

    // One-way, "Add without sending": added, not invited.
    const quiet = uniqueEmail('quiet');
    dialog = await open();
    await fill(dialog, 'Quinn', 'Quiet', quiet);
    await dialog.getByRole('radio', { name: /^One-way messaging/ }).check();
    expect(await primary.textContent()).toBe('Add and send invitation');
    await dialog.getByRole('button', { name: 'Add without sending' }).click();
    await dialog.waitFor({ state: 'detached', ...WAIT });
    const quietClient = await eventually(async () => {
      const list = await business.admin.get(`/api/v1/clients?search=${encodeURIComponent('Quiet')}`);
      return (list.body.items as { id: string; email: string }[]).find((c) => c.email === quiet);
    }, 'the quiet client in the list');
    expect((await business.admin.get(`/api/v1/clients/${quietClient.id}`)).body).toMatchObject({ type: 'full_access_one_way', appAccess: 'not_invited' });
    expect(await mailKinds(quiet)).not.toContain('invitation');

    // Offline: no invitation is possible, so just "Add".
    dialog = await open();
    await fill(dialog, 'Otto', 'Offline', uniqueEmail('offline'));
    await dialog.getByRole('radio', { name: /^Offline/ }).check();
    expect(await primary.textContent()).toBe('Add');
    expect(await dialog.getByRole('button', { name: /Add without sending|Add and send/ }).count()).toBe(0);
    await dialog.getByTestId('add-client-invitation').filter({ hasText: 'Offline clients get no e-mail' }).waitFor(WAIT);
    await primary.click();
    await dialog.waitFor({ state: 'detached', ...WAIT });
  }, 120_000);

  it('item 13: the open tab is in the address, survives a reload, can be shared, and edit=1 opens the contact form', async () => {
    const ada = await addClient(business.admin, { firstName: 'Ada', lastName: 'Tabs', type: 'offline' });
    const page = await signedIn(business.email);
    const selected = async (name: string) => {
      await page.locator(`[role="tab"][aria-selected="true"]`, { hasText: name }).waitFor(WAIT);
      return page.url();
    };
    await page.goto(url(`/clients/${ada.id}`));
    await page.getByRole('heading', { name: 'Ada Tabs' }).waitFor(WAIT);
    expect(await selected('Overview')).not.toContain('tab=');

    await page.getByRole('tab', { name: 'Contact', exact: true }).click();
    expect(await selected('Contact')).toBe(url(`/clients/${ada.id}?tab=contact`));
    await page.reload();
    await selected('Contact');
    await page.getByRole('button', { name: 'Edit contact' }).waitFor(WAIT);

    // A shared link opens the tab it names.
    const shared = await signedIn(business.email);
    await shared.goto(url(`/clients/${ada.id}?tab=finances`));
    await shared.locator('[role="tab"][aria-selected="true"]', { hasText: 'Finances' }).waitFor(WAIT);
    await shared.locator('[data-kpi="revenue"]').waitFor(WAIT);

    // The list's "Edit" links to the contact form, open.
    await page.goto(url(`/clients/${ada.id}?tab=contact&edit=1`));
    await selected('Contact');
    expect(await page.getByLabel('E-mail').inputValue(WAIT)).toBe(ada.email);
    await page.getByLabel('Phone').fill('+44 20 7946 0000');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('+44 20 7946 0000').waitFor(WAIT);
    // Saved: back to the details, and the address no longer opens the form.
    expect(page.url()).toBe(url(`/clients/${ada.id}?tab=contact`));
    await page.reload();
    await page.getByRole('button', { name: 'Edit contact' }).waitFor(WAIT);

    // An unknown tab is the Overview.
    await page.goto(url(`/clients/${ada.id}?tab=nonsense`));
    await selected('Overview');
  }, 120_000);

  it('item 13: Overview shows the same revenue as Finances, from the same payments', async () => {
    const client = await addClient(business.admin, { firstName: 'Rita', lastName: 'Revenue', type: 'offline' });
    // Scheduling learns of the client from the roster's events: the bundle can be recorded once it has.
    const bundle = await eventually(async () => {
      const created = await business.admin.post(`/api/v1/clients/${client.id}/programs`, { name: '10 sessions', sessions: 10, price: { amount: 9000, currency: 'EUR' } });
      return created.status === 201 ? created.body : undefined;
    }, 'the bundle');
    expect((await business.admin.post(`/api/v1/clients/${client.id}/programs/${bundle.id}/payment`, {})).status).toBe(200);

    const page = await signedIn(business.email);
    await page.goto(url(`/clients/${client.id}`));
    await page.getByRole('heading', { name: 'Rita Revenue' }).waitFor(WAIT);
    const revenue = page.locator('[data-kpi="revenue"] dd:not(.kpi-hint)');
    await revenue.filter({ hasText: '€90.00' }).waitFor(WAIT);
    expect(await page.getByText('Total spent').count()).toBe(0);
    const overview = await revenue.textContent();
    await page.getByRole('tab', { name: 'Finances', exact: true }).click();
    await page.getByRole('table', { name: 'Payments' }).waitFor(WAIT);
    expect(await page.locator('[data-kpi="revenue"] dd:not(.kpi-hint)').textContent()).toBe(overview);
  }, 120_000);

  it('item 12: Delete is offered to staff who may delete clients, and shown disabled with the reason to the others', async () => {
    const coach = await addCoach(business, ['create_clients']);
    const client = await addClient(coach.api, { firstName: 'Del', lastName: 'Ete', type: 'offline' });
    const page = await signedIn(coach.email);
    await page.goto(url(`/clients/${client.id}`));
    await page.getByRole('heading', { name: 'Del Ete' }).waitFor(WAIT);
    await page.getByRole('button', { name: 'Client actions' }).click();
    const item = page.getByRole('menuitem', { name: /^Delete/ });
    await item.waitFor(WAIT);
    expect(await item.getAttribute('aria-disabled')).toBe('true');
    expect(await item.textContent()).toContain('ask an administrator');
    await item.click({ force: true });
    expect(await page.getByRole('dialog').count()).toBe(0);
    // The API agrees: this coach cannot delete.
    expect((await coach.api.call('DELETE', `/api/v1/clients/${client.id}`)).status).toBe(403);

    const admin = await signedIn(business.email);
    await admin.goto(url(`/clients/${client.id}`));
    await admin.getByRole('heading', { name: 'Del Ete' }).waitFor(WAIT);
    await admin.getByRole('button', { name: 'Client actions' }).click();
    const enabled = admin.getByRole('menuitem', { name: 'Delete', exact: true });
    await enabled.waitFor(WAIT);
    expect(await enabled.getAttribute('aria-disabled')).toBeNull();
  }, 120_000);

  it('item 2: a new e-mail for a client who signs in is confirmed at the new address; one that signs in elsewhere is refused at the edit', async () => {
    const first = uniqueEmail('nora');
    const second = uniqueEmail('nora.new');
    const nora = await addClient(business.admin, { firstName: 'Nora', lastName: 'Moves', email: first });
    expect((await running.api.post('/api/v1/auth/accept-invitation', { token: await mailToken(running.api, first, 'invitation', 15_000), password: PASSWORD })).status).toBe(200);
    await eventually(async () => ((await business.admin.get(`/api/v1/clients/${nora.id}`)).body.appAccess === 'active' ? true : undefined), 'Nora using the app');

    const page = await signedIn(business.email);
    await page.goto(url(`/clients/${nora.id}?tab=contact&edit=1`));
    const email = page.getByLabel('E-mail');
    expect(await email.inputValue(WAIT)).toBe(first);
    await page.getByText('Nora signs in with this address').waitFor(WAIT);
    await email.fill(second);
    await page.getByRole('button', { name: 'Save' }).click();
    const notice = page.getByRole('status').filter({ hasText: `A confirmation link went to ${second}` });
    await notice.waitFor(WAIT);
    expect(await notice.textContent()).toBe(
      `A confirmation link went to ${second}, and a notice to ${first}. Nora keeps signing in with ${first} until they open the link; from then on they sign in with ${second}.`,
    );
    await shot(page, 'contact-email-change');

    // What the notice says is what happens: the link at the new address, the notice at the old, the old still signs in.
    await mailToken(running.api, second, 'email_change_confirmation', 15_000);
    await eventually(async () => ((await mailKinds(first)).includes('email_change_notice') ? true : undefined), 'the notice to the old address');
    expect((await running.api.post('/api/v1/auth/login', { email: first, password: PASSWORD })).status).toBe(200);
    expect((await running.api.post('/api/v1/auth/login', { email: second, password: PASSWORD })).status).toBe(401);

    // An address that signs in elsewhere (here the owner's own) is refused at once, as a sentence on the field.
    await page.getByRole('button', { name: 'Edit contact' }).click();
    await page.getByLabel('E-mail').fill(business.email);
    await page.getByRole('button', { name: 'Save' }).click();
    const fieldError = page.locator('.field-invalid', { has: page.getByLabel('E-mail') }).locator('.field-error');
    await fieldError.waitFor(WAIT);
    expect(await fieldError.textContent()).toBe(`${business.email} already signs in to Clientele with another account, so it cannot become this client's sign-in. Use another e-mail address.`);
    await shot(page, 'contact-email-taken');
    expect((await business.admin.get(`/api/v1/clients/${nora.id}`)).body.email).toBe(second);

    // The API: 409 email_taken, problem+json, for a staff sign-in of another business too; nothing is recorded.
    const other = await signUp(running.api);
    const refused = await business.admin.patch(`/api/v1/clients/${nora.id}`, { email: other.email.toUpperCase() });
    expect({ status: refused.status, code: refused.body.code, field: refused.body.errors?.[0]?.field }).toEqual({ status: 409, code: 'email_taken', field: 'email' });
    expect(refused.headers.get('content-type')).toContain('application/problem+json');
    expect((await business.admin.get(`/api/v1/clients/${nora.id}`)).body.email).toBe(second);
    // An offline client's address is contact data only: it may be anyone's.
    const offline = await addClient(business.admin, { type: 'offline' });
    expect((await business.admin.patch(`/api/v1/clients/${offline.id}`, { email: other.email })).status).toBe(200);
  }, 150_000);
});
