/**
 * The viewport's controls, bound to the page: keys, mouse look (pointer lock on a click, or dragging where
 * the browser refuses the lock) and a gamepad. Keys are sent the moment they change; the mouse and the
 * gamepad are sampled once per frame period, the movement since the last sample turned into degrees per
 * frame (so the turn follows the hand), and the look falls back to 0 as soon as the mouse stops.
 */
import type { HeldInput } from './protocol';
import type { PadState } from './input';
import { CONTROL_KEYS, MAX_LOOK_DEG, MOUSE_DEG_PER_PX, STILL, heldInput, mouseLook, readPad, sameInput } from './input';

const clamp = (value: number, bound: number) => Math.max(-bound, Math.min(bound, value));

const typing = (target: EventTarget | null) =>
  target instanceof HTMLElement && (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName));

export class LiveControls {
  private readonly keys = new Set<string>();
  private dx = 0;
  private dy = 0;
  private look: [number, number] = [0, 0];
  private last: HeldInput = STILL;
  private lastSample = performance.now();
  private dragging: { x: number; y: number } | null = null;
  private timer: ReturnType<typeof setInterval> | undefined;
  private readonly period: number;
  private readonly cleanups: (() => void)[] = [];

  /** `send` is called with each new held input (never twice with the same one). */
  constructor(private readonly canvas: HTMLCanvasElement, private readonly fps: number, private readonly send: (held: HeldInput) => void) {
    this.period = 1000 / Math.max(1, fps);
  }

  get locked(): boolean {
    return document.pointerLockElement === this.canvas;
  }

  attach(): void {
    const on = <K extends keyof WindowEventMap>(target: Window | Document | HTMLElement, type: K, handler: (event: WindowEventMap[K]) => void) => {
      target.addEventListener(type, handler as EventListener);
      this.cleanups.push(() => target.removeEventListener(type, handler as EventListener));
    };
    on(window, 'keydown', (event) => {
      if (typing(event.target) || !CONTROL_KEYS.has(event.code) || event.ctrlKey || event.metaKey || event.altKey) return;
      event.preventDefault();
      this.keys.add(event.code);
      this.update();
    });
    on(window, 'keyup', (event) => {
      if (!this.keys.delete(event.code)) return;
      this.update();
    });
    on(window, 'blur', () => {
      this.keys.clear();
      this.dragging = null;
      this.update();
    });
    on(this.canvas, 'mousedown', (event) => {
      if (event.button !== 0) return;
      this.dragging = { x: event.clientX, y: event.clientY };
      this.lock();
    });
    on(window, 'mouseup', () => {
      this.dragging = null;
    });
    on(window, 'mousemove', (event) => {
      if (this.locked) {
        this.dx += event.movementX;
        this.dy += event.movementY;
      } else if (this.dragging) {
        this.dx += event.clientX - this.dragging.x;
        this.dy += event.clientY - this.dragging.y;
        this.dragging = { x: event.clientX, y: event.clientY };
      }
    });
    this.lastSample = performance.now();
    this.timer = setInterval(() => this.sample(), this.period);
  }

  detach(): void {
    clearInterval(this.timer);
    for (const cleanup of this.cleanups.splice(0)) cleanup();
    if (this.locked) document.exitPointerLock();
  }

  /** Pointer lock, where the browser grants it (it needs a click; headless browsers may refuse). */
  lock(): void {
    if (this.locked || !this.canvas.requestPointerLock) return;
    try {
      const asked = this.canvas.requestPointerLock() as unknown;
      if (asked instanceof Promise) asked.catch(() => undefined);
    } catch {
      /* refused: dragging with the button held still looks around */
    }
  }

  private sample(): void {
    const now = performance.now();
    const frames = Math.max(1, (now - this.lastSample) / this.period);
    const [yaw, pitch] = mouseLook(this.dx, this.dy, frames);
    this.look = [clamp(yaw, MAX_LOOK_DEG), clamp(pitch, MAX_LOOK_DEG)];
    // a flick faster than the protocol's bound turns on over the next frames rather than being lost
    this.dx = ((yaw - this.look[0]) * frames) / MOUSE_DEG_PER_PX;
    this.dy = -((pitch - this.look[1]) * frames) / MOUSE_DEG_PER_PX;
    this.lastSample = now;
    this.update();
  }

  private pad(): PadState | null {
    if (typeof navigator.getGamepads !== 'function') return null;
    for (const pad of navigator.getGamepads()) {
      const state = readPad(pad);
      if (state) return state;
    }
    return null;
  }

  private update(): void {
    const held = heldInput(this.keys, this.look, this.fps, this.pad());
    if (sameInput(held, this.last)) return;
    this.last = held;
    this.send(held);
  }
}
