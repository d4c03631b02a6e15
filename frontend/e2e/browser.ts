/** Debian's chromium through playwright-core, and helpers to act on the editor as a person would. */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, inject } from 'vitest';
import { launchChromium } from './chromium.mjs';

export const SCREENSHOTS = resolve(__dirname, '..', 'e2e-artifacts');

export interface Editor {
  context: BrowserContext;
  page: Page;
  /** Uncaught errors in the page, and WebSocket messages the editor dropped: a test fails when any appear. */
  errors: string[];
}

/** A fresh browser profile (empty localStorage, or these items) on the editor, loaded and ready. */
export async function openEditor(browser: Browser, storage: Record<string, string> = {}): Promise<Editor> {
  const context = await browser.newContext({ viewport: { width: 1600, height: 900 } });
  if (Object.keys(storage).length) {
    await context.addInitScript((items) => {
      for (const [key, value] of Object.entries(items)) if (localStorage.getItem(key) === null) localStorage.setItem(key, value);
    }, storage);
  }
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  // the editor warns when a server message does not fit the message schema (api/events.ts)
  page.on('console', (message) => {
    if (message.type() === 'warning' && message.text().includes("message schema")) errors.push(message.text());
  });
  page.on('dialog', (dialog) => void dialog.accept());
  await page.goto(inject('baseUrl'));
  await page.locator('.react-flow__node').first().waitFor();
  return { context, page, errors };
}

/**
 * One browser and one fresh editor shared by the tests of a file: registers the file's beforeAll and
 * afterAll, and returns the editor (ready once the tests run).
 */
export function editorPerFile(storage: Record<string, string> = {}): Editor & { browser: Browser } {
  let browser: Browser | undefined;
  let editor: Editor | undefined;
  beforeAll(async () => {
    browser = await launchChromium();
    editor = await openEditor(browser, storage);
  });
  afterAll(async () => {
    await browser?.close();
  });
  return {
    get browser() { return browser!; },
    get context() { return editor!.context; },
    get page() { return editor!.page; },
    get errors() { return editor!.errors; },
  };
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`) });
}

export const node = (page: Page, id: string): Locator => page.locator(`.react-flow__node[data-id="${id}"]`);
export const edges = (page: Page): Locator => page.locator('.react-flow__edge');
export const inputHandle = (page: Page, id: string, input: string): Locator =>
  node(page, id).locator(`.react-flow__handle[data-handleid="i:${input}"]`);
export const outputHandle = (page: Page, id: string, output: string): Locator =>
  node(page, id).locator(`.react-flow__handle[data-handleid="o:${output}"]`);

async function centre(locator: Locator): Promise<{ x: number; y: number }> {
  const box = await locator.boundingBox();
  if (!box) throw new Error('element is not visible');
  return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
}

/** Drag a wire with the mouse, in small steps, from one point to another. */
export async function dragWire(page: Page, from: Locator, to: Locator | { x: number; y: number }): Promise<void> {
  const start = await centre(from);
  const end = 'boundingBox' in to ? await centre(to) : to;
  await page.mouse.move(start.x, start.y);
  await page.mouse.down();
  await page.mouse.move((start.x + end.x) / 2, (start.y + end.y) / 2, { steps: 8 });
  await page.mouse.move(end.x, end.y, { steps: 8 });
  await page.mouse.up();
}

/** Add a node through the add-node dialog (double-click on empty canvas, search, Enter). */
export async function addNode(page: Page, at: { x: number; y: number }, search: string): Promise<void> {
  await page.mouse.dblclick(at.x, at.y);
  const dialog = page.getByRole('dialog', { name: 'Add node' });
  await dialog.getByLabel('search nodes').fill(search);
  await dialog.getByLabel('search nodes').press('Enter');
  await expect.poll(() => dialog.count()).toBe(0);
}

/** The active tab's workflow as the editor would save it (read from the persisted session). */
export async function savedSession(page: Page): Promise<{ activeId: string; tabs: { id: string; name: string; dirty: boolean; workflow: any }[] }> {
  await page.waitForTimeout(400); // the session is written 300 ms after a change
  return page.evaluate(() => JSON.parse(localStorage.getItem('worldgraph.tabs.v1') ?? 'null'));
}

export async function activeWorkflow(page: Page): Promise<any> {
  const session = await savedSession(page);
  return session.tabs.find((t) => t.id === session.activeId)!.workflow;
}
