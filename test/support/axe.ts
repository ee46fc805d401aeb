import type { AxeResults, ImpactValue, Result } from 'axe-core';
import type { Locator, Page } from 'playwright-core';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { source: AXE_SOURCE } = require('axe-core') as { source: string };

/** The WCAG 2.0, 2.1 and 2.2 level A and AA rules: what the issue asks the app to meet. */
export const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

/** The impacts that fail a page: a person using a screen reader or a keyboard is stopped, not only slowed. */
export const BLOCKING: ImpactValue[] = ['serious', 'critical'];

/**
 * Runs axe-core on what `page` shows now and answers its violations of the WCAG A/AA rules. The
 * page's own Content-Security-Policy forbids inline scripts, so the page's browser context must be
 * created with `bypassCSP: true` for axe's source to be injected.
 */
export async function axeViolations(page: Page, options: { include?: string } = {}): Promise<Result[]> {
  if (!(await page.evaluate(() => 'axe' in globalThis))) {
    await page.addScriptTag({ content: AXE_SOURCE });
    if (!(await page.evaluate(() => 'axe' in globalThis))) {
      throw new Error('axe-core could not be injected: create the browser context with { bypassCSP: true } (the app forbids inline scripts).');
    }
  }
  const results = await page.evaluate(
    ([tags, include]) => {
      const axe = (globalThis as unknown as { axe: { run(context: unknown, options: unknown): Promise<AxeResults> } }).axe;
      const doc = (globalThis as unknown as { document: unknown }).document;
      return axe.run(include ?? doc, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
    },
    [WCAG_TAGS, options.include] as const,
  );
  return results.violations;
}

/** The violations as lines a person can act on: rule, impact, what to do, and where (one line per element). */
export function describeViolations(violations: Result[]): string {
  return violations
    .map((v) => {
      const where = v.nodes.map((n) => `    at ${n.target.map(String).join(' ')}${n.failureSummary ? `: ${n.failureSummary.replace(/\s*\n\s*/g, ' ')}` : ''}`);
      return [`  ${v.id} (${v.impact}): ${v.help} [${v.helpUrl}]`, ...where].join('\n');
    })
    .join('\n');
}

/**
 * Fails when the page shows a serious or critical WCAG A/AA violation, listing each one with its
 * rule id, help text and the selectors of the elements at fault. `where` names the page and state.
 */
export async function expectNoSeriousViolations(page: Page, where: string, options: { include?: string } = {}): Promise<void> {
  const blocking = (await axeViolations(page, options)).filter((v) => v.impact && BLOCKING.includes(v.impact));
  if (blocking.length > 0) {
    throw new Error(`${where} (${page.url()}): ${blocking.length} serious or critical accessibility violation(s):\n${describeViolations(blocking)}`);
  }
}

/**
 * Checks many pages in one test and fails once at the end, so one page's violations do not hide
 * the next page's. `check` runs axe on what the page shows now; `assertClean` fails listing every
 * page with a serious or critical violation. With A11Y_REPORT=<file>, every violation of every
 * impact is also appended there as JSON lines (to read the moderate and minor ones too).
 */
export class AccessibilityAudit {
  private readonly failures: string[] = [];
  readonly checked: string[] = [];

  async check(page: Page, where: string, options: { include?: string } = {}): Promise<void> {
    const violations = await axeViolations(page, options);
    this.checked.push(where);
    if (process.env.A11Y_REPORT && violations.length > 0) {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      require('node:fs').appendFileSync(process.env.A11Y_REPORT, `${JSON.stringify({ where, url: page.url(), violations: violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target, html: n.html, summary: n.failureSummary })) })) })}\n`);
    }
    const blocking = violations.filter((v) => v.impact && BLOCKING.includes(v.impact));
    if (blocking.length > 0) this.failures.push(`${where} (${new URL(page.url()).pathname}):\n${describeViolations(blocking)}`);
  }

  assertClean(): void {
    if (this.failures.length > 0) {
      throw new Error(`Serious or critical accessibility violations on ${this.failures.length} of ${this.checked.length} page states:\n${this.failures.join('\n')}`);
    }
  }
}

/** WCAG's contrast ratio of two colours as getComputedStyle gives them (`rgb(…)` or `rgba(…)`; alpha is ignored). */
export function contrastRatio(a: string, b: string): number {
  const luminance = (css: string) => {
    const [r, g, bl] = (css.match(/[\d.]+/g) ?? ['0', '0', '0']).slice(0, 3).map((c) => {
      const v = Number(c) / 255;
      return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
  };
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

/** The keyboard focus ring of the focused element, and the colour it is drawn on (its own background for a ring drawn inside it). */
export interface FocusRing {
  element: string;
  style: string;
  width: number;
  color: string;
  background: string;
}

interface StyledElement {
  tagName: string;
  textContent: string | null;
  parentElement: StyledElement | null;
}
interface BrowserGlobals {
  document: { activeElement: StyledElement | null };
  getComputedStyle(element: StyledElement): Record<string, string>;
}

/** What the focused element's ring looks like now. */
export function focusRing(page: Page): Promise<FocusRing> {
  return page.evaluate(() => {
    const g = globalThis as unknown as BrowserGlobals;
    const element = g.document.activeElement!;
    const style = g.getComputedStyle(element);
    /** The first opaque background from `from` up: what a ring or a border is seen against. */
    const backgroundOf = (from: StyledElement | null): string => {
      for (let at = from; at; at = at.parentElement) {
        const colour = g.getComputedStyle(at).backgroundColor;
        if (colour && colour !== 'transparent' && !/rgba\(.*,\s*0\)$/.test(colour)) return colour;
      }
      return 'rgb(255, 255, 255)';
    };
    return {
      element: `${element.tagName.toLowerCase()} "${(element.textContent ?? '').trim().slice(0, 30)}"`,
      style: style.outlineStyle,
      width: parseFloat(style.outlineWidth),
      color: style.outlineColor,
      background: backgroundOf(parseFloat(style.outlineOffset) < 0 ? element : element.parentElement),
    };
  });
}

/** A field's border colour and the colours on both sides of it (its own background, and what is around it). */
export function fieldBorder(field: Locator): Promise<{ color: string; inside: string; outside: string }> {
  return field.evaluate((element) => {
    const g = globalThis as unknown as BrowserGlobals;
    const el = element as unknown as StyledElement;
    const backgroundOf = (from: StyledElement | null): string => {
      for (let at = from; at; at = at.parentElement) {
        const colour = g.getComputedStyle(at).backgroundColor;
        if (colour && colour !== 'transparent' && !/rgba\(.*,\s*0\)$/.test(colour)) return colour;
      }
      return 'rgb(255, 255, 255)';
    };
    return { color: g.getComputedStyle(el).borderTopColor, inside: backgroundOf(el), outside: backgroundOf(el.parentElement) };
  });
}
