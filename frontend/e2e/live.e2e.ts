/**
 * Live play in the editor, against a real server and a real browser: Play opens the viewport, H.264 frames
 * come (acknowledged) with the sound; M mutes; W walks along the heading; the mouse and the arrows turn; an
 * event changes the picture; Keep writes the server's keep into the graph (and it renders), also from a start
 * time past 0; Ctrl+Z takes it back, Discard changes nothing; two sessions play at once, one of them JPEG;
 * closing a page ends its session; a session the server refuses says why.
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { beforeAll, expect, test } from 'vitest';
import { SCREENSHOTS, activeWorkflow, editorPerFile, node, openEditor, screenshot } from './browser';

/** A short walk at 15 fps, with a Director node to play: 1 world -> 2 wander -> 3 shot -> 4 render -> 5 save. */
function liveWorkflow(track?: string) {
  return {
    format: 'worldgraph/workflow', version: 2,
    nodes: {
      '1': { class: 'LoadWorld', title: 'World', inputs: { source: 'preset', preset: 'alpine_meadow', seed: 4 } },
      '2': { class: 'WanderRollout', title: 'Wander', inputs: { mode: track ? 'track' : 'walk', duration: 6, fps: 15, time_scale: 0, seed: 1, ...(track ? { track } : {}) } },
      '3': { class: 'ChangeShot', title: 'First person', inputs: { time: 0, shot: 'first_person' } },
      '4': { class: 'RenderVideo', inputs: { resolution: '480p' } },
      '5': { class: 'SaveVideo', inputs: { filename_prefix: 'live/kept', format: 'mp4', quality: 'draft' } },
    },
    links: [
      { from: ['1', 'world'], to: ['2', 'world'] },
      { from: ['2', 'latent'], to: ['3', 'latent'] },
      { from: ['3', 'latent'], to: ['4', 'latent'] },
      { from: ['4', 'video'], to: ['5', 'video'] },
    ],
    layout: { nodes: { '1': { pos: [0, 0] }, '2': { pos: [320, 0] }, '3': { pos: [640, 0] }, '4': { pos: [960, 0] }, '5': { pos: [1280, 0] } } },
  };
}

const editor = editorPerFile({ 'worldgraph.live.size': '320x180' });
let page: Page;

async function importWorkflow(target: Page, name: string, workflow: unknown): Promise<void> {
  await target.locator('input[aria-label="import file"]').setInputFiles({
    name: `${name}.json`, mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(workflow)),
  });
  await target.getByRole('tab', { selected: true }).filter({ hasText: name }).waitFor();
  await node(target, '3').waitFor();
}

beforeAll(async () => {
  page = editor.page;
  await importWorkflow(page, 'live', liveWorkflow());
});

interface Live {
  codec: string | null;
  framesDrawn: number;
  framesReceived: number;
  dropped: number;
  skipped: number;
  latencies: number[];
  phase: string;
  audioMessages: number;
  audioBuffered: number;
  last: { frame: number; time: number; pose: [number, number, number, number, number]; input_seq: number; codec?: string; key?: boolean } | null;
}

const live = (target: Page = page): Promise<Live> => target.evaluate(() => {
  const stats = (window as unknown as { __worldgraphLive: Live }).__worldgraphLive;
  return { codec: stats.codec, framesDrawn: stats.framesDrawn, framesReceived: stats.framesReceived, dropped: stats.dropped,
    skipped: stats.skipped, latencies: [...stats.latencies], phase: stats.phase, audioMessages: stats.audioMessages,
    audioBuffered: stats.audioBuffered, last: stats.last };
});

/** Frames drawn from now on: waits until `count` more are on the canvas. */
async function frames(count: number, target: Page = page): Promise<Live> {
  const from = (await live(target)).framesDrawn;
  await target.waitForFunction(([n]) => (window as unknown as { __worldgraphLive: Live }).__worldgraphLive.framesDrawn >= n,
    [from + count], { timeout: 30_000 });
  return live(target);
}

