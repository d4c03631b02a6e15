#!/usr/bin/env node
/**
 * Live play as a person gets it: the editor's Play viewport in headless chromium against a real server,
 * walking with keys that change every few frames.
 *
 *   node bench/live.mjs [--json] [--codec h264|jpeg] [--seconds 60] [--seconds-720p 30] [--fps 30] [--screenshots DIR]
 *
 * The viewport's own path: H.264 decoded with WebCodecs (or JPEG with --codec jpeg, as a browser without
 * WebCodecs gets), frames acknowledged with a window of 2, the sound played.
 * codec: what the session used (the bench fails when it is not the one asked for).
 * fps_480p / fps_720p: frames drawn on the viewport's canvas per second (the rollout plays at --fps).
 * dropped_frames_480p: frames the server dropped before encoding (its count in the frame headers: the
 *   viewport had not acknowledged enough); skipped_frames_480p: frames that came and were not drawn.
 * latency_p50_ms / latency_p95_ms: from an input message sent to the first frame drawn that reflects it
 *   (the frame's input_seq), at 480p.
 * mbit_per_s_480p: what the socket carried, pictures and sound with their headers; video_mbit_per_s_480p
 *   and audio_mbit_per_s_480p each.
 * first_frame_s: from pressing Play to the first frame drawn (the workflow evaluated up to the node first);
 *   first_frame_720p_s from choosing 720p in the viewport (a new session) to its first frame.
 * --screenshots DIR: the page at the end of each walk, as DIR/live-bench-480p.png and -720p.png.
 * The numbers come from the viewport's own `window.__worldgraphLive`. The server and chromium share this
 * machine's cores. Needs `make editor` (frontend/dist) and chromium (`make chromium`).
 */
import { join } from 'node:path';

import { launchChromium, option, startServer, text } from './browserbench.mjs';

const seconds480 = option('--seconds', 60);
const seconds720 = option('--seconds-720p', process.argv.includes('--seconds') ? seconds480 / 2 : 30);
const fps = option('--fps', 30);
const codec = text('--codec', 'h264');
const screenshots = text('--screenshots', null);
if (!['h264', 'jpeg'].includes(codec)) throw new Error(`--codec is h264 or jpeg, not ${codec}`);
const WARM_UP_S = 1;
/** Keys held in turn (each change is one input message), one change every KEY_MS. */
const KEYS = ['KeyW', 'KeyW', 'KeyA', 'KeyW', 'KeyD', 'ArrowRight', 'KeyW', 'ArrowLeft'];
const KEY_MS = 250;

