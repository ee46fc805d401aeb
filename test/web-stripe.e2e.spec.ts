import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { describeWithChromium, launchChromium } from './support/browser';
import { eventually } from './support/eventually';
import { PASSWORD, signUp, uniqueEmail, type Business } from './support/http';
import { startInProcess, type RunningSystem } from './support/in-process';
import { StripeStandIn, checkoutSessionEvent, signedWebhook } from './support/stripe-stand-in';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { buildWeb } = require('../tools/build-web.js') as { buildWeb: (dir: string, options?: { minify?: boolean }) => Promise<string> };

// The README's screenshots are refreshed with UPDATE_SCREENSHOTS=1; ordinary runs leave the tree as it is.
const SCREENSHOTS = process.env.UPDATE_SCREENSHOTS ? join(__dirname, '..', 'docs', 'screenshots') : join(tmpdir(), 'clientele-screenshots');
const describeIfChromium = describeWithChromium('Web app Stripe checkout browser suite');
/** A loaded 2-core machine runs other suites meanwhile: wait for conditions, generously. */
const SOON = { timeout: 15_000 };
const WEBHOOK_SECRET = `whsec_${randomUUID().replace(/-/g, '')}`;
const SECRET_KEY = `sk_test_${randomUUID().replace(/-/g, '')}4242`;

/**
 * Issue 22 in the browser: an admin connects Stripe in Settings; the checkout page sends the buyer
 * to Stripe Checkout's page (here a tiny page the browser is given in its place: Stripe cannot be
 * reached from this machine) and shows the outcome when Stripe sends them back; a cancelled
 * payment says nothing was charged; staff refund from the Purchases tab.
 */