/** The picture as 32x18 grey levels (0..255), and its mean. */
async function picture(target: Page = page): Promise<{ grey: number[]; mean: number }> {
  return target.evaluate(() => {
    const canvas = document.querySelector<HTMLCanvasElement>('.wg-live-canvas')!;
    const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
    const grey: number[] = [];
    for (let row = 0; row < 18; row++) {
      for (let col = 0; col < 32; col++) {
        const x = Math.floor(((col + 0.5) * canvas.width) / 32);
        const y = Math.floor(((row + 0.5) * canvas.height) / 18);
        const i = (y * canvas.width + x) * 4;
        grey.push(0.2126 * data[i] + 0.7152 * data[i + 1] + 0.0722 * data[i + 2]);
      }
    }
    return { grey, mean: grey.reduce((a, b) => a + b, 0) / grey.length };
  });
}

const difference = (a: { grey: number[] }, b: { grey: number[] }) => a.grey.reduce((sum, v, i) => sum + Math.abs(v - b.grey[i]), 0) / a.grey.length;

/** A screenshot in e2e-artifacts/ and in /tmp/live2-*.png, to look at. */
async function shoot(target: Page, name: string): Promise<void> {
  await screenshot(target, name);
  mkdirSync('/tmp', { recursive: true });
  copyFileSync(join(SCREENSHOTS, `${name}.png`), `/tmp/${name.replace(/^live-/, 'live2-')}.png`);
}

const viewport = (target: Page = page) => target.getByRole('dialog', { name: 'Live play' });

/** Sessions the server is running now, as a fresh /live connection's greeting says. */
const sessions = (target: Page): Promise<number> => target.evaluate(() => new Promise<number>((done, fail) => {
  const socket = new WebSocket(`${location.origin.replace(/^http/, 'ws')}/live`);
  socket.onmessage = (message) => {
    done(JSON.parse(message.data as string).sessions);
    socket.close();
  };
  socket.onerror = () => fail(new Error('no greeting'));
}));

test('Play on a node opens the viewport; H.264 frames arrive, acknowledged, and the sound with them', async () => {
  await node(page, '3').getByRole('button', { name: 'play node 3' }).click();
  await viewport().waitFor();
  const first = await frames(10);
  expect(first.codec).toBe('h264');
  expect(first.last).toMatchObject({ codec: 'h264' });
  expect(first.last!.time).toBeGreaterThan(0);
  expect(first.framesReceived).toBeGreaterThanOrEqual(10); // with a window of 2, only acknowledged frames let more come
  expect(await page.locator('.wg-live-canvas').evaluate((c: HTMLCanvasElement) => [c.width, c.height])).toEqual([320, 180]);
  const shown = await picture();
  expect(shown.grey.some((v) => v > 20)).toBe(true);
  expect(Math.max(...shown.grey) - Math.min(...shown.grey)).toBeGreaterThan(40); // a scene, not one flat colour
  await expect.poll(() => viewport().getByLabel('time', { exact: true }).textContent()).toMatch(/^0:0\d$/);
  expect(await viewport().getByLabel('codec').textContent()).toBe('H.264');
  await expect.poll(async () => (await live()).audioMessages).toBeGreaterThan(5);
  await expect.poll(async () => (await live()).audioBuffered).toBeGreaterThan(0);
  await shoot(page, 'live-playing');
});

test('M and the sound button mute and unmute', async () => {
  const button = viewport().getByRole('button', { name: 'mute', exact: true });
  await expect.poll(() => button.textContent()).toBe('sound on');
  await page.keyboard.press('KeyM');
  await expect.poll(() => viewport().getByRole('button', { name: 'unmute' }).textContent()).toBe('sound off');
  const muted = await live();
  await frames(3);
  expect((await live()).audioMessages).toBeGreaterThan(muted.audioMessages); // the sound goes on, silent
  await viewport().getByRole('button', { name: 'unmute' }).click();
  await expect.poll(() => button.textContent()).toBe('sound on');
});