const round = (value, places = 3) => (value === null ? null : Math.round(value * 10 ** places) / 10 ** places);
function percentile(values, p) {
  if (!values.length) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

function workflow(duration) {
  return {
    format: 'worldgraph/workflow', version: 2,
    nodes: {
      '1': { class: 'LoadWorld', inputs: { source: 'preset', preset: 'alpine_meadow', seed: 4 } },
      '2': { class: 'WanderRollout', inputs: { mode: 'walk', duration, fps, time_scale: 60, seed: 1 } },
    },
    links: [{ from: ['1', 'world'], to: ['2', 'world'] }],
    layout: { nodes: { '1': { pos: [0, 0] }, '2': { pos: [320, 0] } } },
  };
}

const stats = (page) => page.evaluate(() => {
  const live = window.__worldgraphLive;
  return live && { codec: live.codec, drawn: live.framesDrawn, dropped: live.dropped, skipped: live.skipped, bytes: live.bytes,
    audioBytes: live.audioBytes, latencies: live.latencies.length, openedAt: live.openedAt, firstDrawnAt: live.firstDrawnAt,
    at: performance.now(), phase: live.phase };
});

/** Walk for `seconds` after the first frame, keys changing every KEY_MS; what the viewport measured. */
async function walk(page, seconds, name) {
  await page.waitForFunction(() => window.__worldgraphLive?.framesDrawn > 0 && window.__worldgraphLive.phase === 'playing',
    null, { timeout: 180_000 });
  const first = await stats(page);
  if (first.codec !== codec) throw new Error(`asked for ${codec}, the session plays ${first.codec}`);
  await page.waitForTimeout(WARM_UP_S * 1000);
  const from = await stats(page);
  const until = Date.now() + seconds * 1000;
  let held = null;
  for (let i = 0; Date.now() < until; i++) {
    if (held) await page.keyboard.up(held);
    held = KEYS[i % KEYS.length];
    await page.keyboard.down(held);
    await page.waitForTimeout(KEY_MS);
  }
  if (held) await page.keyboard.up(held);
  const to = await stats(page);
  if (to.phase !== 'playing') throw new Error(`the session ended while walking (${to.phase})`);
  if (screenshots) await page.screenshot({ path: join(screenshots, `live-bench-${name}.png`) });
  const latencies = await page.evaluate(([start]) => window.__worldgraphLive.latencies.slice(start), [from.latencies]);
  const elapsed = (to.at - from.at) / 1000;
  const rate = (bytes) => (bytes * 8) / elapsed / 1e6;
  return {
    first_frame_s: (first.firstDrawnAt - first.openedAt) / 1000,
    fps: (to.drawn - from.drawn) / elapsed,
    dropped: to.dropped - from.dropped,
    skipped: to.skipped - from.skipped,
    video_mbit_per_s: rate(to.bytes - from.bytes),
    audio_mbit_per_s: rate(to.audioBytes - from.audioBytes),
    mbit_per_s: rate(to.bytes - from.bytes + to.audioBytes - from.audioBytes),
    latencies,
  };
}

/** Press Play on the walk node: the viewport opens at the size the page keeps (854x480 at first). */
async function play(page) {
  await page.getByRole('button', { name: 'play node 2' }).click();
  await page.getByRole('dialog', { name: 'Live play' }).waitFor();
}

/** The viewport's size menu: the session starts again at that size. */
async function resize(page, width, height) {
  await page.getByLabel('picture size').selectOption(`${width}x${height}`);
  await page.waitForFunction((w) => window.__worldgraphLive?.size[0] === w, width);
}

async function leave(page) {
  await page.keyboard.press('Escape');
  await page.getByRole('dialog', { name: 'Live play' }).waitFor({ state: 'detached' });
}

const server = await startServer();
const browser = await launchChromium();
try {
  const context = await browser.newContext({ viewport: { width: 1600, height: 900 } });
  await context.addInitScript((asked) => {
    localStorage.setItem('worldgraph.live.size', '854x480');
    if (asked === 'jpeg') localStorage.setItem('worldgraph.live.codec', 'jpeg');
  }, codec);
  const page = await context.newPage();
  await page.goto(server.url);
  await page.locator('.react-flow__node').first().waitFor();
  await page.locator('input[aria-label="import file"]').setInputFiles({
    name: 'live-bench.json', mimeType: 'application/json',
    buffer: Buffer.from(JSON.stringify(workflow(Math.ceil(seconds480 + seconds720 + 60)))),
  });
  await page.getByRole('tab', { selected: true }).filter({ hasText: 'live-bench' }).waitFor();

  await play(page);
  const at480 = await walk(page, seconds480, '480p');
  await resize(page, 1280, 720);
  const at720 = await walk(page, seconds720, '720p');
  await leave(page);

  const result = {
    codec,
    seconds_480p: seconds480,
    seconds_720p: seconds720,
    rollout_fps: fps,
    fps_480p: round(at480.fps, 2),
    dropped_frames_480p: at480.dropped,
    skipped_frames_480p: at480.skipped,
    latency_p50_ms: round(percentile(at480.latencies, 50), 1),
    latency_p95_ms: round(percentile(at480.latencies, 95), 1),
    latency_samples: at480.latencies.length,
    mbit_per_s_480p: round(at480.mbit_per_s, 2),
    video_mbit_per_s_480p: round(at480.video_mbit_per_s, 2),
    audio_mbit_per_s_480p: round(at480.audio_mbit_per_s, 3),
    first_frame_s: round(at480.first_frame_s),
    fps_720p: round(at720.fps, 2),
    dropped_frames_720p: at720.dropped,
    skipped_frames_720p: at720.skipped,
    latency_p50_ms_720p: round(percentile(at720.latencies, 50), 1),
    mbit_per_s_720p: round(at720.mbit_per_s, 2),
    first_frame_720p_s: round(at720.first_frame_s),
  };
  console.log(process.argv.includes('--json') ? JSON.stringify(result) : result);
} finally {
  await browser.close();
  await server.stop();
}
