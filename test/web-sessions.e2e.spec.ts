import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { describeWithChromium, launchChromium } from './support/browser';
import { uniqueEmail } from './support/http';
import { webAppForSuite } from './support/web-app';

// The README's screenshots are taken only with UPDATE_SCREENSHOTS=1; ordinary runs take none and leave the tree as it is.
const SCREENSHOTS = process.env.UPDATE_SCREENSHOTS ? join(__dirname, '..', 'docs', 'screenshots') : null;
const PASSWORD = 'correct horse battery';
const describeIfChromium = describeWithChromium('Web app sessions browser suite');

/**
 * A fixed-offset time zone in which it is about midday now, so that a session a quarter of an hour
 * ago and one two hours ahead are both "today" for the coach home's agenda, whatever the hour the
 * suite runs at. (Etc/GMT-N is UTC+N.)
 */
function middayTimeZone(): string {
  const offset = 12 - new Date().getUTCHours();
  return offset === 0 ? 'UTC' : `Etc/GMT${offset > 0 ? '-' : '+'}${Math.abs(offset)}`;
}

describeIfChromium('sessions, programs and payments in the coach web app (headless Chromium, embedded profile)', () => {
  const system = webAppForSuite();
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const timezoneId = middayTimeZone();

  beforeAll(async () => {
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US', timezoneId });
    page = await context.newPage();
    if (SCREENSHOTS) mkdirSync(SCREENSHOTS, { recursive: true });
  });

  afterAll(async () => {
    await context?.close();
    await browser?.close();
  });

  const url = (path: string) => `${system.api.baseUrl}${path}`;
  const shot = async (name: string) => {
    if (SCREENSHOTS) await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`) });
  };
  const tab = (name: string) => page.getByRole('tab', { name, exact: true }).click();
  /** A KPI's value, once it reads `expected` (or what it reads after 10 s). */
  const kpi = async (id: string, expected: string) => {
    const value = page.locator(`[data-kpi="${id}"] dd:not(.kpi-hint)`);
    await value.filter({ hasText: expected }).waitFor({ timeout: 10_000 }).catch(() => undefined);
    return (await value.textContent())?.trim();
  };
  /** A `datetime-local` value `minutes` from now, in the browser's time zone. */
  const localInput = (minutes: number) =>
    page.evaluate((m) => {
      const d = new Date(Date.now() + m * 60_000);
      const pad = (n: number) => String(n).padStart(2, '0');
      return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
    }, minutes);
  const card = (list: 'Upcoming sessions' | 'Past sessions'): Locator => page.getByRole('list', { name: list }).locator('article.session-card');

  it('schedules sessions from the Overview, refuses a double booking, sells a bundle and marks it paid, completes a session from it, takes payments in Finances and shows the agenda at home', async () => {
    // Sign up, add an offline client, open the profile.
    await page.goto(url('/'));
    await page.getByRole('link', { name: 'Create your business account' }).click();
    await page.getByLabel('Business name').fill('Stone Fitness');
    await page.getByLabel('First name').fill('Maya');
    await page.getByLabel('Last name').fill('Stone');
    await page.getByLabel('E-mail').fill(uniqueEmail('maya'));
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByRole('heading', { name: 'Hello, Maya' }).waitFor();
    await page.getByRole('article', { name: 'Agenda' }).getByText('No sessions today.').waitFor();

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Clients' }).click();
    await page.getByRole('button', { name: 'Add your first client', exact: true }).click();
    const add = page.getByRole('dialog', { name: 'Add client' });
    await add.getByLabel('First name').fill('Ada');
    await add.getByLabel('Last name').fill('Lovelace');
    await add.getByLabel('E-mail').fill(uniqueEmail('ada'));
    await add.getByRole('radio', { name: /^Offline/ }).check();
    await add.getByRole('button', { name: 'Add', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'Ada Lovelace was added.' }).waitFor();
    await page.getByRole('link', { name: 'Ada Lovelace' }).click();
    await page.getByRole('heading', { name: 'Ada Lovelace' }).waitFor();
    expect(await page.getByRole('tab').allTextContents()).toEqual(['Overview', 'Programs', 'Finances', 'Progress', 'Contact', 'Messages', 'Purchases', 'History']);

    // Overview: nothing yet.
    expect(await kpi('completed', '0')).toBe('0');
    expect(await kpi('upcoming', '0')).toBe('0');
    expect(await kpi('next-session', 'None planned')).toBe('None planned');
    await page.getByText('Nothing planned.').waitFor();

    // Schedule an online session two hours ahead, 50.00 EUR.
    const later = await localInput(120);
    await page.getByRole('button', { name: 'Schedule session' }).click();
    const form = page.getByRole('form', { name: 'Schedule a session' });
    await form.getByLabel('Start', { exact: true }).fill(later);
    await form.getByLabel('Duration (minutes)').fill('60');
    await form.getByRole('radio', { name: 'Online' }).check();
    await form.getByLabel('Meeting link').fill('https://meet.example/ada');
    await form.getByLabel('Price', { exact: true }).fill('50');
    await form.getByLabel('Currency').selectOption('EUR');
    await form.getByRole('button', { name: 'Schedule', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'Session scheduled for' }).waitFor();
    await card('Upcoming sessions').first().waitFor();
    expect(await card('Upcoming sessions').count()).toBe(1);
    const upcoming = card('Upcoming sessions').first();
    expect(await upcoming.textContent()).toContain('€50.00');
    expect(await upcoming.textContent()).toContain('Payment pending');
    expect(await upcoming.textContent()).toContain('60 min · Online');
    expect(await upcoming.getByRole('button', { name: 'Complete' }).count()).toBe(0); // not begun yet
    await upcoming.getByRole('button', { name: 'Cancel' }).waitFor();
    expect(await kpi('upcoming', '1')).toBe('1');
    const upcomingWhen = await upcoming.locator('h4').textContent();
    expect(await page.locator('[data-kpi="next-session"] dd:not(.kpi-hint)').textContent()).toBe(upcomingWhen);

    // The same slot again: 409 coach_double_booked, said next to the form.
    await page.getByRole('button', { name: 'Schedule session' }).click();
    await form.getByLabel('Start', { exact: true }).fill(later);
    await form.getByLabel('Duration (minutes)').fill('30');
    await form.getByRole('button', { name: 'Schedule', exact: true }).click();
    const clash = form.locator('[role="alert"][data-code="coach_double_booked"]');
    await clash.waitFor();
    expect(await clash.textContent()).toContain('already has a session');

    // A validation problem names its field.
    await form.getByLabel('Start', { exact: true }).fill(await localInput(-15));
    await form.getByLabel('Duration (minutes)').fill('2');
    await form.getByRole('button', { name: 'Schedule', exact: true }).click();
    await form.locator('.field-invalid').first().waitFor();
    expect(await form.locator('.field-invalid label').allTextContents()).toEqual(['Duration (minutes)']);
    expect(await form.locator('[role="alert"]').count()).toBe(0);

    // Fixed: a session in person at 40.00 EUR that began a quarter of an hour ago (recorded afterwards).
    await form.getByLabel('Duration (minutes)').fill('45');
    await form.getByRole('radio', { name: 'In person' }).check();
    await form.getByLabel('Address or room').fill('Studio 2');
    await form.getByLabel('Price', { exact: true }).fill('40');
    await form.getByRole('button', { name: 'Schedule', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'Session scheduled for' }).waitFor();
    await card('Past sessions').first().waitFor();
    const held = card('Past sessions').first();
    expect(await held.textContent()).toContain('45 min · In person · Studio 2');
    expect(await held.textContent()).toContain('To complete');
    expect(await held.textContent()).toContain('€40.00');
    expect(await held.textContent()).toContain('Payment pending');
    expect(await held.textContent()).not.toContain('Covered by bundle');
    await held.getByRole('button', { name: 'Complete' }).waitFor();
    await held.getByRole('button', { name: 'No-show' }).waitFor();
    expect(await kpi('upcoming', '1')).toBe('1');

    // Programs: a new bundle of 5 sessions at 200.00 EUR, owed until it is marked paid.
    await tab('Programs');
    await page.getByText('No bundles yet.').waitFor();
    await page.getByRole('button', { name: 'New bundle' }).click();
    const bundleForm = page.getByRole('form', { name: 'New bundle' });
    await bundleForm.getByLabel('Bundle name').fill('5 sessions pack');
    await bundleForm.getByLabel('Sessions', { exact: true }).fill('5');
    await bundleForm.getByLabel('Bundle price').fill('200');
    await bundleForm.getByLabel('Currency').selectOption('EUR');
    await bundleForm.getByRole('button', { name: 'Create bundle' }).click();
    await page.getByRole('status').filter({ hasText: '5 sessions pack created: 5 sessions.' }).waitFor();
    const bundle = page.getByRole('table', { name: 'Bundles' }).locator('tbody tr', { hasText: '5 sessions pack' });
    expect(await bundle.locator('[data-cell="used"] span').first().textContent()).toBe('0 of 5');
    expect(await bundle.locator('[data-cell="remaining"]').textContent()).toBe('5');
    expect(await bundle.textContent()).toContain('Active');
    expect(await bundle.textContent()).toContain('€200.00');
    expect(await bundle.textContent()).toContain('Payment pending');
    await bundle.getByRole('button', { name: 'Mark paid' }).click();
    await page.getByRole('status').filter({ hasText: '5 sessions pack is paid.' }).waitFor();
    await bundle.getByText('Paid', { exact: true }).waitFor();
    expect(await bundle.textContent()).not.toContain('Payment pending');
    expect(await bundle.getByRole('button', { name: 'Mark paid' }).count()).toBe(0);

    // Overview: complete the session that began; the KPIs follow.
    await tab('Overview');
    expect(await kpi('programs-active', '1')).toBe('1');
    await card('Past sessions').first().getByRole('button', { name: 'Complete' }).click();
    await page.getByRole('status').filter({ hasText: 'is completed.' }).waitFor();
    await page.locator('article.session-card[data-status="completed"]').waitFor();
    expect(await kpi('completed', '1')).toBe('1');
    expect(await kpi('attendance', '100%')).toBe('100%');
    const completed = card('Past sessions').first();
    expect(await completed.textContent()).toContain('Completed');
    expect(await completed.getByRole('button').count()).toBe(0);
    // Taken from the bundle: its own price is not owed any more.
    expect(await completed.locator('.covered').textContent()).toBe('Covered by bundle');
    expect(await completed.textContent()).not.toContain('Payment pending');

    // Programs: the bundle's used count went up.
    await tab('Programs');
    await bundle.locator('[data-cell="used"] span').filter({ hasText: '1 of 5' }).waitFor();
    expect(await bundle.locator('[data-cell="remaining"]').textContent()).toBe('4');
    expect(await bundle.getByRole('meter').getAttribute('aria-valuenow')).toBe('1');
    expect(await bundle.textContent()).toContain('Paid');
    await shot('profile-programs');

    // Finances: the bundle is paid; the upcoming session is owed, the covered one is not listed.
    await tab('Finances');
    expect(await kpi('revenue', '€200.00')).toBe('€200.00');
    expect(await kpi('outstanding', '€50.00')).toBe('€50.00');
    expect(await kpi('last-payment', '€200.00')).toBe('€200.00');
    const thisMonth = new Date().toISOString().slice(0, 7);
    const chart = page.getByRole('figure', { name: 'Revenue per month, last 12 months' });
    expect(await chart.locator('li').count()).toBe(12);
    const bar = chart.locator(`li[data-month="${thisMonth}"]`);
    expect(await bar.getAttribute('data-amount')).toBe('20000');
    const payments = page.getByRole('table', { name: 'Payments' });
    await payments.locator('tbody tr').nth(1).waitFor();
    expect(await payments.locator('tbody tr').count()).toBe(2);
    const bundlePayment = payments.locator('tbody tr', { hasText: 'Bundle: 5 sessions pack' });
    expect(await bundlePayment.getAttribute('data-status')).toBe('paid');
    expect(await bundlePayment.textContent()).toContain('€200.00');
    await bundlePayment.getByRole('button', { name: 'Refund' }).waitFor();
    const payment = payments.locator('tbody tr', { hasText: '€50.00' });
    expect(await payment.getAttribute('data-status')).toBe('pending');
    expect(await payment.textContent()).toContain(`Session of ${upcomingWhen}`);
    expect(await payments.textContent()).not.toContain('€40.00');
    await shot('profile-finances');

    // Mark the upcoming session paid (before it takes place): the revenue counts both.
    await payment.getByRole('button', { name: 'Mark paid' }).click();
    await page.getByRole('status').filter({ hasText: '€50.00 recorded as paid.' }).waitFor();
    expect(await kpi('revenue', '€250.00')).toBe('€250.00');
    expect(await kpi('outstanding', '€0.00')).toBe('€0.00');
    expect(await kpi('last-payment', '€50.00')).toBe('€50.00');
    await bar.and(page.locator('[data-amount="25000"]')).waitFor();
    expect(await bar.locator('.visually-hidden').textContent()).toMatch(/^\w+ \d{4}: €250\.00$/);
    expect(await bar.locator('.bar').evaluate((el) => (el as unknown as { style: { height: string } }).style.height)).toBe('100%');
    expect(await payment.getAttribute('data-status')).toBe('paid');
    await payment.getByRole('button', { name: 'Refund' }).waitFor();

    // Coach home: both sessions are today's (in the browser's time zone), the held one marked completed.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Home' }).click();
    const agenda = page.getByRole('article', { name: 'Agenda' });
    const today = agenda.getByRole('list', { name: "Today's sessions" });
    await today.getByRole('link', { name: 'Ada Lovelace' }).first().waitFor();
    expect(await today.locator('li').count()).toBe(2);
    expect(await today.locator('li').first().textContent()).toContain('Completed');
    expect(await agenda.getByRole('list', { name: "This week's sessions" }).locator('li').count()).toBe(2);
    await shot('home-agenda');

    // Back on the profile: refund the payment and cancel the upcoming session, each after a confirmation.
    await today.getByRole('link', { name: 'Ada Lovelace' }).first().click();
    await page.getByRole('heading', { name: 'Ada Lovelace' }).waitFor();
    await tab('Finances');
    await payment.getByRole('button', { name: 'Refund' }).click();
    const refund = page.getByRole('dialog', { name: 'Refund €50.00?' });
    await refund.getByRole('button', { name: 'Refund' }).click();
    await page.getByRole('status').filter({ hasText: '€50.00 refunded.' }).waitFor();
    expect(await kpi('revenue', '€200.00')).toBe('€200.00');
    expect(await payment.getAttribute('data-status')).toBe('refunded');
    expect(await payment.getByRole('button').count()).toBe(0);
    // The bundle's payment is refunded through its own route.
    await bundlePayment.getByRole('button', { name: 'Refund' }).click();
    await page.getByRole('dialog', { name: 'Refund €200.00?' }).getByRole('button', { name: 'Refund' }).click();
    await page.getByRole('status').filter({ hasText: '€200.00 refunded.' }).waitFor();
    expect(await kpi('revenue', '€0.00')).toBe('€0.00');
    expect(await bundlePayment.getAttribute('data-status')).toBe('refunded');
    expect(await bundlePayment.getByRole('button').count()).toBe(0);

    await tab('Overview');
    await card('Upcoming sessions').first().getByRole('button', { name: 'Cancel' }).click();
    const cancel = page.getByRole('dialog', { name: 'Cancel this session?' });
    await cancel.getByLabel('Reason (optional)').fill('Client travelling');
    await cancel.getByRole('button', { name: 'Cancel session' }).click();
    await page.getByRole('status').filter({ hasText: 'is cancelled; its slot is free again.' }).waitFor();
    expect(await kpi('upcoming', '0')).toBe('0');
    await page.getByText('Nothing planned.').waitFor();
    const cancelled = page.locator('article.session-card[data-status="cancelled"]');
    expect(await cancelled.textContent()).toContain('Reason: Client travelling');
  }, 60_000);
});