test('holding W walks forward, along the heading, and the picture changes', async () => {
  const before = (await frames(1)).last!;
  const seen = await picture();
  await page.keyboard.down('KeyW');
  await page.waitForTimeout(1500);
  await page.keyboard.up('KeyW');
  const after = (await frames(2)).last!;
  const [dx, dy] = [after.pose[0] - before.pose[0], after.pose[1] - before.pose[1]];
  const yaw = (before.pose[3] * Math.PI) / 180;
  expect(Math.hypot(dx, dy)).toBeGreaterThan(1.5);
  expect((dx * Math.cos(yaw) + dy * Math.sin(yaw)) / Math.hypot(dx, dy)).toBeGreaterThan(0.9);
  expect(after.input_seq).toBeGreaterThanOrEqual(2);
  expect(difference(seen, await picture())).toBeGreaterThan(2);
  expect((await live()).latencies.length).toBeGreaterThan(0);
});

test('the mouse turns the camera (pointer lock on a click), and so do the arrow keys', async () => {
  const box = (await page.locator('.wg-live-canvas').boundingBox())!;
  await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
  await expect.poll(() => page.evaluate(() => Boolean(document.pointerLockElement))).toBe(true);
  const start = (await frames(1)).last!.pose[3];
  const seen = await picture();
  await page.mouse.move(box.x + box.width / 2 + 240, box.y + box.height / 2, { steps: 12 });
  await page.waitForTimeout(500);
  const turned = (await frames(2)).last!.pose[3];
  expect(start - turned).toBeGreaterThan(10); // turning right lowers the yaw
  expect(difference(seen, await picture())).toBeGreaterThan(3);
  await page.keyboard.press('Escape'); // the first Escape only lets the mouse go
  await expect.poll(() => page.evaluate(() => Boolean(document.pointerLockElement))).toBe(false);
  await viewport().waitFor();
  await page.keyboard.down('ArrowLeft');
  await page.waitForTimeout(600);
  await page.keyboard.up('ArrowLeft');
  expect((await frames(2)).last!.pose[3] - turned).toBeGreaterThan(20);
});

test('an event triggered live changes the picture: night falls', async () => {
  const day = await picture();
  await page.keyboard.press('Tab'); // weather -> time of day
  await expect.poll(() => viewport().getByRole('tab', { selected: true }).textContent()).toBe('Time of day');
  await page.keyboard.press('Digit8'); // night
  await viewport().getByRole('status').filter({ hasText: 'time of day: night' }).waitFor();
  await page.waitForTimeout(2500); // a two-second transition
  await frames(2);
  const night = await picture();
  expect(night.mean).toBeLessThan(day.mean * 0.6);
  await shoot(page, 'live-night');
  await page.keyboard.press('Shift+Tab');
  await page.keyboard.press('Digit4'); // snow
  await viewport().getByRole('status').filter({ hasText: 'weather: snow' }).waitFor();
  await page.waitForTimeout(2500);
  await frames(2);
  expect(difference(night, await picture())).toBeGreaterThan(3);
  await shoot(page, 'live-snow');
  expect(await viewport().getByRole('alert').count()).toBe(0);
});

let beforeKeep: any;
let kept: any;

test('Keep writes the track into the walk node and the events as Director nodes after the played one; the kept workflow renders', async () => {
  beforeKeep = await activeWorkflow(page);
  const played = (await live()).last!.frame;
  await page.keyboard.press('Enter');
  await expect.poll(() => viewport().count()).toBe(0);
  await page.getByRole('status').filter({ hasText: 'kept the walk in node 2, 2 events after node 3' }).waitFor();
  kept = await activeWorkflow(page);
  const walk = kept.nodes['2'].inputs;
  expect(walk.mode).toBe('track');
  expect(walk.waypoints).toBe('[]');
  const track = JSON.parse(walk.track);
  expect(track.length).toBeGreaterThanOrEqual(played);
  expect(walk.duration).toBeCloseTo(track.length / 15, 6);
  expect(track.some((action: { move: number[] }) => action.move[0] === 1)).toBe(true);
  expect(kept.nodes['6']).toMatchObject({ class: 'PlotEvent', inputs: { event: 'time_of_day', amount: 23 } });
  expect(kept.nodes['7']).toMatchObject({ class: 'PlotEvent', inputs: { event: 'weather', value: 'snow' } });
  expect(kept.nodes['7'].inputs.time).toBeGreaterThan(kept.nodes['6'].inputs.time);
  expect(kept.links).toEqual(expect.arrayContaining([
    { from: ['3', 'latent'], to: ['6', 'latent'] }, { from: ['6', 'latent'], to: ['7', 'latent'] }, { from: ['7', 'latent'], to: ['4', 'latent'] },
  ]));
  expect(kept.links).not.toContainEqual({ from: ['3', 'latent'], to: ['4', 'latent'] });
  await shoot(page, 'live-kept');

  await page.keyboard.press('Control+Enter');
  const progress = page.getByRole('progressbar', { name: 'overall progress' });
  await expect.poll(() => progress.textContent(), { timeout: 120_000, interval: 250 }).toBe('success');
  await page.keyboard.press('.'); // the save node moved right, out of view
  await node(page, '5').locator('video').waitFor();
  expect(editor.errors).toEqual([]);
});

