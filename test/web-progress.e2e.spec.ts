import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { expectNoSeriousViolations } from './support/axe';
import { describeWithChromium, launchChromium } from './support/browser';
import { PASSWORD, mailToken, newClient, signUp, uniqueEmail, type Business } from './support/http';
import { webAppForSuite } from './support/web-app';

/**
 * Issue 21, item 15: Progress in the browser. The coach records and reads a client's measurements
 * on the profile's Progress tab (a chart per measure, with its numbers as a table), the client on
 * their own page ("Your progress"), and an admin chooses the account's units in Settings.
 *
 * RUNS ONLY ONCE THE COMPONENTS ARE WIRED IN (the lead's step; helper H5 does not own these files):
 * - apps/web/src/pages/client-profile.tsx: a 'progress' tab labelled 'Progress' rendering
 *   <ProgressTab client={client} /> (from './client-progress'), opened by /clients/:id?tab=progress;
 * - apps/web/src/pages/me.tsx: <MyProgress /> (from './my-progress') in the client's page;
 * - apps/web/src/pages/settings.tsx: <MeasurementUnitsSetting /> (from './measurement-units').
 * The API side is covered now by test/progress.e2e.spec.ts.
 */
const SCREENSHOTS = process.env.UPDATE_SCREENSHOTS ? join(__dirname, '..', 'docs', 'screenshots') : join(tmpdir(), 'clientele-screenshots');
const describeIfChromium = describeWithChromium('Web app progress browser suite');
const LOCATOR_TIMEOUT = 15_000;

