/**
 * Building and keeping graphs as an artist does: add nodes, wire them (refusing wrong types), drop a
 * wire on the canvas, undo, copy between tabs, group, see a validation error on its node, save,
 * reload, reopen, and open a 500-node workflow.
 */
import type { Page } from 'playwright-core';
import { beforeAll, expect, test } from 'vitest';
import { activeWorkflow, addNode, dragWire, edges, editorPerFile, inputHandle, node, outputHandle, savedSession, screenshot } from './browser';
import { chainWorkflow } from './largeWorkflow.mjs';

const editor = editorPerFile();
let page: Page;

beforeAll(() => {
  page = editor.page;
});

const worldNodes = () => page.locator('.react-flow__node-world');

test('add nodes from the dialog, connect them, refuse a wrong type, disconnect', async () => {
  await page.getByRole('button', { name: 'new tab' }).click();
  await expect.poll(() => page.getByRole('tab', { selected: true }).textContent()).toContain('Untitled 1');
  await addNode(page, { x: 250, y: 200 }, 'integer');
  await addNode(page, { x: 750, y: 200 }, 'math integer');
  await addNode(page, { x: 250, y: 450 }, 'load world');
  await expect.poll(() => worldNodes().count()).toBe(3);
  expect(await node(page, '1').locator('.wg-title').textContent()).toBe('Integer');
  expect(await node(page, '2').locator('.wg-title').textContent()).toBe('Math (integer)');

  await dragWire(page, outputHandle(page, '1', 'value'), inputHandle(page, '2', 'a'));
  await expect.poll(() => edges(page).count()).toBe(1);
  expect(await node(page, '2').getByLabel('a', { exact: true }).count()).toBe(0); // a linked input shows no widget

  await dragWire(page, outputHandle(page, '3', 'world'), inputHandle(page, '2', 'b'));
  await page.waitForTimeout(300);
  expect(await edges(page).count()).toBe(1);
  expect((await activeWorkflow(page)).links).toEqual([{ from: ['1', 'value'], to: ['2', 'a'] }]);

  await page.locator('.react-flow__edge-interaction').first().click({ force: true });
  await page.keyboard.press('Delete');
  await expect.poll(() => edges(page).count()).toBe(0);
  await node(page, '2').getByLabel('a', { exact: true }).waitFor();
  await screenshot(page, 'built-graph');
});

test('a wire dropped on empty canvas offers the nodes that take it, and connects the choice', async () => {
  await dragWire(page, outputHandle(page, '3', 'world'), { x: 1150, y: 650 });
  const dialog = page.getByRole('dialog', { name: 'Add node' });
  await dialog.waitFor();
  expect(await dialog.textContent()).toContain('nodes that take WORLD');
  expect(await dialog.textContent()).toContain('Wander rollout');
  expect(await dialog.textContent()).not.toContain('Math (integer)');
  await dialog.getByLabel('search nodes').fill('wander');
  await dialog.getByLabel('search nodes').press('Enter');
  await expect.poll(() => worldNodes().count()).toBe(4);
  await expect.poll(() => edges(page).count()).toBe(1);
  expect((await activeWorkflow(page)).links).toEqual([{ from: ['3', 'world'], to: ['4', 'world'] }]);
});

test('undo and redo', async () => {
  await page.locator('.react-flow__pane').click({ position: { x: 600, y: 800 } });
  await page.keyboard.press('Control+z');
  await expect.poll(() => worldNodes().count()).toBe(3);
  expect(await edges(page).count()).toBe(0);
  await page.keyboard.press('Control+Shift+z');
  await expect.poll(() => worldNodes().count()).toBe(4);
  await expect.poll(() => edges(page).count()).toBe(1); // drawn once the restored node is measured
});

test('copy and paste between tabs; group the selection', async () => {
  await node(page, '2').locator('.wg-node-header').click();
  await page.keyboard.press('Control+c');
  await page.getByRole('button', { name: 'new tab' }).click();
  await expect.poll(() => worldNodes().count()).toBe(0);
  await page.mouse.move(500, 300);
  await page.keyboard.press('Control+v');
  await expect.poll(() => worldNodes().count()).toBe(1);
  expect(Object.values((await activeWorkflow(page)).nodes).map((n: any) => n.class)).toEqual(['MathInt']);
  await page.keyboard.press('Control+a');
  await page.keyboard.press('Control+g');
  await expect.poll(() => page.locator('.react-flow__node-frame').count()).toBe(1);
  expect((await activeWorkflow(page)).layout.groups).toHaveLength(1);
});

