import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { describeWithChromium, launchChromium } from './support/browser';
import { newClient, signUp, uniqueEmail } from './support/http';
import { startInProcess } from './support/in-process';
import { webAppForSuite } from './support/web-app';

/**
 * Issue 17, finding 9 (the low-severity ones): each attack as a request, and the answer it now gets.
 * The whole system in this process, with the built web app, on 127.0.0.1.
 */
describe('hardening (issue 17, finding 9)', () => {
  const served = webAppForSuite({ minify: true, startTimeoutMs: 120_000 });

  const fieldErrors = (answer: { status: number; body: { code: string; errors?: Array<{ field: string; message: string }> } }) => ({
    status: answer.status,
    code: answer.body.code,
    errors: answer.body.errors,
  });
  const owner = (password: string) => ({ firstName: 'Maya', lastName: 'Stone', email: uniqueEmail('owner'), password });

  describe('password policy', () => {
    it('refuses a common password (in any case) and one character repeated at sign-up, with a sentence a person can act on', async () => {
      for (const password of ['password123', 'QWERTYUIOP', 'Basketball']) {
        expect(fieldErrors(await served.api.post('/api/v1/accounts', { businessName: 'Stone Fitness', owner: owner(password) }))).toEqual({
          status: 400,
          code: 'validation_failed',
          errors: [{ field: 'owner.password', message: 'This is one of the most common passwords; choose another.' }],
        });
      }
      expect(fieldErrors(await served.api.post('/api/v1/accounts', { businessName: 'Stone Fitness', owner: owner('aaaaaaaaaaaa') }))).toEqual({
        status: 400,
        code: 'validation_failed',
        errors: [{ field: 'owner.password', message: expect.stringMatching(/^Choose a password that is more than one character repeated/) }],
      });
      expect((await served.api.post('/api/v1/accounts', { businessName: 'Stone Fitness', owner: owner('short') })).body.errors).toEqual([
        { field: 'owner.password', message: 'Choose a password of at least 10 characters; a phrase of a few words is easy to remember.' },
      ]);
      expect((await served.api.post('/api/v1/accounts', { businessName: 'Stone Fitness', owner: owner('x'.repeat(199) + 'yz') })).body.errors).toEqual([
        { field: 'owner.password', message: 'Choose a password of at most 200 characters.' },
      ]);
      expect((await served.api.post('/api/v1/accounts', { businessName: 'Stone Fitness', owner: owner('a long and rare passphrase') })).status).toBe(201);
    });

    it('applies the same policy to a new staff member, an invitation and a reset', async () => {
      const business = await signUp(served.api);
      const staff = await business.admin.post('/api/v1/staff', { firstName: 'Cora', lastName: 'Coach', email: uniqueEmail('coach'), password: 'iloveyou123', role: 'coach' });
      expect(fieldErrors(staff)).toEqual({ status: 400, code: 'validation_failed', errors: [{ field: 'password', message: 'This is one of the most common passwords; choose another.' }] });
      for (const path of ['/api/v1/auth/accept-invitation', '/api/v1/auth/password-reset/confirm']) {
        expect({ path, ...fieldErrors(await served.api.post(path, { token: 'whatever-the-token', password: '1234567890' })) }).toEqual({
          path,
          status: 400,
          code: 'validation_failed',
          errors: [{ field: 'password', message: 'This is one of the most common passwords; choose another.' }],
        });
      }
    });
  });

  describe('control characters in names (header injection, bidi spoofing)', () => {
    it('refuses CR, LF and bidi overrides in a business name, a person name and a buyer name', async () => {
      const injected = 'Stone Fitness\r\nBcc: everyone@example.com';
      expect(fieldErrors(await served.api.post('/api/v1/accounts', { businessName: injected, owner: owner('a long and rare passphrase') }))).toEqual({
        status: 400,
        code: 'validation_failed',
        errors: [{ field: 'businessName', message: 'Type the business name on one line, without line breaks or hidden control or text-direction characters.' }],
      });
      const business = await signUp(served.api);
      const spoofed = await business.admin.post('/api/v1/clients', newClient({ firstName: 'Ada\u202Egnp.exe' }));
      expect(fieldErrors(spoofed)).toEqual({ status: 400, code: 'validation_failed', errors: [{ field: 'firstName', message: expect.stringContaining('text-direction characters') }] });
      const isolate = await business.admin.post('/api/v1/clients', newClient({ lastName: 'Love\u2066lace' }));
      expect(isolate.status).toBe(400);
      const product = (await business.admin.post('/api/v1/products', { name: 'Bootcamp', price: { amount: 100, currency: 'EUR' } })).body;
      const buyer = await served.api.post('/api/v1/checkout', { productId: product.id, buyer: { firstName: 'Bea\nSubject: free', lastName: 'Buyer', email: uniqueEmail() } }, { 'idempotency-key': randomUUID() });
      expect(fieldErrors(buyer)).toEqual({ status: 400, code: 'validation_failed', errors: [{ field: 'buyer.firstName', message: expect.stringContaining('line breaks') }] });
      // Names of every other script stay welcome.
      expect((await business.admin.post('/api/v1/clients', newClient({ firstName: 'Zoë', lastName: 'شريف' }))).status).toBe(201);
    });
  });

  describe('security headers', () => {
    const CSP_DIRECTIVES = ["default-src 'self'", "script-src 'self'", "frame-ancestors 'none'", "object-src 'none'", "base-uri 'none'"];
    const expectHardened = (headers: Headers, path: string) => {
      const csp = headers.get('content-security-policy') ?? '';
      for (const directive of CSP_DIRECTIVES) expect({ path, csp: csp.includes(directive) }).toEqual({ path, csp: true });
      expect({ path, inlineScript: /script-src[^;]*'unsafe-(inline|eval)'/.test(csp) }).toEqual({ path, inlineScript: false });
      expect({ path, nosniff: headers.get('x-content-type-options'), referrer: headers.get('referrer-policy'), frame: headers.get('x-frame-options') }).toEqual({
        path,
        nosniff: 'nosniff',
        referrer: 'no-referrer',
        frame: 'DENY',
      });
    };

    it('sends a strict CSP, frame-ancestors none, nosniff and no-referrer on pages, assets, API answers, errors and /docs', async () => {
      const index = await fetch(`${served.api.baseUrl}/reset-password?token=secret`);
      expectHardened(index.headers, '/reset-password');
      expect(index.headers.get('content-security-policy')).toContain("style-src 'self';");
      const html = await index.text();
      // The CSP allows no inline script, so the page must have none: every script is a file of ours.
      const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
      expect(scripts.length).toBeGreaterThan(0);
      for (const [, attributes, body] of scripts) expect({ attributes, body: body.trim() }).toEqual({ attributes: expect.stringMatching(/src="\/assets\//), body: '' });
      const asset = html.match(/src="(\/assets\/[^"]+)"/)![1];
      expectHardened((await fetch(`${served.api.baseUrl}${asset}`)).headers, asset);
      expectHardened((await served.api.get('/health')).headers, '/health');
      expectHardened((await served.api.get('/api/v1/clients')).headers, '/api/v1/clients (401)');
      expectHardened((await served.api.get('/nowhere')).headers, '/nowhere (404)');
      const docs = await fetch(`${served.api.baseUrl}/docs`);
      expect(docs.status).toBe(200);
      expectHardened(docs.headers, '/docs');
    });
  });

  describe('idempotency keys', () => {
    it('scopes a key to the product: two accounts use the same key on their own products, each gets its own purchase', async () => {
      const [a, b] = [await signUp(served.api), await signUp(served.api)];
      const productOf = async (business: typeof a) => (await business.admin.post('/api/v1/products', { name: 'Bootcamp', price: { amount: 4900, currency: 'EUR' } })).body.id as string;
      const [productA, productB] = [await productOf(a), await productOf(b)];
      const key = `order-${randomUUID()}`;
      const buy = (productId: string, email: string) => served.api.post('/api/v1/checkout', { productId, buyer: { firstName: 'Bea', lastName: 'Buyer', email } }, { 'idempotency-key': key });
      const [emailA, emailB] = [uniqueEmail('a'), uniqueEmail('b')];
      const first = await buy(productA, emailA);
      const second = await buy(productB, emailB);
      expect([first.status, second.status]).toEqual([201, 201]);
      expect(first.body.purchaseId).not.toBe(second.body.purchaseId);
      // The same key and the same request: the same purchase, nothing more.
      const again = await buy(productA, emailA);
      expect({ status: again.status, purchaseId: again.body.purchaseId }).toEqual({ status: 201, purchaseId: first.body.purchaseId });
      // The same key on the same product with another buyer is still refused.
      expect((await buy(productA, uniqueEmail('c'))).body.code).toBe('idempotency_key_reused');
    });
  });

  describe('currencies', () => {
    it('refuses XXX, XTS and gold as a price currency, with a sentence; EUR is fine', async () => {
      const business = await signUp(served.api);
      for (const currency of ['XXX', 'XTS', 'XAU']) {
        expect({ currency, ...fieldErrors(await business.admin.post('/api/v1/products', { name: 'Bootcamp', price: { amount: 100, currency } })) }).toEqual({
          currency,
          status: 400,
          code: 'validation_failed',
          errors: [{ field: 'price.currency', message: 'Choose a currency in use, such as EUR, USD or GBP.' }],
        });
      }
      expect((await business.admin.post('/api/v1/products', { name: 'Bootcamp', price: { amount: 100, currency: 'EUR' } })).status).toBe(201);
    });
  });

  describe('the dev mailbox', () => {
    const mailbox = (base: string) => fetch(`${base}/api/v1/dev/mailbox?to=${encodeURIComponent('ada@example.com')}`);

    it('is served on a loopback address (as here), and not when CLIENTELE_DEV_MAILBOX=false', async () => {
      expect((await mailbox(served.api.baseUrl)).status).toBe(200);
      const off = await startInProcess({ CLIENTELE_DEV_MAILBOX: 'false' });
      try {
        expect((await mailbox(off.api.baseUrl)).status).toBe(404);
      } finally {
        await off.stop();
      }
    }, 60_000);

    it('is not served when the gateway listens on every address', async () => {
      const exposed = await startInProcess({ HOST: '0.0.0.0' });
      try {
        const port = (exposed.app.getHttpServer().address() as AddressInfo).port;
        const answer = await mailbox(`http://127.0.0.1:${port}`);
        expect(answer.status).toBe(404);
        expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200);
      } finally {
        await exposed.stop();
      }
    }, 60_000);
  });

  describeWithChromium('The CSP browser test')('the web app under its CSP, in Chromium', () => {
    let browser: Browser;
    beforeAll(async () => {
      browser = await launchChromium();
    }, 60_000);
    afterAll(async () => {
      await browser?.close();
    });

    it('draws the sign-in page and Swagger UI with no CSP violation, and an injected inline handler does not run', async () => {
      const page = await browser.newPage();
      const consoleViolations: string[] = [];
      page.on('console', (message) => {
        if (/Content Security Policy|Refused to/i.test(message.text())) consoleViolations.push(message.text());
      });
      // Init scripts come from the browser's debugging protocol, not the page: the CSP does not apply to them.
      await page.addInitScript({
        content: `window.__violations = [];
          document.addEventListener('securitypolicyviolation', (event) => window.__violations.push(event.violatedDirective + ' ' + event.blockedURI));`,
      });
      const violations = () => page.evaluate<string[]>('window.__violations');

      await page.goto(`${served.api.baseUrl}/signin`);
      await page.getByRole('button', { name: /sign in/i }).waitFor();
      expect({ events: await violations(), console: consoleViolations }).toEqual({ events: [], console: [] });

      // What an XSS would try: an inline event handler. The CSP refuses to run it, and says so.
      await page.evaluate(`document.body.insertAdjacentHTML('beforeend', '<img src="data:," onerror="window.__pwned = true">')`);
      await page.waitForFunction('window.__violations.length > 0');
      expect(await violations()).toEqual([expect.stringMatching(/^script-src/)]);
      expect(await page.evaluate<boolean>('window.__pwned === true')).toBe(false);

      consoleViolations.length = 0;
      await page.goto(`${served.api.baseUrl}/docs`);
      await page.locator('.swagger-ui .info .title').waitFor();
      expect({ events: await violations(), console: consoleViolations }).toEqual({ events: [], console: [] });
      await page.close();
    }, 60_000);
  });
});
