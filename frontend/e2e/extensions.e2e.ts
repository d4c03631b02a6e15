/** Custom node packs in the editor: their nodes in the library, their web extensions run, failures reported. */
import { expect, test } from 'vitest';
import { addNode, editorPerFile } from './browser';

const editor = editorPerFile();

test("a pack's web extension is imported and set up", async () => {
  const notice = editor.page.getByRole('status').filter({ hasText: 'web_pack extension sees' });
  await notice.waitFor();
  expect(await editor.page.evaluate(() => window.worldgraph?.extensions)).toEqual(['web_pack.hello']);
});

test('a pack that failed to load is reported, and the rest of the editor works', async () => {
  await editor.page.getByRole('alert').filter({ hasText: 'custom node pack broken_pack failed to load' }).waitFor();
  await editor.page.getByRole('button', { name: 'new tab' }).click();
  await addNode(editor.page, { x: 400, y: 300 }, 'greeting');
  await editor.page.locator('.react-flow__node-world').filter({ hasText: 'Greeting (e2e)' }).waitFor();
  expect(editor.errors).toEqual([]);
});
