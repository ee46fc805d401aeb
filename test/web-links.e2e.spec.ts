import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { MAIL_KINDS } from '../libs/notifications/service/src/templates/templates';
import { describeWithChromium, launchChromium } from './support/browser';
import { Api, PASSWORD, login, mailToken, newClient, signUp, uniqueEmail } from './support/http';
import { webAppForSuite } from './support/web-app';

// The README's screenshots are refreshed with UPDATE_SCREENSHOTS=1; ordinary runs leave the tree as it is.
const SCREENSHOTS = process.env.UPDATE_SCREENSHOTS ? join(__dirname, '..', 'docs', 'screenshots') : join(tmpdir(), 'clientele-screenshots');
const describeIfChromium = describeWithChromium('E-mailed links browser suite');
const WAIT = { timeout: 15_000 };

interface Mail {
  kind: string;
  to: string;
  text: string;
  html: string;
}

/** The mails to `to` in the dev mailbox, newest first. */
async function mailbox(api: Api, to: string): Promise<Mail[]> {
  return (await api.get(`/api/v1/dev/mailbox?to=${encodeURIComponent(to)}`)).body.items;
}

/** The newest mail of `kind` to `to`, waiting for it (mails leave through the bus, not at once). */
async function mailOf(api: Api, to: string, kind: string, timeoutMs = 15_000): Promise<Mail> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const mail = (await mailbox(api, to)).find((m) => m.kind === kind);
    if (mail) return mail;
    if (Date.now() > deadline) throw new Error(`no ${kind} mail for ${to} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Every link of a mail, from its text and from its HTML (a mail client shows either). */
/**
 * The client's page has shown everything it asks for at first: the thread, the profile (the
 * composer opens once it is in) and the measurements (the form shows with them). A change the
 * coach makes afterwards is met by the client's next step. Made before, it can meet a first load
 * still on its way: that load's 401 signs the client out while the test reloads the page, and the
 * reload then shows the sign-in form at the address the client was on instead of /login. (The
 * page's own content is waited for: signing in moves to /me without a page load, so Playwright's
 * 'networkidle' would not wait for these loads.)
 */
async function clientPageLoaded(page: Page): Promise<void> {
  await page.getByRole('list', { name: 'Messages' }).waitFor(WAIT);
  await page.locator('#me-composer:not([disabled])').waitFor(WAIT);
  await page.getByRole('heading', { name: 'Add a measurement' }).waitFor(WAIT);
}

function linksOf(mail: Mail): string[] {
  const fromText = mail.text.match(/https?:\/\/[^\s"<>]+/g) ?? [];
  const fromHtml = [...mail.html.matchAll(/href="([^"]+)"/g)].map((m) => m[1].replace(/&amp;/g, '&').replace(/&quot;/g, '"').replace(/&#39;/g, "'"));
  return [...new Set([...fromText, ...fromHtml])];
}

/**
 * Every e-mail the system sends carries links a person opens in a browser: each must open a page of
 * the app (not a JSON problem, not "page not found"), including the links of mails already sent
 * (`/login`, `/messages`). An address the app does not know gets its own "page not found" with 404;
 * the API keeps answering problem+json. No page load asks for a missing icon. A client their coach
 * switched to offline is told so, on their own sign-in page.
 */
describeIfChromium('e-mailed links and unknown addresses in headless Chromium', () => {
  const system = webAppForSuite({ startTimeoutMs: 60_000 });
  let browser: Browser;
  /** Every response and failed request of every page, for the icon check. */
  const iconProblems: string[] = [];

  beforeAll(async () => {
    browser = await launchChromium();
    mkdirSync(SCREENSHOTS, { recursive: true });
  });

  afterAll(() => browser?.close());

  const url = (path: string) => `${system.api.baseUrl}${path}`;
  /** A link as the mail carries it, pointed at this test's server (PUBLIC_URL is the gateway's own address, port 0 here). */
  const local = (link: string) => link.replace(/^https?:\/\/[^/]+/, system.api.baseUrl);
  const shot = (page: Page, name: string) => page.screenshot({ path: join(SCREENSHOTS, `${name}.png`) });

  async function freshPage(): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({ viewport: { width: 1024, height: 800 }, locale: 'en-US' });
    const page = await context.newPage();
    page.on('response', (response) => {
      if (/favicon/i.test(response.url()) && response.status() >= 400) iconProblems.push(`${response.status()} ${response.url()}`);
    });
    page.on('requestfailed', (request) => {
      if (/favicon/i.test(request.url())) iconProblems.push(`failed ${request.url()}`);
    });
    return { context, page };
  }

  /** Opens a link signed out, and expects a page the app draws: HTML with 200, a heading, not the not-found page, not JSON. */
  async function expectAppPage(link: string): Promise<Page> {
    const { page } = await freshPage();
    const response = await page.goto(local(link));
    expect({ link, status: response?.status(), type: response?.headers()['content-type'] }).toEqual({ link, status: 200, type: 'text/html; charset=utf-8' });
    const heading = page.getByRole('heading', { level: 1 });
    await heading.waitFor(WAIT);
    expect({ link, heading: await heading.textContent() }).not.toEqual({ link, heading: 'Page not found' });
    expect(await page.getByTestId('not-found').count()).toBe(0);
    return page;
  }

  it('opens every link of every kind of mail on a page of the app', async () => {
    const api = system.api;
    const business = await signUp(api);
    const email = uniqueEmail('nora');
    const added = await business.admin.post('/api/v1/clients', newClient({ email, firstName: 'Nora', lastName: 'Links' }));
    expect(added.status).toBe(201);
    const clientId = added.body.id as string;
    const mails: Mail[] = [];

    // invitation: the client accepts it through the API, so opening it afterwards shows a used link.
    mails.push(await mailOf(api, email, 'invitation'));
    expect((await api.post('/api/v1/auth/accept-invitation', { token: await mailToken(api, email), password: PASSWORD })).status).toBe(200);
    // login_details: the coach sends them again to a client who has signed in.
    expect((await business.admin.post(`/api/v1/clients/${clientId}/login-details`)).status).toBe(202);
    mails.push(await mailOf(api, email, 'login_details'));
    // password_reset: the client asked for one.
    expect((await api.post('/api/v1/auth/password-reset/request', { email })).status).toBe(202);
    mails.push(await mailOf(api, email, 'password_reset'));
    // new_message: the coach wrote.
    expect((await business.admin.post(`/api/v1/clients/${clientId}/messages`, { body: 'See you on Monday.' })).status).toBe(201);
    mails.push(await mailOf(api, email, 'new_message'));
    // access_restored: offline, then full access again.
    expect((await business.admin.put(`/api/v1/clients/${clientId}/type`, { type: 'offline' })).status).toBe(200);
    expect((await business.admin.put(`/api/v1/clients/${clientId}/type`, { type: 'full_access' })).status).toBe(200);
    mails.push(await mailOf(api, email, 'access_restored'));
    // email_change_confirmation to the new address, email_change_notice to the current one.
    const moved = uniqueEmail('nora.new');
    expect((await business.admin.patch(`/api/v1/clients/${clientId}`, { email: moved })).status).toBe(200);
    mails.push(await mailOf(api, moved, 'email_change_confirmation'));
    mails.push(await mailOf(api, email, 'email_change_notice'));

    // Every kind there is a template for was made; a new kind fails here until this test opens its links too.
    expect(new Set(mails.map((m) => m.kind))).toEqual(new Set(MAIL_KINDS));

    for (const mail of mails) {
      const links = linksOf(mail);
      expect({ kind: mail.kind, links: links.length > 0 }).toEqual({ kind: mail.kind, links: true });
      for (const link of links) {
        const page = await expectAppPage(link);
        if (mail.kind === 'login_details' || mail.kind === 'access_restored' || mail.kind === 'email_change_notice') {
          // The client's own sign-in page: no business sign-up offered there.
          await page.getByRole('heading', { name: 'Sign in to the client app' }).waitFor(WAIT);
          expect(await page.getByRole('link', { name: 'Create your business account' }).count()).toBe(0);
        }
        await page.context().close();
      }
    }
  }, 180_000);

  it('says "this link was used; sign in" for an invitation link opened again after it was used, instead of the password form', async () => {
    const api = system.api;
    const business = await signUp(api);
    const email = uniqueEmail('ivy');
    await business.admin.post('/api/v1/clients', newClient({ email, firstName: 'Ivy', lastName: 'Again' }));
    const link = linksOf(await mailOf(api, email, 'invitation'))[0];

    // Fresh, it asks for a password; the client chooses one.
    const page = await expectAppPage(link);
    await page.getByLabel('New password').fill(PASSWORD);
    await page.getByLabel('Repeat the password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Create my login' }).click();
    await page.waitForURL(/\/me$/, WAIT);
    await page.context().close();

    // Opened again from the mail: it says it was used and leads to the client's sign-in.
    const again = await expectAppPage(link);
    await again.getByTestId('invitation-used').filter({ hasText: 'This link was used; sign in' }).waitFor(WAIT);
    expect(await again.getByLabel('New password').count()).toBe(0);
    await shot(again, 'invitation-used');
    await again.getByRole('link', { name: 'Sign in', exact: true }).click();
    await again.getByRole('heading', { name: 'Sign in to the client app' }).waitFor(WAIT);
    await again.context().close();
  }, 120_000);

  it('takes a client from the new-message mail through their sign-in to the message', async () => {
    const api = system.api;
    const business = await signUp(api);
    const email = uniqueEmail('milo');
    const added = await business.admin.post('/api/v1/clients', newClient({ email, firstName: 'Milo', lastName: 'Reader' }));
    expect((await api.post('/api/v1/auth/accept-invitation', { token: await mailToken(api, email, 'invitation', 15_000), password: PASSWORD })).status).toBe(200);
    expect((await business.admin.post(`/api/v1/clients/${added.body.id}/messages`, { body: 'Your plan for the week is ready.' })).status).toBe(201);
    const link = linksOf(await mailOf(api, email, 'new_message'))[0];
    expect(new URL(link).pathname).toBe('/messages');

    const page = await expectAppPage(link);
    await page.getByRole('heading', { name: 'Sign in to the client app' }).waitFor(WAIT);
    await shot(page, 'client-sign-in');
    await page.getByLabel('E-mail').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Messages with your coach' }).waitFor(WAIT);
    await page.getByText('Your plan for the week is ready.').waitFor(WAIT);
    expect(new URL(page.url()).pathname).toBe('/messages');
    await page.context().close();
  }, 120_000);

  it('shows its own "page not found" with 404 for an unknown address, signed out and signed in, and keeps problem+json for the API', async () => {
    const { page, context } = await freshPage();
    const unknown = await page.goto(url('/no-such-page'));
    expect(unknown?.status()).toBe(404);
    await page.getByRole('heading', { name: 'Page not found' }).waitFor(WAIT);
    await shot(page, 'not-found');
    await page.getByRole('link', { name: 'Go to the home page' }).click();
    await page.getByRole('heading', { name: 'Sign in', exact: true }).waitFor(WAIT);

    // Signed in, inside the staff app (with its navigation).
    const business = await signUp(system.api);
    await page.getByLabel('E-mail').fill(business.email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('navigation', { name: 'Main' }).waitFor(WAIT);
    expect((await page.goto(url('/clients/1/2/3')))?.status()).toBe(404);
    await page.getByRole('heading', { name: 'Page not found' }).waitFor(WAIT);
    await page.getByRole('navigation', { name: 'Main' }).waitFor(WAIT);
    await page.getByRole('link', { name: 'Go to the home page' }).click();
    await page.waitForURL(/\/home$/, WAIT);

    // The API, opened in a tab or fetched, stays a problem document.
    const api = await page.goto(url('/api/v1/nope'));
    expect({ status: api?.status(), type: api?.headers()['content-type'] }).toEqual({ status: 404, type: 'application/problem+json; charset=utf-8' });
    expect(JSON.parse((await api?.text()) ?? '{}')).toMatchObject({ status: 404, code: 'not_found' });
    const fetched = await system.api.get('/no-such-page', { accept: 'application/json' });
    expect({ status: fetched.status, code: fetched.body.code }).toEqual({ status: 404, code: 'not_found' });
    await context.close();
  }, 120_000);

  it('tells a client switched to offline, on the client sign-in page, that their coach paused their access', async () => {
    const api = system.api;
    const business = await signUp(api);
    const email = uniqueEmail('olga');
    const added = await business.admin.post('/api/v1/clients', newClient({ email, firstName: 'Olga', lastName: 'Paused' }));
    expect((await api.post('/api/v1/auth/accept-invitation', { token: await mailToken(api, email, 'invitation', 15_000), password: PASSWORD })).status).toBe(200);
    expect((await business.admin.post(`/api/v1/clients/${added.body.id}/login-details`)).status).toBe(202);
    const link = linksOf(await mailOf(api, email, 'login_details'))[0];

    // Signed in from the login-details mail, the client uses the app.
    const page = await expectAppPage(link);
    await page.getByLabel('E-mail').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Messages with your coach' }).waitFor(WAIT);
    await clientPageLoaded(page);

    // The coach switches them to offline; their next step ends the session, and they land on their own sign-in page.
    expect((await business.admin.put(`/api/v1/clients/${added.body.id}/type`, { type: 'offline' })).status).toBe(200);
    await page.reload();
    await page.waitForURL(/\/login$/, WAIT);
    await page.getByTestId('session-ended').waitFor(WAIT);
    expect(await page.getByRole('link', { name: 'Create your business account' }).count()).toBe(0);
    // Reloaded (or the app's own request found the session ended before a reload): still told why.
    await page.reload();
    await page.getByTestId('session-ended').waitFor(WAIT);

    // A wrong password says nothing more than to anyone.
    await page.getByLabel('E-mail').fill(email);
    await page.getByLabel('Password').fill('not the password at all');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'The e-mail address or the password is not right.' }).waitFor(WAIT);

    // The right password: told in plain words, and still not signed in.
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'Your coach has paused your access to the client app' }).waitFor(WAIT);
    expect(new URL(page.url()).pathname).toBe('/login');
    await shot(page, 'client-access-paused');
    // The API says the same, with the same status and code as any refused sign-in.
    const refused = await api.post('/api/v1/auth/login', { email, password: PASSWORD });
    expect({ status: refused.status, code: refused.body.code }).toEqual({ status: 401, code: 'invalid_credentials' });
    await expect(login(api, email)).rejects.toThrow(/paused/);
    await page.context().close();
  }, 120_000);

  it('tells a signed-in client whose coach switches them to offline why their session ended, on the client sign-in page', async () => {
    const api = system.api;
    const business = await signUp(api);
    const email = uniqueEmail('otto');
    const added = await business.admin.post('/api/v1/clients', newClient({ email, firstName: 'Otto', lastName: 'Ended' }));
    expect((await api.post('/api/v1/auth/accept-invitation', { token: await mailToken(api, email, 'invitation', 15_000), password: PASSWORD })).status).toBe(200);

    const { page } = await freshPage();
    await page.goto(url('/login'));
    await page.getByLabel('E-mail').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Messages with your coach' }).waitFor(WAIT);
    await clientPageLoaded(page);

    expect((await business.admin.put(`/api/v1/clients/${added.body.id}/type`, { type: 'offline' })).status).toBe(200);
    // Their next step (a message to the coach) meets the ended session.
    await page.getByLabel('Message to your coach').fill('Are we still on for Monday?');
    await page.getByRole('button', { name: 'Send' }).click();
    await page.waitForURL(/\/login$/, WAIT);
    await page.getByTestId('session-ended').filter({ hasText: 'Your coach has paused your access to the client app' }).waitFor(WAIT);
    await page.getByRole('heading', { name: 'Sign in to the client app' }).waitFor(WAIT);
    expect(await page.getByRole('link', { name: 'Create your business account' }).count()).toBe(0);
    await shot(page, 'client-session-ended');
    await page.context().close();
  }, 120_000);

  it('never asks for a missing icon: the pages carry theirs, and /favicon.ico answers for the others', async () => {
    const { page, context } = await freshPage();
    for (const path of ['/', '/login', '/no-such-page', '/api/v1/nope', '/checkout/nothing']) await page.goto(url(path));
    await page.goto(url('/'));
    expect(await page.locator('link[rel~="icon"]').getAttribute('href')).toMatch(/^data:image\/svg\+xml,/);
    const icon = await fetch(url('/favicon.ico'));
    expect({ status: icon.status, type: icon.headers.get('content-type') }).toEqual({ status: 200, type: 'image/svg+xml' });
    await context.close();
    // Over every page this suite opened (this test runs last).
    expect(iconProblems).toEqual([]);
  }, 60_000);
});