test('a validation error appears on its node and input', async () => {
  await addNode(page, { x: 900, y: 500 }, 'save video');
  await page.keyboard.press('Control+Enter');
  const saveVideo = page.locator('.react-flow__node-world').filter({ hasText: 'Save video' });
  await expect.poll(() => saveVideo.locator('.wg-node').getAttribute('class')).toContain('has-error');
  await saveVideo.locator('.wg-input.invalid[data-input="video"]').waitFor();
  expect(await saveVideo.getByRole('alert').textContent()).toContain('video');
  await screenshot(page, 'validation-error');
});

test('save, reload with tabs restored, close with the unsaved prompt, reopen', async () => {
  await page.keyboard.press('Control+s');
  const dialog = page.getByRole('dialog', { name: 'Save workflow as' });
  await dialog.getByLabel('name').fill('e2e graph');
  await dialog.getByLabel('name').press('Enter');
  await expect.poll(() => page.getByRole('tab', { selected: true }).textContent()).toBe('e2e graph×');

  const b = page.locator('.react-flow__node-world').filter({ hasText: 'Math (integer)' }).getByLabel('b', { exact: true });
  await b.fill('41');
  await b.press('Enter');
  await expect.poll(() => page.locator('.wg-tab.active .wg-dirty').count()).toBe(1);
  const before = await savedSession(page);

  await page.reload();
  await page.locator('.react-flow__node').first().waitFor();
  const after = await savedSession(page);
  expect(after.tabs.map((t) => [t.name, t.dirty])).toEqual(before.tabs.map((t) => [t.name, t.dirty]));
  expect(after.activeId).toBe(before.activeId);
  await expect.poll(() => page.locator('.wg-tab.active .wg-dirty').count()).toBe(1);
  const restored = page.locator('.react-flow__node-world').filter({ hasText: 'Math (integer)' }).getByLabel('b', { exact: true });
  expect(await restored.inputValue()).toBe('41');

  await page.getByRole('button', { name: 'close e2e graph' }).click();
  const unsaved = page.getByRole('dialog', { name: 'Unsaved changes' });
  await unsaved.getByRole('button', { name: 'Cancel' }).click();
  expect(await page.getByRole('tab', { name: /e2e graph/ }).count()).toBe(1);
  await page.getByRole('button', { name: 'close e2e graph' }).click();
  await unsaved.getByRole('button', { name: 'Discard' }).click();
  await expect.poll(() => page.getByRole('tab', { name: /e2e graph/ }).count()).toBe(0);

  await page.keyboard.press('Control+o');
  await page.getByRole('dialog', { name: 'Open workflow' }).getByRole('button', { name: 'e2e graph', exact: true }).click();
  await expect.poll(() => page.getByRole('tab', { selected: true }).textContent()).toBe('e2e graph×');
  const reopened = page.locator('.react-flow__node-world').filter({ hasText: 'Math (integer)' }).getByLabel('b', { exact: true });
  expect(await reopened.inputValue()).toBe('1');
  expect(await page.locator('.wg-tab.active .wg-dirty').count()).toBe(0);
  expect(editor.errors).toEqual([]);
});