test('Ctrl+Z after Keep gives back the graph as it was', async () => {
  await page.locator('.react-flow__pane').click({ position: { x: 700, y: 700 } });
  await page.keyboard.press('Control+z');
  const undone = await activeWorkflow(page);
  expect(undone.nodes).toEqual(beforeKeep.nodes);
  expect(undone.links).toEqual(beforeKeep.links);
  await page.keyboard.press('Control+Shift+z');
  expect((await activeWorkflow(page)).nodes['2'].inputs.track).toBe(kept.nodes['2'].inputs.track);
  await page.keyboard.press('Control+z');
});

test('played from 1 s and kept: the first second stays as it was, the walk lasts as played, the event follows, and it renders', async () => {
  // a walk of known actions (strafing right, looking left and right), so the kept first second can be compared
  const walk = Array.from({ length: 90 }, (_, i) => ({ move: [0, 0.5, 0], look: [i % 2 ? 1 : -1, 0] }));
  await importWorkflow(page, 'from1', liveWorkflow(JSON.stringify(walk)));
  const before = await activeWorkflow(page);
  await node(page, '3').getByRole('button', { name: 'play node 3' }).click();
  await frames(2);
  await page.evaluate(() => { (window as unknown as { __previous: unknown }).__previous = (window as unknown as { __worldgraphLive: unknown }).__worldgraphLive; });
  await viewport().getByLabel('start time').fill('1.0');
  await viewport().getByRole('button', { name: 'Restart' }).click(); // a new viewport: the time field's focus goes with the old one
  await page.waitForFunction(() => {
    const w = window as unknown as { __previous: unknown; __worldgraphLive: Live };
    return w.__worldgraphLive !== w.__previous && w.__worldgraphLive.framesDrawn > 0;
  }, null, { timeout: 30_000 });
  const first = await page.evaluate(() => (window as unknown as { __worldgraphLive: { first: Live['last'] } }).__worldgraphLive.first!);
  expect(first.frame).toBe(15);
  expect(first.time).toBeCloseTo(1, 6);
  await page.keyboard.down('KeyW');
  await page.waitForTimeout(800);
  await page.keyboard.press('Digit4'); // snow
  await viewport().getByRole('status').filter({ hasText: 'weather: snow' }).waitFor();
  await page.waitForTimeout(500);
  await page.keyboard.up('KeyW');
  const played = (await frames(2)).last!.frame;
  await page.keyboard.press('Enter');
  await expect.poll(() => viewport().count()).toBe(0);
  await page.getByRole('status').filter({ hasText: 'kept the walk in node 2, 1 event after node 3' }).waitFor();
  const from1 = await activeWorkflow(page);
  const inputs = from1.nodes['2'].inputs;
  const track = JSON.parse(inputs.track);
  expect(inputs.mode).toBe('track');
  expect(track.length).toBeGreaterThanOrEqual(played + 1); // frames 0..played
  expect(inputs.duration).toBeCloseTo(track.length / 15, 6);
  expect(track.slice(0, 15)).toEqual(walk.slice(0, 15));
  expect(track.slice(15).filter((action: { move: number[] }) => action.move[0] === 1).length).toBeGreaterThan(5);
  expect(from1.nodes['6']).toMatchObject({ class: 'PlotEvent', inputs: { event: 'weather', value: 'snow' } });
  expect(from1.nodes['6'].inputs.time).toBeGreaterThan(1.3);
  expect(from1.nodes['6'].inputs.time).toBeLessThan(inputs.duration);
  expect(from1.links).toEqual(expect.arrayContaining([{ from: ['3', 'latent'], to: ['6', 'latent'] }, { from: ['6', 'latent'], to: ['4', 'latent'] }]));

  await page.keyboard.press('Control+Enter');
  const progress = page.getByRole('progressbar', { name: 'overall progress' });
  await expect.poll(() => progress.textContent(), { timeout: 120_000, interval: 250 }).toBe('success');
  await page.keyboard.press('.');
  await node(page, '5').locator('video').waitFor({ timeout: 120_000 }); // this tab's render (the progress may be the last job's)
  expect(editor.errors).toEqual([]);
  await page.locator('.react-flow__pane').click({ position: { x: 700, y: 700 } });
  await page.keyboard.press('Control+z');
  expect((await activeWorkflow(page)).nodes).toEqual(before.nodes);
});

