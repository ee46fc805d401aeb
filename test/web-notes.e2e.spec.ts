import type { Browser, Page } from 'playwright-core';
import { describeWithChromium, launchChromium } from './support/browser';
import { newClient, signUp } from './support/http';
import { webAppForSuite } from './support/web-app';

const describeIfChromium = describeWithChromium('Web app notes browser suite');

/** Issue 17: the profile carries only the latest notes; the Overview pages older ones in with "Show more". */
describeIfChromium('coach notes in the web app (headless Chromium, embedded profile)', () => {
  const system = webAppForSuite();
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  });

  afterAll(() => browser?.close());

  it('shows the latest 5 notes, loads older ones a page at a time, and starts again from the newest after a new note', async () => {
    const business = await signUp(system.api);
    const client = (await business.admin.post('/api/v1/clients', newClient({ type: 'offline' }))).body as { id: string };
    for (let i = 1; i <= 30; i++) await business.admin.post(`/api/v1/clients/${client.id}/notes`, { body: `Note number ${i}` });
    const session = (await system.api.post('/api/v1/auth/login', { email: business.email, password: 'correct horse battery' })).body;

    await page.goto(`${system.api.baseUrl}/`);
    // Signed in as the web app keeps it (apps/web/src/api.ts); the test's own types know no DOM.
    await page.evaluate(`localStorage.setItem('clientele.session', ${JSON.stringify(JSON.stringify({ accessToken: session.accessToken, user: session.user }))})`);
    await page.goto(`${system.api.baseUrl}/clients/${client.id}`);
    const notes = page.getByRole('list', { name: 'Coach notes' }).locator('li');
    await notes.first().getByText('Note number 30', { exact: true }).waitFor();
    expect(await notes.locator('p').allTextContents()).toEqual(['Note number 30', 'Note number 29', 'Note number 28', 'Note number 27', 'Note number 26']);
    await page.getByText('5 of 30').waitFor();

    await page.getByRole('button', { name: 'Show more' }).click();
    await page.getByText('20 of 30').waitFor();
    expect(await notes.count()).toBe(20);
    await page.getByRole('button', { name: 'Show more' }).click();
    await notes.nth(29).getByText('Note number 1', { exact: true }).waitFor();
    expect(await page.getByRole('button', { name: 'Show more' }).count()).toBe(0);

    await page.getByLabel('New note').fill('Fresh note');
    await page.getByRole('button', { name: 'Add note' }).click();
    await notes.first().getByText('Fresh note', { exact: true }).waitFor();
    await page.getByText('5 of 31').waitFor();
  }, 120_000);
});
