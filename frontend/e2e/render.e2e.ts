/**
 * The default workflow, end to end: it opens on a first visit; a widget edit shortens it (and a
 * runtime error shows on the node it breaks); Queue renders it with live progress; the video preview
 * plays; dropping the MP4 reopens its workflow.
 */
import { expect, test } from 'vitest';
import type { Editor } from './browser';
import { activeWorkflow, editorPerFile, edges, node, screenshot } from './browser';

const editor = editorPerFile();

test('a first visit opens the default workflow, every node and link drawn', async () => {
  const { page } = editor;
  await expect.poll(() => page.locator('.react-flow__node-world').count()).toBe(8);
  await expect.poll(() => edges(page).count()).toBe(8);
  await expect.poll(() => page.getByRole('tab', { selected: true }).textContent()).toContain('default');
  await expect.poll(() => node(page, '2').locator('.wg-title').textContent()).toBe('Wander');
  await screenshot(page, 'default-workflow');
  expect(editor.errors).toEqual([]);
});

test('editing a widget changes the workflow by input name and marks the tab unsaved', async () => {
  const { page } = editor;
  const duration = node(page, '2').getByLabel('duration', { exact: true });
  await duration.fill('2');
  await duration.press('Enter');
  const workflow = await activeWorkflow(page);
  expect(workflow.nodes['2'].inputs.duration).toBe(2);
  expect(workflow.nodes['2'].inputs.mode).toBe('explore');
  await expect.poll(() => page.locator('.wg-tab.active .wg-dirty').count()).toBe(1);
});

test('a runtime error is shown on the node that failed', async () => {
  const { page } = editor;
  await page.keyboard.press('Control+Enter');
  const failed = node(page, '3').locator('.wg-node');
  await expect.poll(() => failed.getAttribute('class'), { timeout: 90_000 }).toContain('has-error');
  await expect.poll(() => failed.getByRole('alert').textContent()).toContain("'time'");
  await page.getByRole('alert').filter({ hasText: 'node 3 (InsertCharacter) failed' }).waitFor();
  await screenshot(page, 'runtime-error');
});

async function setNumber(page: Editor['page'], id: string, input: string, value: number): Promise<void> {
  const widget = node(page, id).getByLabel(input, { exact: true });
  await widget.fill(String(value));
  await widget.press('Enter');
}

test('queue renders with live progress, highlights the running node, and the video preview plays', async () => {
  const { page } = editor;
  await setNumber(page, '2', 'duration', 3);
  await setNumber(page, '3', 'time', 1);
  await setNumber(page, '4', 'time', 2);
  await page.keyboard.press('Control+Enter');
  await page.locator('.wg-node.executing').first().waitFor({ timeout: 60_000 });
  await page.locator('.wg-status-running').first().waitFor();
  await screenshot(page, 'rendering');
  const progress = page.getByRole('progressbar', { name: 'overall progress' });
  await expect.poll(() => progress.textContent(), { timeout: 120_000, interval: 250 }).toBe('success');
  expect(await node(page, '3').locator('.wg-node').getAttribute('class')).not.toContain('has-error');
  const video = node(page, '8').locator('video');
  await video.waitFor();
  const played = await video.evaluate(async (element: HTMLVideoElement) => {
    if (element.readyState < 1) await new Promise((ready) => element.addEventListener('loadedmetadata', ready, { once: true }));
    element.muted = true;
    await element.play();
    await new Promise((wait) => setTimeout(wait, 600));
    return { duration: element.duration, time: element.currentTime, width: element.videoWidth, height: element.videoHeight };
  });
  expect(played.duration).toBeGreaterThan(2.9);
  expect(played.duration).toBeLessThan(3.2);
  expect(played.time).toBeGreaterThan(0);
  expect([played.width, played.height]).toEqual([854, 480]);
  await screenshot(page, 'rendered');
  await page.getByRole('button', { name: 'Outputs' }).click();
  await page.getByRole('complementary', { name: 'Outputs' }).locator('video').first().waitFor();
  expect(editor.errors).toEqual([]);
});

test('dropping the rendered MP4 reopens its workflow in a new tab', async () => {
  const { page } = editor;
  const source = await page.getByRole('complementary', { name: 'Outputs' }).locator('video').first().getAttribute('src');
  await page.evaluate(async (url) => {
    const blob = await (await fetch(url!)).blob();
    const transfer = new DataTransfer();
    transfer.items.add(new File([blob], 'worldgraph_00001_.mp4', { type: 'video/mp4' }));
    const target = document.querySelector('.wg-app')!;
    for (const type of ['dragover', 'drop']) {
      target.dispatchEvent(new DragEvent(type, { dataTransfer: transfer, bubbles: true, cancelable: true }));
    }
  }, source);
  await expect.poll(() => page.getByRole('tab', { selected: true }).textContent()).toContain('worldgraph_00001_');
  await expect.poll(() => page.locator('.react-flow__node-world').count()).toBe(8);
  const workflow = await activeWorkflow(page);
  expect(workflow.nodes['2'].inputs.duration).toBe(3);
  expect(workflow.nodes['3'].inputs.time).toBe(1);
  expect(await page.getByRole('tab').count()).toBe(2);
  expect(editor.errors).toEqual([]);
});

test('the jobs panel cancels a pending job and interrupts the running one', async () => {
  const { page } = editor;
  await page.getByRole('tab', { name: /^default/ }).click();
  await setNumber(page, '2', 'duration', 20);
  await setNumber(page, '3', 'time', 13);
  await setNumber(page, '4', 'time', 12);
  await page.keyboard.press('Control+Enter');
  await page.keyboard.press('Control+Enter');
  await page.getByRole('button', { name: /^Jobs/ }).click();
  const jobs = page.getByRole('complementary', { name: 'Jobs' });
  await jobs.getByRole('button', { name: 'Cancel' }).click();
  await expect.poll(() => jobs.getByRole('button', { name: 'Cancel' }).count()).toBe(0);
  await jobs.getByRole('button', { name: 'Interrupt' }).click();
  await expect.poll(() => jobs.getByRole('button', { name: 'Interrupt' }).count(), { timeout: 30_000 }).toBe(0);
  await jobs.locator('.wg-job.interrupted').first().waitFor();
  const progress = page.getByRole('progressbar', { name: 'overall progress' });
  await expect.poll(() => progress.textContent()).toBe('interrupted');
  await screenshot(page, 'jobs');
  expect(editor.errors).toEqual([]);
});
