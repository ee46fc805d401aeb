import type { Browser, BrowserContext, Page } from 'playwright-core';
import { AccessibilityAudit, contrastRatio, expectNoSeriousViolations, fieldBorder, focusRing, type FocusRing } from './support/axe';
import { describeWithChromium, launchChromium } from './support/browser';
import { PASSWORD, mailToken, newClient, signUp, uniqueEmail, type Business } from './support/http';
import { webAppForSuite } from './support/web-app';

const describeIfChromium = describeWithChromium('Accessibility browser suite');
const DAY = 24 * 3600_000;

/**
 * Issue 21, item 16: axe-core's WCAG 2 A/AA rules on every page of the web app, in the states a
 * coach and their clients meet (empty and full, dialogs and menus open, errors shown, links from
 * the mails fresh and used, desktop and phone). A serious or critical violation fails the test;
 * each test checks all its pages first and then lists every violation found, page by page.
 */
describeIfChromium('accessibility of every page of the web app (axe-core in headless Chromium)', () => {
  const system = webAppForSuite();
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  /** A business with clients, a product, notes, messages and a session: what a coach in the middle of their week sees. */
  let busy: Business;
  /** A business that has just signed up. */
  let fresh: Business;
  const clients = {} as Record<'ada' | 'alan' | 'grace', { id: string; email: string }>;
  let productId: string;

  const url = (path: string) => `${system.api.baseUrl}${path}`;

  /** A signed-out browser of its own (local storage holds the session). The app forbids inline scripts, and axe is one. */
  async function newPage(viewport = { width: 1280, height: 800 }): Promise<Page> {
    const context = await browser.newContext({ viewport, locale: 'en-US', bypassCSP: true });
    context.setDefaultTimeout(15_000);
    contexts.push(context);
    return context.newPage();
  }

  /** Waits until nothing on the page is loading any more (skeletons and aria-busy regions gone). */
  const settled = (page: Page) =>
    page.waitForFunction(() => !(globalThis as unknown as { document: { querySelector(s: string): unknown } }).document.querySelector('[aria-busy="true"], .skeleton'), undefined, {
      timeout: 15_000,
    });

  /** The page's main heading (any level-1 heading), then nothing loading. */
  async function loaded(page: Page, heading?: string | RegExp): Promise<void> {
    await (heading ? page.getByRole('heading', { name: heading }).first() : page.locator('h1').first()).waitFor();
    await settled(page);
  }

  async function signIn(page: Page, email: string): Promise<void> {
    await page.goto(url('/'));
    await page.getByLabel('E-mail').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/(home|me)/);
  }

  beforeAll(async () => {
    browser = await launchChromium();
    const api = system.api;
    fresh = await signUp(api, 10);
    busy = await signUp(api, 10);
    for (const [key, first, last, type] of [
      ['ada', 'Ada', 'Lovelace', 'full_access'],
      ['alan', 'Alan', 'Turing', 'full_access_one_way'],
      ['grace', 'Grace', 'Hopper', 'offline'],
    ] as const) {
      const email = uniqueEmail(first.toLowerCase());
      const added = await busy.admin.post('/api/v1/clients', newClient({ firstName: first, lastName: last, email, phone: '+44 20 7946 0000', type }));
      if (added.status !== 201) throw new Error(`adding ${first}: ${added.status} ${JSON.stringify(added.body)}`);
      clients[key] = { id: added.body.id, email };
    }
    const ada = clients.ada.id;
    await busy.admin.post(`/api/v1/clients/${ada}/notes`, { body: 'Knee feels better; back to squats next week.' });
    await busy.admin.post(`/api/v1/clients/${ada}/messages`, { body: 'See you on Tuesday at the studio.' });
    await busy.admin.post(`/api/v1/clients/${ada}/sessions`, { start: new Date(Date.now() + 2 * DAY).toISOString(), durationMinutes: 60, location: 'Studio 2' });
    // A paid-for session done yesterday (a payment in Finances), and two measurements (a chart in Progress).
    const done = await busy.admin.post(`/api/v1/clients/${ada}/sessions`, { start: new Date(Date.now() - DAY).toISOString(), durationMinutes: 60, price: { amount: 5000, currency: 'EUR' } });
    await busy.admin.post(`/api/v1/sessions/${done.body.id}/complete`, {});
    await busy.admin.post(`/api/v1/clients/${ada}/measurements`, { measuredAt: new Date(Date.now() - 30 * DAY).toISOString().slice(0, 10), values: { weight: 73.2, bodyFat: 22.5, waist: 84 } });
    await busy.admin.post(`/api/v1/clients/${ada}/measurements`, { measuredAt: new Date(Date.now() - DAY).toISOString().slice(0, 10), values: { weight: 71.4, waist: 81 } });
    const product = await busy.admin.post('/api/v1/products', { name: '12-week strength', price: { amount: 4900, currency: 'EUR' }, clientType: 'full_access_one_way' });
    if (product.status !== 201) throw new Error(`creating a product: ${product.status} ${JSON.stringify(product.body)}`);
    productId = product.body.id;
    const coach = await busy.admin.post('/api/v1/staff', { firstName: 'Cora', lastName: 'Coach', email: uniqueEmail('cora'), password: PASSWORD, role: 'coach' });
    if (coach.status !== 201) throw new Error(`adding a coach: ${coach.status} ${JSON.stringify(coach.body)}`);
  }, 60_000);

  afterAll(async () => {
    for (const context of contexts) await context.close().catch(() => undefined);
    await browser?.close();
  });

  it('the audit itself fails on a page with a serious violation, naming the rule, what to do and the element', async () => {
    const page = await newPage();
    await page.setContent('<html lang="en"><head><title>Broken</title></head><body><main><h1>Broken</h1><img class="photo" src="data:,"><button class="icon"></button></main></body></html>');
    const failure = await expectNoSeriousViolations(page, 'a broken page').then(
      () => 'no failure',
      (error: Error) => error.message,
    );
    expect(failure).toMatch(/^a broken page \(about:blank\): 2 serious or critical accessibility violation/);
    expect(failure).toMatch(/image-alt \(critical\): Images must have alternative text[^\n]*\n\s+at img\b/);
    expect(failure).toMatch(/button-name \(critical\): Buttons must have discernible text[^\n]*\n\s+at button\b/);

    const audit = new AccessibilityAudit();
    await audit.check(page, 'a broken page');
    await page.setContent('<html lang="en"><head><title>Fine</title></head><body><main><h1>Fine</h1><img src="data:," alt="A logo"></main></body></html>');
    await audit.check(page, 'a fine page');
    expect(() => audit.assertClean()).toThrow(/on 1 of 2 page states:\na broken page/);
  }, 60_000);

  it('shows the keyboard focus with a ring that stands out, and outlines fields against the page (WCAG 2.4.7, 1.4.11)', async () => {
    const page = await newPage();
    const visible = (ring: FocusRing) => ({ element: ring.element, visible: ring.style !== 'none' && ring.width >= 2 && contrastRatio(ring.color, ring.background) >= 3 });
    /** Tabs forward until `predicate` holds for the focused element (at most 15 times). */
    const tabTo = async (selector: string) => {
      for (let i = 0; i < 15; i++) {
        await page.keyboard.press('Tab');
        if (await page.evaluate((s) => (globalThis as unknown as { document: { activeElement: { matches(s: string): boolean } | null } }).document.activeElement?.matches(s) ?? false, selector)) return;
      }
      throw new Error(`Tab never reached ${selector}`);
    };

    await page.goto(url('/'));
    await loaded(page);
    const email = page.getByLabel('E-mail');
    const border = await fieldBorder(email);
    expect(contrastRatio(border.color, border.outside)).toBeGreaterThanOrEqual(3);
    expect(contrastRatio(border.color, border.inside)).toBeGreaterThanOrEqual(3);
    await tabTo('input[type="email"]');
    expect(visible(await focusRing(page))).toEqual({ element: expect.stringMatching(/^input/), visible: true });
    await tabTo('button[type="submit"]');
    expect(visible(await focusRing(page))).toEqual({ element: 'button "Sign in"', visible: true });

    // The profile's menu, opened and moved through with the arrows, and the tab strip.
    await signIn(page, busy.email);
    await page.goto(url(`/clients/${clients.grace.id}`));
    await loaded(page, 'Grace Hopper');
    await page.getByRole('button', { name: 'Client actions' }).focus();
    await page.keyboard.press('ArrowDown');
    await page.getByRole('menu').waitFor();
    await page.keyboard.press('ArrowDown');
    expect(visible(await focusRing(page))).toEqual({ element: expect.stringMatching(/^li/), visible: true });
    await page.keyboard.press('Escape');
    await page.getByRole('menu').waitFor({ state: 'detached' });
    await tabTo('[role="tab"]');
    expect(visible(await focusRing(page))).toEqual({ element: expect.stringMatching(/^button/), visible: true });
  }, 120_000);

  it('passes on the signed-out pages: sign-in, sign-up, forgot-password, checkout on desktop and phone, an unknown address', async () => {
    const audit = new AccessibilityAudit();
    const page = await newPage();

    await page.goto(url('/'));
    await loaded(page);
    await audit.check(page, 'sign-in');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await audit.check(page, 'sign-in, submitted empty');

    await page.goto(url('/signup'));
    await loaded(page);
    await audit.check(page, 'sign-up');
    await page.getByLabel('E-mail').fill('not-an-address');
    await page.getByLabel('Password').fill('short');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.locator('[role="alert"], .field-error').first().waitFor();
    await audit.check(page, 'sign-up with field errors');

    await page.goto(url('/forgot-password'));
    await loaded(page);
    await audit.check(page, 'forgot-password');
    await page.getByLabel('E-mail').fill(uniqueEmail('nobody'));
    await page.getByRole('button', { name: 'Send me a link' }).click();
    await page.getByRole('status').waitFor();
    await audit.check(page, 'forgot-password, link sent');

    await page.goto(url(`/checkout/${productId}`));
    await loaded(page, '12-week strength');
    await audit.check(page, 'checkout (desktop)');

    const phone = await newPage({ width: 390, height: 844 });
    await phone.goto(url(`/checkout/${productId}`));
    await loaded(phone, '12-week strength');
    await audit.check(phone, 'checkout (phone)');
    await phone.getByLabel('First name').fill('Bea');
    await phone.getByLabel('Last name').fill('Buyer');
    await phone.getByLabel('E-mail').fill(uniqueEmail('buyer'));
    await phone.getByRole('button', { name: /^Buy/ }).click();
    await phone.getByRole('heading', { name: 'Thank you!' }).waitFor();
    await audit.check(phone, 'checkout confirmation (phone)');

    await page.goto(url('/checkout/no-such-product'));
    await page.locator('[role="alert"], h1').first().waitFor();
    await settled(page);
    await audit.check(page, 'checkout of an unknown product');

    await page.goto(url('/no/such/page'));
    await loaded(page);
    await audit.check(page, 'unknown address, signed out');

    audit.assertClean();
  }, 180_000);

  it('passes on the pages the mails link to: accept-invitation fresh and used, the client\'s own page, reset-password, confirm-email', async () => {
    const audit = new AccessibilityAudit();
    const api = system.api;
    const page = await newPage();

    // Ada's invitation, exactly as the mail carries it.
    const invitation = await mailToken(api, clients.ada.email, 'invitation', 15_000);
    const link = `/accept-invitation?token=${encodeURIComponent(invitation)}`;
    await page.goto(url(link));
    await loaded(page);
    await audit.check(page, 'accept-invitation, fresh link');
    await page.getByLabel('New password').fill(PASSWORD);
    await page.getByLabel('Repeat the password').fill('not the same password');
    await page.getByRole('button', { name: 'Create my login' }).click();
    await page.getByText('The two passwords are not the same.').waitFor();
    await audit.check(page, 'accept-invitation, passwords differ');
    await page.getByLabel('Repeat the password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Create my login' }).click();
    await page.waitForURL(/\/me/);
    await loaded(page);
    await audit.check(page, "the client's own page (/me), full access");

    const used = await newPage();
    await used.goto(url(link));
    await loaded(used);
    await audit.check(used, 'accept-invitation, used link');
    await used.goto(url('/accept-invitation'));
    await loaded(used);
    await audit.check(used, 'accept-invitation, incomplete link');

    // A one-way client on their own page, on a phone.
    const alan = await newPage({ width: 390, height: 844 });
    const alanToken = await mailToken(api, clients.alan.email, 'invitation', 15_000);
    expect((await api.post('/api/v1/auth/accept-invitation', { token: alanToken, password: PASSWORD })).status).toBe(200);
    await signIn(alan, clients.alan.email);
    await loaded(alan);
    await audit.check(alan, "the client's own page (/me), one-way, phone");

    // A password reset for Ada, from the mail.
    expect((await api.post('/api/v1/auth/password-reset/request', { email: clients.ada.email })).status).toBe(202);
    const reset = await mailToken(api, clients.ada.email, 'password_reset', 15_000);
    await used.goto(url(`/reset-password?token=${encodeURIComponent(reset)}`));
    await loaded(used);
    await audit.check(used, 'reset-password');

    // Alan's coach changes his address: the confirmation link, then the same link used.
    const newAddress = uniqueEmail('alan.new');
    expect((await busy.admin.patch(`/api/v1/clients/${clients.alan.id}`, { email: newAddress })).status).toBe(200);
    const confirm = await mailToken(api, newAddress, 'email_change_confirmation', 15_000);
    await used.goto(url(`/confirm-email?token=${encodeURIComponent(confirm)}`));
    await used.getByRole('status').filter({ hasText: newAddress }).waitFor();
    await settled(used);
    await audit.check(used, 'confirm-email, confirmed');
    await used.reload();
    await used.getByRole('alert').waitFor();
    await settled(used);
    await audit.check(used, 'confirm-email, used link');

    // The client's own sign-in, which the mails link to; then Alan, switched to offline, signs in and is told why he cannot.
    const login = await newPage();
    await login.goto(url('/login'));
    await loaded(login);
    await audit.check(login, 'client sign-in (/login)');
    expect((await busy.admin.put(`/api/v1/clients/${clients.alan.id}/type`, { type: 'offline' })).status).toBe(200);
    await login.getByLabel('E-mail').fill(newAddress);
    await login.getByLabel('Password').fill(PASSWORD);
    await login.getByRole('button', { name: 'Sign in' }).click();
    await login.locator('[role="alert"], [role="status"]').first().waitFor();
    await audit.check(login, 'client sign-in, access paused (offline client)');
    await login.goto(url('/messages'));
    await loaded(login);
    await audit.check(login, 'the new-message mail\'s link (/messages), signed out');

    // Ada, signed in, at an address her app does not know.
    await page.goto(url('/me/nowhere'));
    await page.locator('h1').first().waitFor();
    await settled(page);
    await audit.check(page, 'unknown address, signed in as a client');

    audit.assertClean();
  }, 180_000);

  it('passes on a new coach\'s empty pages and the add-client dialog', async () => {
    const audit = new AccessibilityAudit();
    const page = await newPage();
    await signIn(page, fresh.email);
    await loaded(page, /^Hello/);
    await audit.check(page, 'home, no clients yet');

    await page.goto(url('/clients'));
    await loaded(page, 'No clients yet');
    await audit.check(page, 'clients list, empty');

    await page.getByRole('button', { name: /add (your first )?client/i }).first().click();
    const add = page.getByRole('dialog', { name: 'Add client' });
    await add.waitFor();
    await audit.check(page, 'add-client dialog');
    await add.getByLabel('E-mail').fill('not-an-address');
    await add.getByRole('button', { name: /^Add/ }).first().click();
    await add.locator('.field-error, [role="alert"]').first().waitFor();
    await audit.check(page, 'add-client dialog with field errors');
    await page.keyboard.press('Escape');
    await add.waitFor({ state: 'detached' });

    await page.goto(url('/products'));
    await loaded(page, 'Products');
    await audit.check(page, 'products, none yet');

    audit.assertClean();
  }, 180_000);

  it('passes on a busy coach\'s pages: home, the list with a selection, every profile tab, the dialogs, products, import, staff, settings, not found', async () => {
    const audit = new AccessibilityAudit();
    const page = await newPage();
    await signIn(page, busy.email);
    await loaded(page, /^Hello/);
    await page.getByRole('link', { name: 'Ada Lovelace', exact: true }).first().waitFor();
    await audit.check(page, 'home with clients');

    // While the list loads (its answer held back until axe has looked): the skeleton.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const listRequest = /\/api\/v1\/clients\?/;
    await page.route(listRequest, async (route) => {
      await held;
      await route.continue();
    });
    await page.goto(url('/clients'));
    await page.locator('.skeleton').first().waitFor();
    await audit.check(page, 'clients list while loading');
    release();

    await loaded(page, 'Clients');
    await page.getByRole('link', { name: 'Grace Hopper', exact: true }).waitFor();
    await page.unroute(listRequest);
    await audit.check(page, 'clients list');
    await page.getByRole('checkbox', { name: 'Select Ada Lovelace' }).check();
    await page.getByRole('checkbox', { name: 'Select Alan Turing' }).check();
    await audit.check(page, 'clients list with two selected');
    await page.getByRole('button', { name: 'Actions for the selected clients' }).click();
    await page.getByRole('menu').waitFor();
    await audit.check(page, 'clients list, bulk actions menu open');
    await page.getByRole('menuitem', { name: /change client type/i }).click();
    const bulk = page.getByRole('dialog', { name: /change client type/i });
    await bulk.waitFor();
    await audit.check(page, 'bulk change-type dialog');
    await page.keyboard.press('Escape');
    await bulk.waitFor({ state: 'detached' });

    // Every tab of the profile, whichever there are when this runs.
    await page.goto(url(`/clients/${clients.ada.id}`));
    await loaded(page, 'Ada Lovelace');
    const tabs = page.getByRole('tablist', { name: 'Client profile' }).getByRole('tab');
    const names = (await tabs.allTextContents()).map((name) => name.trim());
    expect(names.length).toBeGreaterThan(0);
    for (const name of names) {
      const tab = page.getByRole('tab', { name, exact: true });
      await tab.click();
      await page.locator('[role="tab"][aria-selected="true"]', { hasText: name }).waitFor();
      await page.getByRole('tabpanel').waitFor();
      await settled(page);
      await audit.check(page, `client profile, ${name} tab`);
    }
    const contactTab = page.getByRole('tab', { name: 'Contact', exact: true });
    if ((await contactTab.count()) > 0) {
      await contactTab.click();
      await settled(page);
      await page.getByRole('button', { name: 'Edit contact' }).click();
      await page.getByLabel('Phone').waitFor();
      await audit.check(page, 'client profile, contact being edited');
    }

    await page.getByRole('button', { name: 'Client actions' }).click();
    await page.getByRole('menu').waitFor();
    await audit.check(page, 'client profile, actions menu open');
    await page.getByRole('menuitem', { name: /change client type/i }).click();
    const change = page.getByRole('dialog', { name: /change client type/i });
    await change.waitFor();
    await audit.check(page, 'change-type dialog');
    await page.keyboard.press('Escape');
    await change.waitFor({ state: 'detached' });

    await page.getByRole('button', { name: 'Client actions' }).click();
    await page.getByRole('menuitem', { name: 'Delete' }).click();
    const remove = page.getByRole('dialog', { name: /^Delete/ });
    await remove.waitFor();
    await audit.check(page, 'delete dialog');
    await page.keyboard.press('Escape');
    await remove.waitFor({ state: 'detached' });

    await page.goto(url('/clients/00000000-0000-4000-8000-000000000000'));
    await loaded(page);
    await audit.check(page, 'client profile of a client that does not exist');

    await page.goto(url('/products'));
    await loaded(page, 'Products');
    const productRow = page.locator('tr', { hasText: '12-week strength' });
    await productRow.waitFor();
    await audit.check(page, 'products');
    await page.getByRole('button', { name: 'Create product' }).click();
    await page.locator('.field-error, [role="alert"]').first().waitFor();
    await audit.check(page, 'products, the new-product form with errors');
    await productRow.getByRole('button', { name: /archive/i }).click();
    const archive = page.getByRole('dialog', { name: /^Archive/ });
    await archive.waitFor();
    await audit.check(page, 'archive-product dialog');
    await page.keyboard.press('Escape');
    await archive.waitFor({ state: 'detached' });

    // CSV import: the page, a chosen file's preview, then the report with a refused row.
    await page.goto(url('/clients/import'));
    await loaded(page, 'Import clients');
    await audit.check(page, 'import clients');
    const csv = ['First name,Last name,Email address', `Katherine,Johnson,${uniqueEmail('katherine')}`, 'Dorothy,Vaughan,not-an-address'].join('\n');
    await page.locator('input[type="file"]').setInputFiles({ name: 'clients.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await page.getByRole('table', { name: /first rows/i }).waitFor();
    await audit.check(page, 'import clients, preview of a chosen file');
    await page.getByRole('button', { name: /^Import \d/ }).click();
    await page.getByTestId('import-report').waitFor();
    await settled(page);
    await audit.check(page, 'import clients, report with a refused row');

    // Staff: the list with a coach, their access dialog and the remove dialog.
    await page.goto(url('/staff'));
    await loaded(page, 'Staff');
    await page.getByRole('cell', { name: 'Cora' }).or(page.getByText('Cora Coach')).first().waitFor();
    await audit.check(page, 'staff');
    await page.getByRole('button', { name: /access of Cora Coach/i }).click();
    const access = page.getByRole('dialog', { name: /Cora Coach/ });
    await access.waitFor();
    await audit.check(page, 'staff, change-access dialog');
    await page.keyboard.press('Escape');
    await access.waitFor({ state: 'detached' });
    // Remove is either on the row or in the row's menu, depending on the version of the page.
    const more = page.getByRole('button', { name: /^More for Cora Coach/ });
    if ((await more.count()) > 0) {
      await more.click();
      await page.getByRole('menu').waitFor();
      await audit.check(page, "staff, a row's menu open");
      await page.getByRole('menuitem', { name: /^Remove/ }).click();
    } else {
      await page.getByRole('button', { name: /^Remove Cora Coach/ }).click();
    }
    const removeStaff = page.getByRole('dialog', { name: /^Remove Cora Coach/ });
    await removeStaff.waitFor();
    await audit.check(page, 'staff, remove dialog');
    await page.keyboard.press('Escape');
    await removeStaff.waitFor({ state: 'detached' });

    await page.goto(url('/settings'));
    await loaded(page, 'Settings');
    await audit.check(page, 'settings');

    await page.goto(url('/no/such/page'));
    await loaded(page, 'Page not found');
    await audit.check(page, 'unknown address, signed in (not found)');

    // The coach on a phone: home, the list and a profile.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(url('/home'));
    await loaded(page, /^Hello/);
    await audit.check(page, 'home (phone)');
    await page.goto(url('/clients'));
    await loaded(page, 'Clients');
    await page.getByRole('link', { name: 'Grace Hopper', exact: true }).waitFor();
    await audit.check(page, 'clients list (phone)');
    await page.goto(url(`/clients/${clients.ada.id}`));
    await loaded(page, 'Ada Lovelace');
    await audit.check(page, 'client profile (phone)');

    audit.assertClean();
  }, 240_000);
});
