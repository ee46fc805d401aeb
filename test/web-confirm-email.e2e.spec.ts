import type { Browser, Page } from 'playwright-core';
import { describeWithChromium, launchChromium } from './support/browser';
import { PASSWORD, mailToken, newClient, signUp, uniqueEmail } from './support/http';
import { webAppForSuite } from './support/web-app';

const describeIfChromium = describeWithChromium('Confirm-email browser suite');

/**
 * A client whose coach changed their address opens the confirmation link from the mail: the page
 * confirms it, and from then on the client signs in with the new address through the sign-in page.
 */
describeIfChromium('a client confirms a new sign-in address in the browser (headless Chromium)', () => {
  const system = webAppForSuite();
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    browser = await launchChromium();
    page = await (await browser.newContext({ viewport: { width: 1024, height: 800 }, locale: 'en-US' })).newPage();
  });

  afterAll(() => browser?.close());

  it('opens the link from the mail, confirms the address, and signs in with it', async () => {
    const api = system.api;
    const business = await signUp(api);
    const first = uniqueEmail('client');
    const second = uniqueEmail('client');
    const added = await business.admin.post('/api/v1/clients', newClient({ email: first, firstName: 'Nora' }));
    expect((await api.post('/api/v1/auth/accept-invitation', { token: await mailToken(api, first), password: PASSWORD })).status).toBe(200);
    expect((await business.admin.patch(`/api/v1/clients/${added.body.id}`, { email: second })).status).toBe(200);

    // The link exactly as the mail carries it.
    await mailToken(api, second, 'email_change_confirmation', 15_000);
    const mail = (await api.get(`/api/v1/dev/mailbox?to=${encodeURIComponent(second)}`)).body.items.find((m: { kind: string }) => m.kind === 'email_change_confirmation');
    const link = (mail.text as string).match(/https?:\/\/\S+\/confirm-email\?token=\S+/)?.[0];
    expect(link).toBeDefined();
    await page.goto(link!.replace(/^https?:\/\/[^/]+/, system.api.baseUrl));
    await page.getByRole('status').filter({ hasText: `from now on you sign in with ${second}` }).waitFor({ timeout: 15_000 });

    // Opened again, the link says it was used.
    await page.reload();
    await page.getByRole('alert').filter({ hasText: 'not valid any more' }).waitFor({ timeout: 15_000 });

    // The client signs in with the new address on the sign-in page.
    await page.getByRole('link', { name: 'Sign in' }).click();
    await page.getByLabel('E-mail').fill(second);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/me/, { timeout: 15_000 });
  }, 120_000);
});
