import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { describeWithChromium, launchChromium } from './support/browser';
import { mailToken, uniqueEmail } from './support/http';
import { webAppForSuite } from './support/web-app';

// The README's screenshots are refreshed with UPDATE_SCREENSHOTS=1; ordinary runs leave the tree as it is.
const SCREENSHOTS = process.env.UPDATE_SCREENSHOTS ? join(__dirname, '..', 'docs', 'screenshots') : join(tmpdir(), 'clientele-screenshots');
const PASSWORD = 'correct horse battery';
const describeIfChromium = describeWithChromium('Web app browser suite');

describeIfChromium('the coach web app in headless Chromium (embedded profile)', () => {
  const system = webAppForSuite({ startTimeoutMs: 60_000 });
  let browser: Browser;
  let page: Page;
  const owner = { email: uniqueEmail('maya'), business: 'Stone Fitness' };

  beforeAll(async () => {
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    mkdirSync(SCREENSHOTS, { recursive: true });
  });

  afterAll(() => browser?.close());

  const url = (path: string) => `${system.api.baseUrl}${path}`;
  const shot = (name: string, target: Page = page) => target.screenshot({ path: join(SCREENSHOTS, `${name}.png`) });
  const badgeOf = (target: Page, lastName: string) => target.locator('tr', { hasText: lastName }).getByTestId('type-badge');

  it('signs a business up, adds one client of each type, changes a type from the profile menu and two in bulk from the list', async () => {
    await page.goto(url('/'));
    await page.getByRole('link', { name: 'Create your business account' }).click();
    await page.getByLabel('Business name').fill(owner.business);
    await page.getByLabel('First name').fill('Maya');
    await page.getByLabel('Last name').fill('Stone');
    await page.getByLabel('E-mail').fill(owner.email);
    await page.getByLabel('Password').fill(PASSWORD);
    await shot('sign-up');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByRole('heading', { name: 'Hello, Maya' }).waitFor();

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Clients' }).click();
    await page.getByRole('heading', { name: 'No clients yet' }).waitFor();
    await shot('clients-empty');

    const clients = [
      { first: 'Ada', last: 'Lovelace', type: 'Full access' },
      { first: 'Alan', last: 'Turing', type: 'One-way messaging' },
      { first: 'Grace', last: 'Hopper', type: 'Offline' },
    ];
    for (const [i, c] of clients.entries()) {
      await page.getByRole('button', { name: i === 0 ? 'Add your first client' : 'Add client', exact: true }).click();
      const dialog = page.getByRole('dialog', { name: 'Add client' });
      await dialog.getByLabel('First name').fill(c.first);
      await dialog.getByLabel('Last name').fill(c.last);
      await dialog.getByLabel('E-mail').fill(uniqueEmail(c.first.toLowerCase()));
      await dialog.getByRole('radio', { name: new RegExp(`^${c.type}`) }).check();
      if (i === 0) await shot('add-client');
      // Full access and one-way invite by default (issue 21); these are added without sending, offline ones just added.
      await dialog.getByRole('button', { name: c.type === 'Offline' ? 'Add' : 'Add without sending', exact: true }).click();
      await page.getByRole('status').filter({ hasText: `${c.first} ${c.last} was added.` }).waitFor();
    }
    expect(await badgeOf(page, 'Lovelace').textContent()).toBe('Full access');
    expect(await badgeOf(page, 'Turing').textContent()).toBe('One-way messaging');
    expect(await badgeOf(page, 'Hopper').textContent()).toBe('Offline');

    // A field error from the API shows next to its field.
    await page.getByRole('button', { name: 'Add client', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Add client' });
    await dialog.getByLabel('First name').fill('No');
    await dialog.getByLabel('Last name').fill('Mail');
    await dialog.getByLabel('E-mail').fill('not-an-address');
    await dialog.getByRole('button', { name: 'Add without sending', exact: true }).click();
    await dialog.locator('.field-error').first().waitFor();
    expect(await dialog.locator('.field-invalid label').first().textContent()).toBe('E-mail');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });

    // From the profile card's menu: Change Client Type, pick one, see what it does, Assign.
    await page.getByRole('link', { name: 'Grace Hopper' }).click();
    await page.getByRole('heading', { name: 'Grace Hopper' }).waitFor();
    await page.getByRole('button', { name: 'Client actions' }).click();
    await page.getByRole('menuitem', { name: 'Change Client Type' }).click();
    const change = page.getByRole('dialog', { name: 'Change client type' });
    await change.getByRole('radio', { name: /^Full access/ }).check();
    await change.getByTestId('change-type-preview').filter({ hasText: '1 invitation to the client app will be sent' }).waitFor();
    await shot('change-type');
    await change.getByRole('button', { name: 'Assign' }).click();
    await page.getByRole('status').filter({ hasText: 'Client type changed.' }).waitFor();
    // The notice shows as the profile starts to load again: the badge follows when it has.
    await page.locator('.profile-card').getByTestId('type-badge').filter({ hasText: 'Full access' }).waitFor();
    expect(await page.locator('.profile-card').getByTestId('type-badge').textContent()).toBe('Full access');
    await shot('profile');

    // From the list: select two, ⋯, Change client type, Offline: the summary says who loses access.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Clients' }).click();
    await page.getByRole('checkbox', { name: 'Select Ada Lovelace' }).check();
    await page.getByRole('checkbox', { name: 'Select Alan Turing' }).check();
    await page.getByRole('button', { name: 'Actions for the selected clients' }).click();
    await page.getByRole('menuitem', { name: 'Change client type' }).click();
    const bulk = page.getByRole('dialog', { name: 'Change client type of 2 clients' });
    await bulk.getByRole('radio', { name: /^Offline/ }).check();
    await bulk.getByTestId('change-type-preview').filter({ hasText: '2 clients lose access to the app and to messages' }).waitFor();
    await shot('bulk-change-type');
    await bulk.getByRole('button', { name: 'Assign' }).click();
    await page.getByRole('status').filter({ hasText: 'Client types updated.' }).waitFor();
    await page.locator('[data-testid="type-badge"]', { hasText: 'Offline' }).nth(1).waitFor();
    expect(await badgeOf(page, 'Lovelace').textContent()).toBe('Offline');
    expect(await badgeOf(page, 'Turing').textContent()).toBe('Offline');
    expect(await badgeOf(page, 'Hopper').textContent()).toBe('Full access');
    await shot('clients');

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Home' }).click();
    await page.getByTestId('seat-usage').waitFor();
    await page.getByRole('link', { name: 'Grace Hopper' }).waitFor();
    await shot('home');
  }, 90_000);

  let buyerEmail: string;

  it('sells a product from the public checkout page: the buyer appears as a one-way client', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Products' }).click();
    await page.getByLabel('Name').fill('12-week strength');
    await page.getByLabel('Price').fill('49');
    expect(await page.getByLabel('Buyers become').inputValue()).toBe('full_access_one_way');
    await page.getByRole('button', { name: 'Create product' }).click();
    const row = page.locator('tr', { hasText: '12-week strength' });
    await row.waitFor();
    await row.getByRole('button', { name: 'Copy checkout link' }).click();
    const notice = await page.getByRole('status').filter({ hasText: '/checkout/' }).textContent();
    const link = notice!.slice(notice!.indexOf('http'));
    await shot('products');

    const buyerPage = await browser.newPage({ viewport: { width: 390, height: 844 } });
    await buyerPage.goto(link);
    await buyerPage.getByRole('heading', { name: '12-week strength' }).waitFor();
    buyerEmail = uniqueEmail('buyer');
    await buyerPage.getByLabel('First name').fill('Bea');
    await buyerPage.getByLabel('Last name').fill('Buyer');
    await buyerPage.getByLabel('E-mail').fill(buyerEmail);
    await shot('checkout-phone', buyerPage);
    await buyerPage.getByRole('button', { name: /^Buy for/ }).click();
    await buyerPage.getByRole('heading', { name: 'Thank you!' }).waitFor();
    await buyerPage.close();

    // Enrolment follows the purchase through the saga: the list shows the buyer within moments.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Clients' }).click();
    // Each look is at a list that has loaded (Ada's row is in it), not at one still on its way.
    for (const deadline = Date.now() + 45_000; ; ) {
      await page.locator('tr', { hasText: 'Lovelace' }).waitFor();
      if ((await page.locator('tr', { hasText: 'Buyer' }).count()) > 0 || Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
      await page.reload();
    }
    expect(await badgeOf(page, 'Buyer').textContent()).toBe('One-way messaging');
  }, 60_000);

  it('lets the one-way client accept the invitation and sign in, with the composer disabled and explained', async () => {
    // The invitation crosses three services after the enrolment the list showed: it is waited for.
    const invitation = await mailToken(system.api, buyerEmail, 'invitation');
    const client = await browser.newPage({ viewport: { width: 390, height: 844 } });
    await client.goto(url(`/accept-invitation?token=${encodeURIComponent(invitation)}`));
    await client.getByLabel('New password').fill(PASSWORD);
    await client.getByLabel('Repeat the password').fill(PASSWORD);
    await client.getByRole('button', { name: 'Create my login' }).click();
    await client.getByRole('heading', { name: 'Messages with your coach' }).waitFor();
    await client.getByTestId('one-way-note').waitFor();
    expect(await client.getByLabel('Message to your coach').isDisabled()).toBe(true);
    await shot('client-messages-phone', client);

    // Signed out and in again with the new password: the same.
    await client.getByRole('button', { name: 'Sign out' }).click();
    await client.getByLabel('E-mail').fill(buyerEmail);
    await client.getByLabel('Password').fill(PASSWORD);
    await client.getByRole('button', { name: 'Sign in' }).click();
    await client.getByTestId('one-way-note').waitFor();
    expect(await client.getByLabel('Message to your coach').isDisabled()).toBe(true);

    // Forgot the password: the link from the e-mail sets a new one and signs the client in.
    await client.getByRole('button', { name: 'Sign out' }).click();
    await client.getByRole('link', { name: 'Forgot your password?' }).click();
    await client.getByLabel('E-mail').fill(buyerEmail);
    await client.getByRole('button', { name: 'Send me a link' }).click();
    await client.getByRole('status').filter({ hasText: 'we have sent it a link' }).waitFor();
    const reset = await mailToken(system.api, buyerEmail, 'password_reset');
    await client.goto(url(`/reset-password?token=${encodeURIComponent(reset)}`));
    await client.getByLabel('New password').fill('another good password');
    await client.getByLabel('Repeat the password').fill('another good passwort');
    await client.getByRole('button', { name: 'Save the new password' }).click();
    await client.getByText('The two passwords are not the same.').waitFor();
    await client.getByLabel('Repeat the password').fill('another good password');
    await client.getByRole('button', { name: 'Save the new password' }).click();
    await client.waitForURL(/\/(me|signin)$/);
    if (client.url().endsWith('/signin')) {
      await client.getByLabel('E-mail').fill(buyerEmail);
      await client.getByLabel('Password').fill('another good password');
      await client.getByRole('button', { name: 'Sign in' }).click();
    }
    await client.getByRole('heading', { name: 'Messages with your coach' }).waitFor();
    await client.close();
  }, 60_000);

  it('works from the keyboard, explains an offline client\'s messages, catches a concurrent contact edit, and deletes only after a typed confirmation', async () => {
    await page.goto(url('/clients'));
    await page.getByRole('link', { name: 'Ada Lovelace' }).click();
    await page.getByRole('heading', { name: 'Ada Lovelace' }).waitFor();

    // Ada is offline since the bulk change: no composer, and a sentence saying why.
    await page.getByRole('tab', { name: 'Messages' }).click();
    await page.getByText('is an offline client').waitFor();
    expect(await page.getByLabel('Message to Ada').isDisabled()).toBe(true);

    // The menu by keyboard: focus it, open with ArrowDown, move, choose with Enter; Escape closes the dialog and gives focus back.
    await page.getByRole('button', { name: 'Client actions' }).focus();
    await page.keyboard.press('ArrowDown');
    await page.getByRole('menuitem', { name: 'Change Client Type' }).waitFor();
    expect(await page.evaluate(() => (globalThis as unknown as { document: { activeElement: { textContent: string } } }).document.activeElement.textContent)).toBe('Change Client Type');
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: 'Change client type' });
    await dialog.waitFor();
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    expect(await page.evaluate(() => (globalThis as unknown as { document: { activeElement: { getAttribute(n: string): string } } }).document.activeElement.getAttribute('aria-label'))).toBe('Client actions');

    // Someone else edits the contact while the coach has the form open: a conflict, said as a sentence.
    await page.getByRole('tab', { name: 'Contact' }).click();
    await page.getByRole('button', { name: 'Edit contact' }).click();
    await page.getByLabel('Phone').fill('+44 20 7946 0000');
    const clientId = new URL(page.url()).pathname.split('/').pop()!;
    const token = await page.evaluate(() => JSON.parse((globalThis as unknown as { localStorage: { getItem(k: string): string } }).localStorage.getItem('clientele.session')).accessToken);
    expect((await system.api.as(token).patch(`/api/v1/clients/${clientId}`, { phone: '+44 20 7946 1111' })).status).toBe(200);
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Someone else changed this client while you were editing.').waitFor();
    await page.getByRole('button', { name: 'Load their version' }).click();
    await page.getByText('+44 20 7946 1111').waitFor();

    // Delete: irreversible, so the button waits for "DELETE".
    await page.getByRole('button', { name: 'Client actions' }).click();
    await page.getByRole('menuitem', { name: 'Delete' }).click();
    const confirm = page.getByRole('dialog', { name: 'Delete Ada Lovelace?' });
    expect(await confirm.getByRole('button', { name: 'Delete' }).isDisabled()).toBe(true);
    await confirm.getByLabel('Type "DELETE" to confirm').fill('delete');
    await confirm.getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('heading', { name: 'Clients', exact: true }).waitFor();
    expect(await page.getByRole('link', { name: 'Ada Lovelace' }).count()).toBe(0);

    // Nothing jumps while the list loads: skeletons hold the space (Chromium's layout-shift entries).
    await page.goto(url('/clients'));
    await page.getByRole('link', { name: 'Grace Hopper' }).waitFor();
    const shift = await page.evaluate(
      () =>
        new Promise<number>((resolve) => {
          let total = 0;
          const g = globalThis as unknown as { PerformanceObserver: new (cb: (list: { getEntries(): { value: number; hadRecentInput: boolean }[] }) => void) => { observe(o: object): void } };
          new g.PerformanceObserver((list) => list.getEntries().forEach((e) => (total += e.hadRecentInput ? 0 : e.value))).observe({ type: 'layout-shift', buffered: true });
          setTimeout(() => resolve(total), 300);
        }),
    );
    expect(shift).toBeLessThan(0.1);

    // The list on a phone.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.getByRole('link', { name: 'Grace Hopper' }).waitFor();
    await shot('clients-phone');
    await page.setViewportSize({ width: 1280, height: 800 });
  }, 60_000);
});
