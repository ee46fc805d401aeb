import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { describeWithChromium, launchChromium } from './support/browser';
import { signUp, uniqueEmail, type Business } from './support/http';
import { webAppForSuite } from './support/web-app';

// The README's screenshots are refreshed with UPDATE_SCREENSHOTS=1; ordinary runs leave the tree as it is.
const SCREENSHOTS = process.env.UPDATE_SCREENSHOTS ? join(__dirname, '..', 'docs', 'screenshots') : join(tmpdir(), 'clientele-screenshots');
const PASSWORD = 'correct horse battery';
const TIMEOUT = 15_000;
const describeIfChromium = describeWithChromium('Staff and settings browser suite');

/**
 * Issue 21, items 6 and 7 in Chromium: an admin adds a coach with capabilities, changes them and
 * sends a reset link; the coach opens the link from the dev mailbox, sets a password and signs in;
 * the admin renames the business and raises the seat limit in Settings.
 */
describeIfChromium('staff and account settings in headless Chromium (embedded profile)', () => {
  const system = webAppForSuite({ startTimeoutMs: 60_000 });
  let browser: Browser;
  let page: Page;
  let business: Business;
  const coach = { first: 'Cora', last: 'Coach', email: uniqueEmail('cora') };

  beforeAll(async () => {
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.setDefaultTimeout(TIMEOUT);
    mkdirSync(SCREENSHOTS, { recursive: true });
    business = await signUp(system.api, 3);
  });

  afterAll(() => browser?.close());

  const url = (path: string) => `${system.api.baseUrl}${path}`;
  const shot = (name: string) => page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
  const status = (target: Page, text: string | RegExp) => target.getByRole('status').filter({ hasText: text }).waitFor();
  const staffRow = () => page.locator('tr', { hasText: `${coach.first} ${coach.last}` });

  /** The reset links the dev mailbox holds for an address, newest first (waits for `count` of them). */
  async function resetLinks(to: string, count: number): Promise<string[]> {
    const deadline = Date.now() + TIMEOUT;
    for (;;) {
      const mails = await system.api.get(`/api/v1/dev/mailbox?to=${encodeURIComponent(to)}`);
      const links = (mails.body.items as { kind: string; text: string }[])
        .filter((m) => m.kind === 'password_reset')
        // The mails link to PUBLIC_URL; this suite's server listens on a port of its own.
        .map((m) => (m.text.match(/https?:\/\/\S+\/reset-password\?token=\S+/)?.[0] ?? '').replace(/^https?:\/\/[^/]+/, system.api.baseUrl));
      if (links.length >= count) return links;
      if (Date.now() > deadline) throw new Error(`${links.length} of ${count} reset mails for ${to}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  it('an admin adds a coach with capabilities, changes them, and sends a password reset link', async () => {
    await page.goto(url('/signin'));
    await page.getByLabel('E-mail').fill(business.email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Staff' }).click();
    await page.getByRole('heading', { name: 'Staff', level: 1 }).waitFor();
    // The owner is listed, their role fixed.
    await page.locator('tr', { hasText: '(owner)' }).waitFor();

    const form = page.getByRole('form', { name: 'Add a staff member' });
    await form.getByLabel('First name').fill(coach.first);
    await form.getByLabel('Last name').fill(coach.last);
    await form.getByLabel('E-mail').fill(coach.email);
    await form.getByRole('radio', { name: /^Coach/ }).check();
    await form.getByRole('checkbox', { name: /^Import clients/ }).check();
    await form.getByRole('button', { name: 'Add to staff' }).click();
    await status(page, `${coach.first} ${coach.last} is on your staff. A link to choose their password is on its way to ${coach.email}.`);
    expect(await staffRow().getByTestId('staff-capabilities').textContent()).toBe('Add clients, Import clients');

    await page.getByRole('button', { name: `Change access of ${coach.first} ${coach.last}` }).click();
    const dialog = page.getByRole('dialog', { name: `Access of ${coach.first} ${coach.last}` });
    // The dialog opens on what the coach has now.
    expect(await dialog.getByRole('checkbox', { name: /^Import clients/ }).isChecked()).toBe(true);
    await dialog.getByRole('checkbox', { name: /^Import clients/ }).uncheck();
    await dialog.getByRole('checkbox', { name: /^Manage products/ }).check();
    await dialog.getByRole('button', { name: 'Save access' }).click();
    await dialog.waitFor({ state: 'detached' });
    await status(page, /is now a coach \(add clients, manage products\)/);
    expect(await staffRow().getByTestId('staff-capabilities').textContent()).toBe('Add clients, Manage products');
    const listed = await business.admin.get('/api/v1/staff');
    expect(listed.body.items.find((m: { email: string }) => m.email === coach.email)).toMatchObject({ role: 'coach', capabilities: ['create_clients', 'manage_products'] });

    // The owner's role cannot change: the dialog says why.
    await page.locator('tr', { hasText: '(owner)' }).getByRole('button', { name: /^Change access of/ }).click();
    const ownerDialog = page.getByRole('dialog', { name: /^Access of/ });
    await ownerDialog.getByText('The owner of the business is always an administrator.').waitFor();
    expect(await ownerDialog.getByRole('radio', { name: /^Coach/ }).isDisabled()).toBe(true);
    await page.keyboard.press('Escape');
    await ownerDialog.waitFor({ state: 'detached' });

    await page.getByRole('button', { name: `More for ${coach.first} ${coach.last}` }).click();
    await page.getByRole('menuitem', { name: 'Send password reset link' }).click();
    await status(page, `A link to choose a new password is on its way to ${coach.email}. It works once, for 1 hour.`);
    await shot('staff');
  });

  it('the coach opens the newest link from the dev mailbox, sets a password and signs in; the replaced and the used link are refused', async () => {
    const [newest, replaced] = await resetLinks(coach.email, 2);
    const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const phone = await context.newPage();
    phone.setDefaultTimeout(TIMEOUT);
    const choose = async (link: string, password: string) => {
      await phone.goto(link);
      await phone.getByRole('heading', { name: 'Choose a new password' }).waitFor();
      await phone.getByLabel('New password').fill(password);
      await phone.getByLabel('Repeat the password').fill(password);
      await phone.getByRole('button', { name: 'Save the new password' }).click();
    };

    await choose(replaced, 'an old link password');
    await phone.getByRole('alert').filter({ hasText: /not valid any more/ }).waitFor();

    await choose(newest, 'coras own password');
    await phone.getByRole('heading', { name: `Hello, ${coach.first}` }).waitFor();
    // A coach: no Staff or Settings in the menu.
    expect(await phone.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Staff' }).count()).toBe(0);
    // Opened by its address, Staff tells a coach who can help instead of failing.
    await phone.goto(url('/staff'));
    await phone.getByText('Only an administrator of the business can see and change its staff').waitFor();
    await phone.getByRole('button', { name: 'Sign out' }).click();
    // The app forgets the session once the logout has answered: a page opened before would still be signed in.
    await phone.getByLabel('E-mail').waitFor();

    await phone.goto(url('/signin'));
    await phone.getByLabel('E-mail').fill(coach.email);
    await phone.getByLabel('Password').fill('coras own password');
    await phone.getByRole('button', { name: 'Sign in' }).click();
    await phone.getByRole('heading', { name: `Hello, ${coach.first}` }).waitFor();

    await choose(newest, 'yet another password');
    await phone.getByRole('alert').filter({ hasText: /not valid any more/ }).waitFor();
    await context.close();
  });

  it('a staff member who forgot their password asks on the sign-in page, and the e-mailed link signs them in', async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const phone = await context.newPage();
    phone.setDefaultTimeout(TIMEOUT);
    await phone.goto(url('/signin'));
    await phone.getByRole('link', { name: 'Forgot your password?' }).click();
    await phone.getByLabel('E-mail').fill(coach.email);
    await phone.getByRole('button', { name: 'Send me a link' }).click();
    await status(phone, `If an account uses ${coach.email}, we have sent it a link`);

    const [link] = await resetLinks(coach.email, 3);
    await phone.goto(link);
    await phone.getByLabel('New password').fill('coras second password');
    await phone.getByLabel('Repeat the password').fill('coras second password');
    await phone.getByRole('button', { name: 'Save the new password' }).click();
    await phone.getByRole('heading', { name: `Hello, ${coach.first}` }).waitFor();
    await context.close();
  });

  it('the admin renames the business and raises the seat limit in Settings', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('heading', { name: 'Settings', level: 1 }).waitFor();
    const seats = page.getByTestId('settings-seats');
    await seats.filter({ hasText: 'of 3 seats used' }).waitFor();

    const name = page.getByLabel('Business name');
    expect(await name.inputValue()).toBe('Stone Fitness');
    await name.fill('Stone & Co');
    await page.getByLabel('Seat limit').fill('10');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await status(page, 'Saved: Stone & Co, 10 client seats.');
    await seats.filter({ hasText: 'of 10 seats used' }).filter({ hasText: '10 available' }).waitFor();
    expect((await business.admin.get('/api/v1/account')).body).toMatchObject({ businessName: 'Stone & Co', seatLimit: 10 });
    await shot('settings');

    // A name the API refuses shows under its field, in a sentence.
    await name.fill('');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.locator('.field-invalid', { has: page.getByLabel('Business name') }).locator('.field-error').waitFor();
  });
});