test('an image input uploads a file into the input folder and shows it', async () => {
  await page.getByRole('button', { name: 'new tab' }).click();
  await addNode(page, { x: 400, y: 250 }, 'load image');
  const png = await page.evaluate(() => {
    const canvas = document.createElement('canvas');
    canvas.width = 32;
    canvas.height = 24;
    const context = canvas.getContext('2d')!;
    context.fillStyle = '#3a7';
    context.fillRect(0, 0, 32, 24);
    return canvas.toDataURL('image/png').split(',')[1];
  });
  const loader = page.locator('.react-flow__node-world').filter({ hasText: 'Load image' });
  await loader.getByLabel('upload image').setInputFiles({ name: 'meadow.png', mimeType: 'image/png', buffer: Buffer.from(png, 'base64') });
  await expect.poll(() => loader.getByLabel('image', { exact: true }).inputValue()).toBe('meadow.png');
  const thumb = loader.locator('img.wg-upload-thumb');
  await expect.poll(() => thumb.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(32);

  // an image dropped on the node goes into its input (not into a new tab)
  const tabs = await page.getByRole('tab').count();
  await loader.evaluate((element, data) => {
    const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
    const transfer = new DataTransfer();
    transfer.items.add(new File([bytes], 'dropped.png', { type: 'image/png' }));
    for (const type of ['dragover', 'drop']) {
      element.dispatchEvent(new DragEvent(type, { dataTransfer: transfer, bubbles: true, cancelable: true }));
    }
  }, png);
  await expect.poll(() => loader.getByLabel('image', { exact: true }).inputValue()).toBe('dropped.png');
  expect(await page.getByRole('tab').count()).toBe(tabs);
});

test('right-click menus: duplicate a node, delete a link, add a node', async () => {
  await page.getByRole('button', { name: 'new tab' }).click();
  await addNode(page, { x: 300, y: 250 }, 'integer');
  await addNode(page, { x: 800, y: 250 }, 'preview value');
  await dragWire(page, outputHandle(page, '1', 'value'), inputHandle(page, '2', 'value'));
  await expect.poll(() => edges(page).count()).toBe(1);

  await node(page, '1').locator('.wg-node-header').click({ button: 'right' });
  await page.getByRole('menuitem', { name: 'Duplicate' }).click();
  await expect.poll(() => worldNodes().count()).toBe(3);
  expect(Object.values((await activeWorkflow(page)).nodes).map((n: any) => n.class)).toEqual(['PrimitiveInt', 'PreviewValue', 'PrimitiveInt']);

  const from = (await outputHandle(page, '1', 'value').boundingBox())!;
  const to = (await inputHandle(page, '2', 'value').boundingBox())!;
  await page.mouse.click((from.x + to.x) / 2 + 4, (from.y + to.y) / 2 + 4, { button: 'right' });
  await page.getByRole('menuitem', { name: 'Delete link' }).click();
  await expect.poll(() => edges(page).count()).toBe(0);

  await page.locator('.react-flow__pane').click({ button: 'right', position: { x: 600, y: 650 } });
  await page.getByRole('menuitem', { name: 'Add node…' }).click();
  await page.getByRole('dialog', { name: 'Add node' }).waitFor();
  await page.keyboard.press('Escape');
  await page.keyboard.press('Control+z');
  await expect.poll(() => edges(page).count()).toBe(1);
});

test('after a Shift+drag box selection, the selected nodes still take right-clicks and widget clicks', async () => {
  await page.getByRole('button', { name: 'new tab' }).click();
  await addNode(page, { x: 300, y: 250 }, 'integer');
  await addNode(page, { x: 700, y: 250 }, 'integer');
  const first = (await node(page, '1').boundingBox())!;
  const second = (await node(page, '2').boundingBox())!;
  /** Drag a box around both nodes, holding ``key``. */
  const boxSelect = async (key: string) => {
    await page.keyboard.down(key);
    await page.mouse.move(first.x - 30, first.y - 30);
    await page.mouse.down();
    await page.mouse.move(second.x + second.width + 30, second.y + second.height + 30, { steps: 8 });
    await page.mouse.up();
    await page.keyboard.up(key);
  };
  await boxSelect('Shift');
  await expect.poll(() => page.locator('.react-flow__node.selected').count()).toBe(2);

  await node(page, '2').locator('.wg-node-header').click({ button: 'right' });
  await page.getByRole('menuitem', { name: 'Duplicate' }).waitFor();
  await page.keyboard.press('Escape');
  const field = node(page, '1').locator('input').first();
  await field.click();
  await field.fill('42');
  await field.press('Enter');
  await expect.poll(async () => (await activeWorkflow(page)).nodes['1'].inputs.value).toBe(42);

  await page.locator('.react-flow__pane').click({ position: { x: 40, y: 600 } });  // nothing selected
  await expect.poll(() => page.locator('.react-flow__node.selected').count()).toBe(0);
  await boxSelect('Control');  // Ctrl+drag box-selects too, as in ComfyUI
  await expect.poll(() => page.locator('.react-flow__node.selected').count()).toBe(2);
});

test('a 500-node workflow opens and stays interactive', async () => {
  await page.locator('input[aria-label="import file"]').setInputFiles({
    name: 'chain-500.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(chainWorkflow(500))),
  });
  await expect.poll(() => page.getByRole('tab', { selected: true }).textContent()).toContain('chain-500');
  await expect.poll(() => page.locator('.react-flow__minimap-node').count()).toBe(500);
  const box = (await node(page, '1').boundingBox())!;
  await page.mouse.move(box.x + box.width / 2, box.y + 3);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width / 2 + 100, box.y + 60, { steps: 5 });
  await page.mouse.up();
  const workflow = await activeWorkflow(page);
  expect(Object.keys(workflow.nodes)).toHaveLength(500);
  expect(workflow.links).toHaveLength(499);
  expect(workflow.layout.nodes['1'].pos[0]).not.toBe(0);
  await screenshot(page, 'chain-500');
  expect(editor.errors).toEqual([]);
});