describeIfChromium('Stripe checkout in the web app (headless Chromium, embedded profile)', () => {
  let standIn: StripeStandIn;
  let system: RunningSystem;
  let webDir: string;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    standIn = await StripeStandIn.start();
    webDir = await buildWeb(mkdtempSync(join(tmpdir(), 'clientele-web-')), { minify: false });
    // The public address Stripe sends buyers back to and the settings show; the stand-in's page links back to this system's own address.
    system = await startInProcess({ CLIENTELE_WEB_DIR: webDir, STRIPE_API_URL: standIn.url, PUBLIC_URL: 'https://clientele.example.com' });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    mkdirSync(SCREENSHOTS, { recursive: true });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await system?.stop();
    await standIn?.close();
    if (webDir) rmSync(webDir, { recursive: true, force: true });
  }, 90_000);

  const url = (path: string) => `${system.api.baseUrl}${path}`;
  /** Where Stripe sends the buyer back (its success or cancel URL), on the address this test's system listens on. */
  const here = (stripeUrl: unknown) => {
    const back = new URL(String(stripeUrl));
    return url(`${back.pathname}${back.search}`);
  };

  /** Stripe Checkout's page, as far as the buyer's journey needs it: Pay and Back links to the session's URLs. */
  async function standInCheckoutPage(): Promise<void> {
    await page.route('https://checkout.stripe.com/**', async (route) => {
      // The page's address as the browser asks for it: without the session URL's #fragment.
      const session = [...standIn.sessions.values()].find((s) => String(s.url).split('#')[0] === route.request().url().split('#')[0]);
      if (!session) return route.fulfill({ status: 404, contentType: 'text/html', body: '<!doctype html><title>Unknown session</title><h1>Unknown session</h1>' });
      await route.fulfill({
        status: 200,
        contentType: 'text/html',
        body: `<!doctype html><html lang="en"><title>Stripe Checkout (stand-in)</title><main><h1>Pay ${session.amount_total} ${session.currency}</h1>
          <a href="${here(session.success_url)}">Pay</a> <a href="${here(session.cancel_url)}">Back</a></main></html>`,
      });
    });
  }

  async function signInAs(business: Business): Promise<void> {
    const session = (await system.api.post('/api/v1/auth/login', { email: business.email, password: PASSWORD })).body;
    await page.goto(url('/'));
    await page.evaluate(`localStorage.setItem('clientele.session', ${JSON.stringify(JSON.stringify({ accessToken: session.accessToken, user: session.user }))})`);
  }

  async function startBuying(productId: string, email: string): Promise<void> {
    await page.goto(url(`/checkout/${productId}`));
    await page.getByLabel('First name').fill('Bea', SOON);
    await page.getByLabel('Last name').fill('Buyer');
    await page.getByLabel('E-mail').fill(email);
    await page.getByRole('button', { name: /^Buy for/ }).click();
    await page.waitForURL(/^https:\/\/checkout\.stripe\.com\/c\/pay\/cs_test_/, SOON);
  }

  it('connects Stripe in Settings, sends the buyer to Stripe and back, enrols them once Stripe confirms, and refunds from the profile', async () => {
    const business = await signUp(system.api);
    const product = (await business.admin.post('/api/v1/products', { name: 'Bootcamp', price: { amount: 4900, currency: 'EUR' }, clientType: 'full_access' })).body as { id: string };
    await standInCheckoutPage();

    // The admin connects the business's Stripe account; the keys are typed into password fields and never shown again.
    await signInAs(business);
    await page.goto(url('/settings'));
    const card = page.getByTestId('settings-payments');
    await card.getByText('Stripe is not connected.').waitFor(SOON);
    await card.getByText('charge.refunded').waitFor(SOON);
    // The business's own URL, under the public address, to paste into Stripe.
    const webhookUrl = await card.getByTestId('webhook-url').textContent();
    expect(webhookUrl).toBe(`https://clientele.example.com/api/v1/payments/stripe/webhook/${business.accountId}`);
    expect(await card.getByLabel('Secret key').getAttribute('type')).toBe('password');
    expect(await card.getByLabel('Webhook signing secret').getAttribute('type')).toBe('password');

    // A key Stripe does not know: its sentence on the form, nothing connected.
    const revoked = `sk_test_${randomUUID().replace(/-/g, '')}`;
    standIn.revokeKeys(revoked);
    await card.getByLabel('Secret key').fill(revoked);
    await card.getByLabel('Webhook signing secret').fill(WEBHOOK_SECRET);
    await card.getByRole('button', { name: 'Connect Stripe' }).click();
    await card.getByText('Stripe did not accept this secret key, so nothing was stored.').waitFor(SOON);
    expect(await card.getByText('Stripe is not connected.').isVisible()).toBe(true);

    await card.getByLabel('Secret key').fill(SECRET_KEY);
    await card.getByLabel('Webhook signing secret').fill(WEBHOOK_SECRET);
    await card.getByRole('button', { name: 'Connect Stripe' }).click();
    await page.getByRole('status').filter({ hasText: 'Stripe is connected (test mode)' }).waitFor(SOON);
    await card.getByText('Stripe is connected in').waitFor(SOON);
    expect(await page.content()).not.toContain(SECRET_KEY);
    expect(await card.getByLabel('Secret key').inputValue()).toBe('');
    await card.screenshot({ path: join(SCREENSHOTS, 'settings-payments.png') });
    await page.evaluate("localStorage.removeItem('clientele.session')");

    // The buyer goes to Stripe's page, pays, and comes back to the checkout page, which waits for Stripe's word.
    const email = uniqueEmail('stripe-web');
    await startBuying(product.id, email);
    const session = [...standIn.sessions.values()].find((s) => s.customer_email === email)!;
    await page.getByRole('link', { name: 'Pay' }).click(SOON);
    await page.waitForURL(/\/checkout\/[^?]+\?purchase=/, SOON);
    await page.getByRole('heading', { name: 'Almost there' }).waitFor(SOON);
    const purchaseId = new URL(page.url()).searchParams.get('purchase')!;
    const paymentIntentId = standIn.pay(session.id as string).payment_intent as string;
    const signed = signedWebhook(
      checkoutSessionEvent('checkout.session.completed', { purchaseId, accountId: business.accountId, productId: product.id, sessionId: session.id as string, paymentIntentId, amount: 4900 }),
      WEBHOOK_SECRET,
    );
    // To the URL the card showed (on this system's own address).
    const delivered = await system.api.call('POST', new URL(webhookUrl!).pathname, signed.body, { 'content-type': 'application/json', 'stripe-signature': signed.signature });
    expect(delivered.status).toBe(200);
    await page.getByRole('heading', { name: 'Thank you!' }).waitFor({ timeout: 30_000 });
    await page.getByRole('status').filter({ hasText: `You are now a client of Stone Fitness. We have e-mailed ${email} an invitation` }).waitFor(SOON);
    await page.screenshot({ path: join(SCREENSHOTS, 'checkout-stripe-paid.png') });

    // Staff refund it from the client's Purchases tab: asked of Stripe, shown once Stripe confirms it.
    const client = await eventually(async () => (await business.admin.get(`/api/v1/clients?search=${encodeURIComponent(email)}`)).body.items[0], (c) => c !== undefined);
    await eventually(() => business.admin.get(`/api/v1/clients/${client.id}/purchases`), (r) => r.body.items?.length === 1);
    await signInAs(business);
    await page.goto(url(`/clients/${client.id}?tab=purchases`));
    await page.getByRole('button', { name: 'Refund' }).click(SOON);
    const dialog = page.getByRole('dialog', { name: 'Refund Bootcamp?' });
    await dialog.waitFor(SOON);
    await dialog.getByRole('button', { name: 'Refund' }).click();
    await page.getByRole('status').filter({ hasText: 'Refund requested; it shows once Stripe confirms it.' }).waitFor(SOON);
    expect(standIn.requests.filter((r) => r.path === '/v1/refunds' && r.body.payment_intent === paymentIntentId).map((r) => r.idempotencyKey)).toEqual([`clientele-refund-${purchaseId}-1`]);
    await page.evaluate("localStorage.removeItem('clientele.session')");
  }, 120_000);

  it('says a cancelled payment charged nothing, and lets the buyer try again', async () => {
    const business = await signUp(system.api);
    await business.admin.put('/api/v1/account/payments/stripe', { secretKey: SECRET_KEY, webhookSecret: WEBHOOK_SECRET });
    const product = (await business.admin.post('/api/v1/products', { name: 'Yoga month', price: { amount: 2900, currency: 'EUR' } })).body as { id: string };
    await standInCheckoutPage();
    await startBuying(product.id, uniqueEmail('cancelled'));
    await page.getByRole('link', { name: 'Back' }).click(SOON);
    await page.waitForURL(/cancelled=1/, SOON);
    await page.getByRole('status').filter({ hasText: 'Payment cancelled; nothing was charged.' }).waitFor(SOON);
    await page.screenshot({ path: join(SCREENSHOTS, 'checkout-stripe-cancelled.png') });
    await page.getByRole('button', { name: 'Try again' }).click(SOON);
    await page.getByRole('button', { name: /^Buy for/ }).waitFor(SOON);
    expect(new URL(page.url()).search).toBe('');
  }, 90_000);
});
