/**
 * The HUD's minimap: the path walked so far (pose x, y on the ground, metres), seen from above with +y up,
 * and the heading as an arrow at the walker. The view fits the path, at least `MIN_SPAN` metres across.
 */
import type { Pose } from './protocol';

const MIN_SPAN = 30;
const MIN_STEP = 0.25;
const MAX_POINTS = 20_000;

/** The points walked, one every `MIN_STEP` metres at most (flat x, y pairs). */
export class WalkPath {
  readonly points: number[] = [];

  add(pose: Pose): void {
    const n = this.points.length;
    if (n >= 2 && Math.hypot(pose[0] - this.points[n - 2], pose[1] - this.points[n - 1]) < MIN_STEP) return;
    this.points.push(pose[0], pose[1]);
    if (this.points.length > 2 * MAX_POINTS) this.points.splice(0, 2);
  }
}

export interface MapView {
  /** Metres to pixels, and the point at the canvas's centre. */
  scale: number;
  centre: [number, number];
}

/** The view that fits `points` (and the walker) in a square canvas of `size` pixels. */
export function fitView(points: readonly number[], pose: Pose, size: number, margin = 10): MapView {
  let [minX, maxX, minY, maxY] = [pose[0], pose[0], pose[1], pose[1]];
  for (let i = 0; i < points.length; i += 2) {
    minX = Math.min(minX, points[i]);
    maxX = Math.max(maxX, points[i]);
    minY = Math.min(minY, points[i + 1]);
    maxY = Math.max(maxY, points[i + 1]);
  }
  const span = Math.max(MIN_SPAN, maxX - minX, maxY - minY);
  return { scale: (size - 2 * margin) / span, centre: [(minX + maxX) / 2, (minY + maxY) / 2] };
}

export function drawMinimap(context: CanvasRenderingContext2D, path: WalkPath, pose: Pose): void {
  const size = context.canvas.width;
  const view = fitView(path.points, pose, size);
  const at = (x: number, y: number): [number, number] =>
    [size / 2 + (x - view.centre[0]) * view.scale, size / 2 - (y - view.centre[1]) * view.scale];
  context.clearRect(0, 0, size, size);
  context.fillStyle = 'rgba(10, 14, 20, 0.62)';
  context.fillRect(0, 0, size, size);
  context.strokeStyle = 'rgba(255, 255, 255, 0.08)';
  context.lineWidth = 1;
  const grid = 10 * view.scale;
  if (grid > 6) {
    const offX = (size / 2 - view.centre[0] * view.scale) % grid;
    const offY = (size / 2 + view.centre[1] * view.scale) % grid;
    context.beginPath();
    for (let x = offX; x < size; x += grid) {
      context.moveTo(x, 0);
      context.lineTo(x, size);
    }
    for (let y = offY; y < size; y += grid) {
      context.moveTo(0, y);
      context.lineTo(size, y);
    }
    context.stroke();
  }
  const points = path.points;
  if (points.length >= 4) {
    context.strokeStyle = '#fbbf24';
    context.lineWidth = 2;
    context.lineJoin = 'round';
    context.beginPath();
    context.moveTo(...at(points[0], points[1]));
    for (let i = 2; i < points.length; i += 2) context.lineTo(...at(points[i], points[i + 1]));
    context.lineTo(...at(pose[0], pose[1]));
    context.stroke();
    context.fillStyle = '#4ade80';
    context.beginPath();
    context.arc(...at(points[0], points[1]), 3, 0, Math.PI * 2);
    context.fill();
  }
  const [x, y] = at(pose[0], pose[1]);
  const yaw = (pose[3] * Math.PI) / 180; // 0 = +x, counter-clockwise; the canvas's y points down
  const tip = (length: number, turn: number): [number, number] =>
    [x + Math.cos(yaw + turn) * length, y - Math.sin(yaw + turn) * length];
  context.fillStyle = '#f8fafc';
  context.strokeStyle = '#0f172a';
  context.lineWidth = 1.5;
  context.beginPath();
  context.moveTo(...tip(9, 0));
  context.lineTo(...tip(6, 2.5));
  context.lineTo(...tip(2, Math.PI));
  context.lineTo(...tip(6, -2.5));
  context.closePath();
  context.fill();
  context.stroke();
}
