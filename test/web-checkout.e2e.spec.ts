import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { describeWithChromium, launchChromium } from './support/browser';
import { addCoach, newClient, PASSWORD, signUp, uniqueEmail, type Api } from './support/http';
import { webAppForSuite } from './support/web-app';
import { eventually } from './support/eventually';

// The README's screenshots are refreshed with UPDATE_SCREENSHOTS=1; ordinary runs leave the tree as it is.
const SCREENSHOTS = process.env.UPDATE_SCREENSHOTS ? join(__dirname, '..', 'docs', 'screenshots') : join(tmpdir(), 'clientele-screenshots');
const describeIfChromium = describeWithChromium('Web app checkout and products browser suite');
/** A loaded 2-core machine runs other suites meanwhile: wait for conditions, generously. */
const SOON = { timeout: 15_000 };

/**
 * Issue 21: the public checkout page says what actually happens to the buyer (item 3) and names the
 * business (13); the Products page offers its controls only to staff who can manage products (12),
 * and archiving asks first (13).
 */
describeIfChromium('checkout and products in the web app (headless Chromium, embedded profile)', () => {
  const system = webAppForSuite();
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 420, height: 860 } });
    mkdirSync(SCREENSHOTS, { recursive: true });
  });

  afterAll(() => browser?.close());

  const url = (path: string) => `${system.api.baseUrl}${path}`;

  /** `saved`: what the browser kept of the login answer (a session saved before the answer listed capabilities lacks them). */
  async function signInAs(api: Api, email: string, saved: (user: Record<string, unknown>) => Record<string, unknown> = (user) => user): Promise<void> {
    const session = (await api.post('/api/v1/auth/login', { email, password: PASSWORD })).body;
    await page.goto(url('/'));
    // Signed in as the web app keeps it (apps/web/src/api.ts); the test's own types know no DOM.
    await page.evaluate(`localStorage.setItem('clientele.session', ${JSON.stringify(JSON.stringify({ accessToken: session.accessToken, user: saved(session.user) }))})`);
  }

  async function buy(productId: string, email: string): Promise<void> {
    await page.goto(url(`/checkout/${productId}`));
    await page.getByLabel('First name').fill('Bea', SOON);
    await page.getByLabel('Last name').fill('Buyer');
    await page.getByLabel('E-mail').fill(email);
    await page.getByRole('button', { name: /^Buy for/ }).click();
    await page.getByRole('heading', { name: 'Thank you!' }).waitFor(SOON);
  }

  it('names the business, and tells a buyer with a seat about the invitation and one without about the waiting list', async () => {
    const business = await signUp(system.api, 1);
    const product = (await business.admin.post('/api/v1/products', { name: 'Bootcamp', price: { amount: 4900, currency: 'EUR' } })).body as { id: string };

    await page.goto(url(`/checkout/${product.id}`));
    await page.getByText('Sold by Stone Fitness').waitFor(SOON);

    const seated = uniqueEmail('seated');
    await buy(product.id, seated);
    const status = page.getByRole('status');
    await status.filter({ hasText: 'You are now a client of Stone Fitness' }).waitFor(SOON);
    expect(await status.textContent()).toContain(`We have e-mailed ${seated} an invitation`);

    // The one seat is taken now: the next buyer waits for one, and no e-mail goes out yet.
    await buy(product.id, uniqueEmail('waiting'));
    await status.filter({ hasText: 'You are on the waiting list; we will e-mail you when your place is ready.' }).waitFor(SOON);
    expect(await status.textContent()).not.toContain('We have e-mailed');
    expect(await page.getByText('Your purchase of Bootcamp from Stone Fitness is complete.').count()).toBe(1);
    await page.screenshot({ path: join(SCREENSHOTS, 'checkout-waiting-list.png') });
    // An enrolment slower than checkout waits: the answer says in_progress, and the page asks the purchase's status until it knows.
    await page.route('**/api/v1/checkout', async (route) => {
      const response = await route.fetch();
      await route.fulfill({ response, json: { ...(await response.json()), enrolment: 'in_progress' } });
    });
    await buy(product.id, uniqueEmail('slow'));
    await status.filter({ hasText: 'We are still setting up your place with Stone Fitness' }).waitFor(SOON);
    await status.filter({ hasText: 'You are on the waiting list; we will e-mail you when your place is ready.' }).waitFor(SOON);
    await page.unroute('**/api/v1/checkout');
  });

  it('shows a coach without manage_products the products without the form or Archive, and says why', async () => {
    const business = await signUp(system.api);
    await business.admin.post('/api/v1/products', { name: 'Strength block', price: { amount: 9900, currency: 'EUR' } });
    const coach = await addCoach(business, ['create_clients']);
    await signInAs(system.api, coach.email);
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.goto(url('/products'));
    const row = page.locator('tr', { hasText: 'Strength block' });
    await row.waitFor(SOON);
    await page.getByTestId('products-read-only').getByText('Only staff who can manage products can create or change one; ask an administrator.').waitFor(SOON);
    expect(await page.getByRole('heading', { name: 'New product' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Create product' }).count()).toBe(0);
    expect(await row.getByRole('button', { name: 'Archive' }).count()).toBe(0);
    expect(await row.getByRole('button', { name: 'Copy checkout link' }).count()).toBe(1);

    // A coach who may manage products gets the controls, also from a session saved before logins listed capabilities (the token's are read).
    const manager = await addCoach(business, ['create_clients', 'manage_products']);
    await signInAs(system.api, manager.email, ({ capabilities: _listed, ...user }) => user);
    await page.goto(url('/products'));
    await page.getByRole('button', { name: 'Create product' }).waitFor(SOON);
    await row.getByRole('button', { name: 'Archive' }).waitFor(SOON);
    expect(await page.getByTestId('products-read-only').count()).toBe(0);
  });

  it('asks before archiving a product, and archives only on confirmation', async () => {
    const business = await signUp(system.api);
    await business.admin.post('/api/v1/products', { name: 'Summer camp', price: { amount: 15000, currency: 'EUR' } });
    await business.admin.post('/api/v1/clients', newClient());
    await signInAs(system.api, business.email);
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.goto(url('/products'));
    const row = page.locator('tr', { hasText: 'Summer camp' });
    await row.getByRole('button', { name: 'Archive' }).click(SOON);

    const dialog = page.getByRole('dialog', { name: 'Archive Summer camp?' });
    await dialog.waitFor(SOON);
    await dialog.getByRole('button', { name: 'Keep selling' }).click();
    await dialog.waitFor({ state: 'detached', ...SOON });
    const listed = async () => (await business.admin.get('/api/v1/products')).body.items[0].archived;
    expect(await listed()).toBe(false);
    expect(await row.getByText('Archived').count()).toBe(0);

    await row.getByRole('button', { name: 'Archive' }).click();
    await dialog.getByRole('button', { name: 'Archive product' }).click(SOON);
    await page.getByRole('status').filter({ hasText: 'Summer camp is archived: it can no longer be bought.' }).waitFor(SOON);
    await row.getByText('Archived').waitFor(SOON);
    expect(await listed()).toBe(true);
  });
  it("shows a product bought at checkout in the client's Finances, and refunds it there the way it was paid", async () => {
    const business = await signUp(system.api);
    const product = (await business.admin.post('/api/v1/products', { name: 'Meal plan', price: { amount: 3000, currency: 'EUR' } })).body as { id: string };
    const email = uniqueEmail('finances');
    await buy(product.id, email);
    let clientId: string | undefined;
    // Enrolled by the saga after the answer: on a loaded machine that can take a while.
    for (const deadline = Date.now() + 45_000; !clientId && Date.now() < deadline; ) {
      clientId = (await business.admin.get(`/api/v1/clients?search=${encodeURIComponent(email)}`)).body.items[0]?.id;
      if (!clientId) await new Promise((r) => setTimeout(r, 100));
    }
    expect(clientId).toBeDefined();
    // The purchase reaches Finances after the enrolment (scheduling records it from the roster's
    // event): the page reads it once, so open it when the payment is there.
    const payments = await eventually(() => business.admin.get(`/api/v1/clients/${clientId}/payments`), (r) => r.body.items?.length === 1, { timeoutMs: 45_000 });
    expect(payments.body.items).toHaveLength(1);

    await signInAs(system.api, business.email);
    await page.goto(url(`/clients/${clientId}?tab=finances`));
    const row = page.getByRole('table', { name: 'Payments' }).locator('tbody tr', { hasText: 'Product: Meal plan' });
    await row.waitFor(SOON);
    expect(await row.getAttribute('data-status')).toBe('paid');
    expect(await row.textContent()).toContain('€30.00');
    await page.locator('[data-kpi="revenue"] dd:not(.kpi-hint)').filter({ hasText: '€30.00' }).waitFor(SOON);

    await row.getByRole('button', { name: 'Refund' }).click();
    const dialog = page.getByRole('dialog', { name: 'Refund €30.00?' });
    await dialog.getByText('It was paid at checkout').waitFor(SOON);
    await dialog.getByRole('button', { name: 'Refund' }).click();
    await page.getByRole('status').filter({ hasText: '€30.00 refunded.' }).waitFor(SOON);
    // Finances follows billing's refund event: the row and the revenue say it once it has arrived.
    // They come from two reads made side by side, so a page loaded as the refund lands can show one
    // without the other: reload until both say it.
    const revenue = page.locator('[data-kpi="revenue"] dd:not(.kpi-hint)');
    const refundShown = async () => (await row.getAttribute('data-status')) === 'refunded' && (await revenue.textContent()) === '€0.00';
    for (const deadline = Date.now() + 45_000; !(await refundShown()) && Date.now() < deadline; ) {
      await page.reload();
      await row.waitFor(SOON);
      await revenue.waitFor(SOON);
    }
    expect(await row.getAttribute('data-status')).toBe('refunded');
    await revenue.filter({ hasText: '€0.00' }).waitFor(SOON);
    expect(await row.getByRole('button').count()).toBe(0);
  }, 150_000);
});
