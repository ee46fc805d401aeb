import { mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Download, Page } from 'playwright-core';
import { BLOCKING, axeViolations, describeViolations } from './support/axe';
import { describeWithChromium, launchChromium } from './support/browser';
import { eventually } from './support/eventually';
import { Business, PASSWORD, addCoach, signUp, uniqueEmail } from './support/http';
import { webAppForSuite } from './support/web-app';

// The README's screenshots are refreshed with UPDATE_SCREENSHOTS=1; ordinary runs leave the tree as it is.
const SCREENSHOTS = process.env.UPDATE_SCREENSHOTS ? join(__dirname, '..', 'docs', 'screenshots') : join(tmpdir(), 'clientele-screenshots');
const describeIfChromium = describeWithChromium('Web app roster browser suite');
const LOCATOR_TIMEOUT = 15_000;

/**
 * Issue 21, the roster's side in Chromium: the CSV import screen end to end (template, preview,
 * per-row report, refused rows downloaded and imported again), the Export button, a selection that
 * says how many it holds and can take every matching client, the list's view in the URL, the Edit
 * action, sorting by e-mail, Home's "Add your first client", and controls shown by capability.
 */
describeIfChromium('the client list and the CSV import in headless Chromium (embedded profile)', () => {
  const system = webAppForSuite({ startTimeoutMs: 90_000 });
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let business: Business;
  const tag = Date.now().toString(36);
  const email = (name: string) => `${name}.${tag}@example.com`;

  beforeAll(async () => {
    browser = await launchChromium();
    // bypassCSP lets axe-core be injected into the page (the app forbids inline scripts).
    context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true, bypassCSP: true });
    context.setDefaultTimeout(LOCATOR_TIMEOUT);
    page = await context.newPage();
    mkdirSync(SCREENSHOTS, { recursive: true });
    business = await signUp(system.api);
    await signIn(page, business.email);
  });

  afterAll(() => browser?.close());

  const url = (path: string) => `${system.api.baseUrl}${path}`;
  const shot = (name: string, fullPage = false) => page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage });
  const signIn = async (target: Page, who: string) => {
    const session = (await system.api.post('/api/v1/auth/login', { email: who, password: PASSWORD })).body;
    await target.goto(url('/'));
    // Signed in as the web app keeps it (apps/web/src/api.ts); the test's own types know no DOM.
    await target.evaluate(`localStorage.setItem('clientele.session', ${JSON.stringify(JSON.stringify({ accessToken: session.accessToken, user: session.user }))})`);
  };
  const downloaded = async (action: () => Promise<unknown>): Promise<{ name: string; text: string }> => {
    const [download] = (await Promise.all([page.waitForEvent('download'), action()])) as [Download, unknown];
    return { name: download.suggestedFilename(), text: readFileSync((await download.path())!, 'utf8').replace(/^\ufeff/, '') };
  };
  const status = (text: string | RegExp) => page.getByRole('status').filter({ hasText: text });

  it('Home\'s "Add your first client" opens the Add dialog on the list', async () => {
    await page.goto(url('/'));
    await page.getByRole('link', { name: 'Add your first client' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add client' });
    await dialog.waitFor();
    expect(new URL(page.url()).pathname).toBe('/clients');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    // The URL forgets the request: a reload does not open the dialog again.
    expect(new URL(page.url()).search).toBe('');
  }, 60_000);

  it('imports a spreadsheet: template, preview, the per-row report, and the refused rows downloaded, fixed and imported again', async () => {
    await page.goto(url('/clients'));
    await page.getByRole('link', { name: 'Import', exact: true }).click();
    await page.getByRole('heading', { name: 'Import clients' }).waitFor();

    const template = await downloaded(() => page.getByRole('button', { name: 'Download the template' }).click());
    expect(template.name).toBe('clients-import-template.csv');
    expect(template.text.split('\r\n')[0]).toBe('firstName,lastName,email,phone,type');

    // Headers as people have them, a Notes column, a blank line, two bad rows and a row without a type.
    const file = [
      'First name,Last name,E-mail address,Phone number,Client type,Notes',
      `Ada,Lovelace,${email('ada')},+33 6 12 34 56 78,Full access,likes mornings`,
      `Alan,Turing,${email('alan')},,One-way messaging,`,
      '',
      'Bad,Address,not-an-email,,Offline,',
      `Grace,Hopper,${email('grace')},,,`,
      `Vip,Gold,${email('vip')},,gold,`,
    ].join('\r\n');
    await page.getByLabel('CSV file').setInputFiles({ name: 'my-clients.csv', mimeType: 'text/csv', buffer: Buffer.from(file) });
    const preview = page.getByTestId('import-preview');
    await preview.getByText('Preview of my-clients.csv: 5 rows').waitFor();
    await preview.getByText('These columns will be left out: Notes.').waitFor();
    // Spreadsheet row numbers: the blank line is row 4.
    expect(await preview.locator('tbody tr td:first-child').allTextContents()).toEqual(['2', '3', '5', '6', '7']);
    await page.getByLabel('Client type for rows whose type is empty').selectOption('offline');
    expect(await page.getByLabel(/Send login details/).isChecked()).toBe(false);
    expect(describeViolations((await axeViolations(page)).filter((v) => BLOCKING.includes(v.impact!)))).toBe('');
    await page.evaluate('window.scrollTo(0, 0)'); // the top bar sticks: a full-page shot starts at the top
    await shot('import', true);

    await page.getByRole('button', { name: 'Import 5 clients' }).click();
    const report = page.getByTestId('import-report');
    await status('3 clients were added. 2 rows were refused.').waitFor();
    const refused = report.getByRole('table', { name: 'Refused rows' });
    expect(await refused.locator('tbody tr').evaluateAll((rows) => rows.map((r) => (r as unknown as { innerText: string }).innerText.split('\t')))).toEqual([
      ['5', 'Bad Address', '“not-an-email” is not an e-mail address.'],
      ['7', 'Vip Gold', '“gold” is not a client type: write Full access, One-way messaging or Offline.'],
    ]);
    await report.getByText('Columns left out: Notes.').waitFor();
    await page.evaluate('window.scrollTo(0, document.body.scrollHeight)');
    await shot('import-report');

    const rows = await downloaded(() => report.getByRole('button', { name: 'Download the refused rows' }).click());
    expect(rows.name).toBe('my-clients-refused-rows.csv');
    const lines = rows.text.trimEnd().split('\r\n');
    expect(lines).toEqual([
      'First name,Last name,E-mail address,Phone number,Client type,Notes,reason',
      'Bad,Address,not-an-email,,Offline,,Row 5: “not-an-email” is not an e-mail address.',
      `Vip,Gold,${email('vip')},,gold,,"Row 7: “gold” is not a client type: write Full access, One-way messaging or Offline."`,
    ]);

    // Fixed, the same file (its reason column included) imports.
    const fixed = rows.text.replace('not-an-email', email('bad')).replace(',gold,', ',Offline,');
    await report.getByRole('button', { name: 'Import another file' }).click();
    await page.getByLabel('CSV file').setInputFiles({ name: 'my-clients-refused-rows.csv', mimeType: 'text/csv', buffer: Buffer.from(fixed) });
    await page.getByTestId('import-preview').getByText('These columns will be left out: Notes, reason.').waitFor();
    await page.getByRole('button', { name: 'Import 2 clients' }).click();
    await status('2 clients were added. No row was refused.').waitFor();

    // Grace had no type in the file: she got the one chosen for the file; nobody was sent login details.
    const listed = (await business.admin.get(`/api/v1/clients?search=${encodeURIComponent(email('grace'))}`)).body.items[0];
    expect(listed).toMatchObject({ firstName: 'Grace', type: 'offline' });
    const ada = (await business.admin.get(`/api/v1/clients?search=${encodeURIComponent(email('ada'))}`)).body.items[0];
    expect((await business.admin.get(`/api/v1/clients/${ada.id}`)).body).toMatchObject({ type: 'full_access', appAccess: 'not_invited', phone: '+33 6 12 34 56 78' });
  }, 120_000);

  it('exports the list as a file, phone numbers as they are', async () => {
    await page.goto(url('/clients'));
    await page.getByRole('link', { name: 'Ada Lovelace' }).waitFor();
    const exported = await downloaded(() => page.getByRole('button', { name: 'Export' }).click());
    expect(exported.name).toMatch(/^clients-\d{4}-\d{2}-\d{2}\.csv$/);
    expect(exported.text.split('\r\n')[0]).toBe('firstName,lastName,email,phone,type,status,createdAt');
    expect(exported.text).toContain(`Ada,Lovelace,${email('ada')},+33 6 12 34 56 78,full_access,active,`);
    expect(exported.text).not.toContain("'+33");
  }, 60_000);

  it('keeps a selection across pages and searches, says how many, selects all matching and names them in the change-type summary', async () => {
    // 30 more offline clients, named after the others: two pages.
    const more = ['firstName,lastName,email,type', ...Array.from({ length: 30 }, (_, i) => `Many${String(i).padStart(2, '0')},Zimmer,${email(`many${i}`)},offline`)].join('\n');
    expect((await business.admin.post('/api/v1/clients/import', more, { 'content-type': 'text/csv' })).body.created).toBe(30);
    await page.goto(url('/clients'));
    await page.getByText('35 clients').waitFor();

    await page.getByRole('checkbox', { name: 'Select all clients on this page' }).check();
    await page.getByTestId('selection-count').filter({ hasText: '25 selected' }).waitFor();
    await page.getByRole('button', { name: 'Select all 35 matching' }).click();
    await page.getByTestId('selection-count').filter({ hasText: '35 selected' }).waitFor();
    await page.getByTestId('select-all-matching').getByText('All 35 matching clients are selected.').waitFor();
    await shot('clients');
    await page.getByRole('button', { name: 'Clear' }).click();
    await page.getByTestId('selection-count').waitFor({ state: 'detached' });

    // One on the first page, one found by a search, one on the second page: three selected.
    await page.getByRole('checkbox', { name: 'Select Ada Lovelace' }).check();
    await page.getByRole('searchbox', { name: 'Search clients' }).fill('Hopper');
    await page.getByText('1 client', { exact: true }).waitFor();
    await page.getByRole('checkbox', { name: 'Select Grace Hopper' }).check();
    await page.getByRole('searchbox', { name: 'Search clients' }).fill('');
    await page.getByText('35 clients').waitFor();
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByText('Page 2 of 2').waitFor();
    await page.getByRole('checkbox', { name: 'Select Many29 Zimmer' }).check();
    await page.getByTestId('selection-count').filter({ hasText: '3 selected' }).waitFor();

    await page.getByRole('button', { name: 'Actions for the selected clients' }).click();
    await page.getByRole('menuitem', { name: 'Change client type' }).click();
    const dialog = page.getByRole('dialog', { name: 'Change client type of 3 clients' });
    const names = await dialog.getByTestId('change-type-names').textContent();
    for (const name of ['Ada Lovelace', 'Grace Hopper', 'Many29 Zimmer']) expect(names).toContain(name);
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
  }, 90_000);

  it('keeps filters, search, sort and page in the URL across a reload, sorts by e-mail, and offers Edit on each row', async () => {
    await page.goto(url('/clients'));
    await page.getByRole('link', { name: 'Ada Lovelace' }).waitFor();
    await page.getByRole('button', { name: 'E-mail', exact: true }).click();
    await page.waitForURL(/sort=email/);
    const emails = async () => page.locator('table.clients-table tbody tr td:nth-child(3)').allTextContents();
    await page.locator('th[aria-sort="ascending"]', { hasText: 'E-mail' }).waitFor();
    // The header and the URL say "by e-mail" at once; the rows once the sorted page has come.
    const sorted = (values: string[]) => values.length > 1 && values.every((value, i) => i === 0 || values[i - 1].toLowerCase().localeCompare(value.toLowerCase()) <= 0);
    const shown = await eventually(emails, sorted);
    expect(shown).toEqual([...shown].sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase())));
    expect(shown[0]).toBe(email('ada'));

    await page.getByLabel('Client type', { exact: true }).selectOption('offline');
    await page.getByRole('searchbox', { name: 'Search clients' }).fill('Zimmer');
    await page.waitForURL(/q=Zimmer/);
    await page.getByRole('button', { name: 'Next' }).click();
    await page.waitForURL(/page=2/);
    const query = new URL(page.url()).searchParams;
    expect(Object.fromEntries(query)).toEqual({ q: 'Zimmer', type: 'offline', sort: 'email', page: '2' });

    await page.reload();
    await page.getByText('Page 2 of 2').waitFor();
    expect(await page.getByRole('searchbox', { name: 'Search clients' }).inputValue()).toBe('Zimmer');
    expect(await page.getByLabel('Client type', { exact: true }).inputValue()).toBe('offline');
    await page.locator('th[aria-sort="ascending"]', { hasText: 'E-mail' }).waitFor();
    // A page change is a step Back undoes; filters and sort stay.
    await page.goBack();
    await page.getByText('Page 1 of 2').waitFor();
    expect(Object.fromEntries(new URL(page.url()).searchParams)).toEqual({ q: 'Zimmer', type: 'offline', sort: 'email' });
    await page.goForward();
    await page.getByText('Page 2 of 2').waitFor();
    // The same link in another tab shows the same clients.
    const other = await context.newPage();
    await other.goto(page.url());
    await other.getByText('Page 2 of 2').waitFor();
    expect(await other.locator('table.clients-table tbody tr td:nth-child(3)').allTextContents()).toEqual(await emails());
    await other.close();

    await page.goto(url('/clients?q=Hopper'));
    await page.locator('tr', { hasText: 'Grace Hopper' }).getByRole('link', { name: 'Edit', exact: true }).click();
    await page.waitForURL(/\/clients\/[^/?]+\?tab=contact&edit=1$/);
    // The profile opens on Contact with its form open.
    await page.getByRole('button', { name: 'Save' }).waitFor();
  }, 90_000);

  it('shows Add client, Import and Delete only to staff who may use them', async () => {
    const coach = await addCoach(business);
    expect((await coach.api.post('/api/v1/clients', { firstName: 'Carl', lastName: 'Coached', email: uniqueEmail('carl'), type: 'offline' })).status).toBe(201);
    const coachPage = await context.newPage();
    await signIn(coachPage, coach.email);
    await coachPage.goto(url('/clients'));
    await coachPage.getByRole('link', { name: 'Carl Coached' }).waitFor();
    // A coach creates clients by default, and neither imports nor deletes.
    await coachPage.getByRole('button', { name: 'Add client', exact: true }).waitFor();
    expect(await coachPage.getByRole('link', { name: 'Import', exact: true }).count()).toBe(0);
    await coachPage.getByRole('checkbox', { name: 'Select Carl Coached' }).check();
    await coachPage.getByRole('button', { name: 'Actions for the selected clients' }).click();
    await coachPage.getByRole('menuitem', { name: 'Change client type' }).waitFor();
    expect(await coachPage.getByRole('menuitem', { name: 'Delete' }).count()).toBe(0);
    await coachPage.goto(url('/clients/import'));
    await coachPage.getByText('Only staff who can import clients').waitFor();
    await coachPage.close();

    const importer = await addCoach(business, ['import_clients', 'delete_clients']);
    const importerPage = await context.newPage();
    await signIn(importerPage, importer.email);
    await importerPage.goto(url('/clients'));
    await importerPage.getByRole('link', { name: 'Import', exact: true }).waitFor();
    expect(await importerPage.getByRole('button', { name: 'Add client', exact: true }).count()).toBe(0);
    await importerPage.close();
  }, 60_000);
});