describeIfChromium('progress in the web app (headless Chromium, embedded profile)', () => {
  const system = webAppForSuite();
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let business: Business;

  beforeAll(async () => {
    browser = await launchChromium();
    // bypassCSP lets axe-core be injected into the page (the app forbids inline scripts).
    context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-US', bypassCSP: true });
    page = await context.newPage();
    page.setDefaultTimeout(LOCATOR_TIMEOUT);
    mkdirSync(SCREENSHOTS, { recursive: true });
    business = await signUp(system.api);
  });

  afterAll(() => browser?.close());

  const url = (path: string) => `${system.api.baseUrl}${path}`;

  /** Signed in as the web app keeps it (apps/web/src/api.ts); the test's own types know no DOM. */
  async function signInAs(session: { accessToken: string; user: unknown }) {
    await page.goto(url('/'));
    await page.evaluate(`localStorage.setItem('clientele.session', ${JSON.stringify(JSON.stringify({ accessToken: session.accessToken, user: session.user }))})`);
  }

  async function signInAsOwner() {
    await signInAs((await system.api.post('/api/v1/auth/login', { email: business.email, password: PASSWORD })).body);
  }

  it('shows a chart per measure with its numbers, records a measurement from the Progress tab, and names a refused field', async () => {
    const client = (await business.admin.post('/api/v1/clients', newClient({ firstName: 'Jonas', lastName: 'Berg', type: 'offline' }))).body as { id: string };
    for (const [measuredAt, weight, waist] of [
      ['2026-01-05', 84.2, 96],
      ['2026-02-02', 82.9, 94.5],
      ['2026-03-02', 81.6, 92],
    ] as const) {
      expect((await business.admin.post(`/api/v1/clients/${client.id}/measurements`, { measuredAt, values: { weight, waist } })).status).toBe(201);
    }
    await signInAsOwner();

    await page.goto(url(`/clients/${client.id}?tab=progress`));
    const tab = page.getByRole('tab', { name: 'Progress' });
    await tab.waitFor();
    if ((await tab.getAttribute('aria-selected')) !== 'true') await tab.click();
    const panel = page.getByTestId('progress-tab');
    // One chart per measure taken, described in words for a screen reader.
    const weightChart = panel.getByRole('img', { name: /Weight \(kg\) over time/ });
    await weightChart.waitFor();
    await panel.getByRole('img', { name: /Waist \(cm\) over time/ }).waitFor();
    expect(await panel.locator('figure.measure-chart').count()).toBe(2);
    // Its text alternative says what the line shows (the title and the description name the image).
    await panel.getByRole('img', { name: /from 84\.2 kg on Jan 5, 2026 to 81\.6 kg on Mar 2, 2026 \(down 2\.6 kg\)/ }).waitFor();
    // The numbers behind each chart, as a table.
    await panel.locator('figure[data-measure="weight"] summary').click();
    expect(await panel.getByRole('table', { name: 'Weight (kg): every measurement' }).locator('tbody tr').count()).toBe(3);
    const rows = panel.getByRole('table', { name: 'Measurements' }).locator('tbody tr');
    expect(await rows.count()).toBe(3);

    await panel.getByRole('button', { name: 'Record measurements' }).click();
    const form = panel.getByRole('form', { name: 'Record measurements' });
    await form.getByLabel('Weight (kg)').fill('900');
    await form.getByRole('button', { name: 'Save measurements' }).click();
    await form.getByText('Enter a weight between 20 and 350 kg; 900 kg is outside it.').waitFor();
    expect(await rows.count()).toBe(3);

    await form.getByLabel('Weight (kg)').fill('80.4');
    await form.getByLabel('Body fat (%)').fill('19.5');
    await form.getByRole('button', { name: 'Save measurements' }).click();
    await form.getByRole('status').getByText(/saved/).waitFor();
    await rows.nth(3).waitFor();
    await panel.getByRole('img', { name: /Body fat \(%\) over time/ }).waitFor();
    expect(await panel.locator('figure.measure-chart').count()).toBe(3);

    await expectNoSeriousViolations(page, 'the Progress tab', { include: '[data-testid="progress-tab"]' });
    await panel.getByRole('button', { name: 'Done' }).click();
    await page.screenshot({ path: join(SCREENSHOTS, 'profile-progress.png'), fullPage: true });
  }, 120_000);

  it('lets a full-access client see and add their own on their page ("Your progress")', async () => {
    const email = uniqueEmail('progress');
    const added = await business.admin.post('/api/v1/clients', newClient({ firstName: 'Lena', lastName: 'Falk', email, type: 'full_access', sendInvitation: true }));
    expect(added.status).toBe(201);
    await business.admin.post(`/api/v1/clients/${added.body.id}/measurements`, { measuredAt: '2026-02-01', values: { weight: 61.5 } });
    const accepted = await system.api.post('/api/v1/auth/accept-invitation', { token: await mailToken(system.api, email), password: PASSWORD });
    expect(accepted.status).toBe(200);
    await signInAs(accepted.body);

    await page.goto(url('/me'));
    const mine = page.getByTestId('my-progress');
    await mine.getByRole('heading', { name: 'Your progress' }).waitFor();
    await mine.getByRole('img', { name: /Weight \(kg\) over time/ }).waitFor();
    await mine.getByRole('textbox', { name: 'Weight (kg)', exact: true }).fill('60.8');
    await mine.getByRole('button', { name: 'Save measurements' }).click();
    await mine.getByRole('status').getByText(/saved/).waitFor();
    await mine.getByText('Latest 60.8 kg').waitFor();
    await expectNoSeriousViolations(page, 'the client’s progress', { include: '[data-testid="my-progress"]' });
    // The coach sees what the client recorded.
    const list = await business.admin.get(`/api/v1/clients/${added.body.id}/measurements`);
    expect(list.body.items.map((m: { recordedByRole: string }) => m.recordedByRole)).toEqual(['staff', 'client']);
  }, 120_000);

  it('lets an admin switch the account to pounds and inches in Settings, and the profile then shows them', async () => {
    const client = (await business.admin.post('/api/v1/clients', newClient({ type: 'offline' }))).body as { id: string };
    await business.admin.post(`/api/v1/clients/${client.id}/measurements`, { values: { weight: 100 } });
    await signInAsOwner();

    await page.goto(url('/settings'));
    const setting = page.getByTestId('measurement-units');
    await setting.getByRole('heading', { name: 'Measurement units' }).waitFor();
    await setting.getByLabel('Imperial: pounds and inches').check();
    await setting.getByRole('button', { name: 'Save units' }).click();
    await setting.getByText('Measurements now show in pounds and inches.').waitFor();
    await expectNoSeriousViolations(page, 'the measurement units setting', { include: '[data-testid="measurement-units"]' });

    await page.goto(url(`/clients/${client.id}?tab=progress`));
    const tab = page.getByRole('tab', { name: 'Progress' });
    await tab.waitFor();
    if ((await tab.getAttribute('aria-selected')) !== 'true') await tab.click();
    await page.getByTestId('progress-tab').getByText('Latest 220.5 lb').waitFor();
    // Back to metric for the other tests of this account.
    expect((await business.admin.put('/api/v1/account/measurement-units', { units: 'metric' })).status).toBe(200);
  }, 120_000);
});