test('every palette event is taken by the server, and Discard leaves the graph unchanged', async () => {
  const before = await activeWorkflow(page);
  await node(page, '2').getByRole('button', { name: 'play node 2' }).click();
  await frames(3);
  await page.keyboard.down('KeyD');
  const palette = viewport().getByLabel('direct');
  for (const tab of await palette.getByRole('tab').all()) {
    await tab.click();
    for (const entry of await palette.locator('.wg-live-entries button').all()) await entry.click();
  }
  await page.keyboard.up('KeyD');
  await frames(5);
  await page.waitForTimeout(500);
  expect(await viewport().getByRole('alert').allTextContents()).toEqual([]);
  await shoot(page, 'live-directed');
  await viewport().getByRole('button', { name: /^Discard/ }).click();
  await expect.poll(() => viewport().count()).toBe(0);
  const after = await activeWorkflow(page);
  expect(after.nodes).toEqual(before.nodes);
  expect(after.links).toEqual(before.links);
});

test('two sessions at once both get frames (one asks for JPEG); closing a page ends its session on the server', async () => {
  const other = await openEditor(editor.browser, { 'worldgraph.live.size': '320x180', 'worldgraph.live.codec': 'jpeg' });
  try {
    await importWorkflow(other.page, 'live', liveWorkflow());
    await node(page, '3').getByRole('button', { name: 'play node 3' }).click();
    await node(other.page, '2').getByRole('button', { name: 'play node 2' }).click();
    await Promise.all([frames(10), frames(10, other.page)]);
    await Promise.all([frames(5), frames(5, other.page)]);
    expect([(await live()).codec, (await live(other.page)).codec]).toEqual(['h264', 'jpeg']);
    expect((await live(other.page)).last).toMatchObject({ codec: 'jpeg', key: true });
    expect(await sessions(page)).toBe(2);
    await other.context.close();
    await expect.poll(() => sessions(page), { timeout: 15_000 }).toBe(1);
    await frames(5); // the first session plays on
  } finally {
    await other.context.close().catch(() => undefined);
  }
  await page.keyboard.press('Escape');
  await expect.poll(() => viewport().count()).toBe(0);
  await expect.poll(() => sessions(page), { timeout: 15_000 }).toBe(0);
});

test('a session the server cannot start says why in the viewport; the editor stays', async () => {
  await importWorkflow(page, 'broken', liveWorkflow('not json'));
  await node(page, '3').getByRole('button', { name: 'play node 3' }).click();
  const alert = viewport().getByRole('alert');
  await expect.poll(() => alert.textContent(), { timeout: 30_000 }).toContain("input 'track' is not valid JSON");
  await shoot(page, 'live-refused');
  await alert.getByRole('button', { name: 'Back to the graph' }).click();
  await expect.poll(() => viewport().count()).toBe(0);
  await node(page, '3').waitFor();
  expect(editor.errors).toEqual([]);
});
