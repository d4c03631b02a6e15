/**
 * What a person holds, as the live protocol's input: pure functions from keys, mouse movement and a
 * gamepad to a `HeldInput`, and whether it changed (only changes are sent).
 *
 * Keys go by `KeyboardEvent.code` (the key's place, whatever the layout): W/A/S/D move, Shift sprints,
 * Space jumps, C crouches, the arrows turn and look up or down. A positive `look` yaw turns right (so the
 * pose's yaw, counter-clockwise, goes down) and a positive pitch looks up, as world/physics.py steps them.
 */
import type { HeldInput } from './protocol';

/** The protocol's bound on `look` (degrees per frame). */
export const MAX_LOOK_DEG = 45;
/** Mouse sensitivity: degrees of turn per pixel moved. */
export const MOUSE_DEG_PER_PX = 0.15;
/** How fast the arrow keys and a full stick turn, degrees per second. */
export const TURN_DEG_PER_S = 120;
const STICK_DEADZONE = 0.15;

export const STILL: HeldInput = { move: [0, 0, 0], look: [0, 0], jump: false, sprint: false, crouch: false };

/** The keys (codes) the controls take; any other key is left to the page. */
export const CONTROL_KEYS: ReadonlySet<string> = new Set([
  'KeyW', 'KeyA', 'KeyS', 'KeyD', 'ShiftLeft', 'ShiftRight', 'Space', 'KeyC', 'ArrowLeft', 'ArrowRight', 'ArrowUp', 'ArrowDown',
]);

const clamp = (value: number, bound: number) => Math.max(-bound, Math.min(bound, value));
/** Two decimals: small jitter (a stick at rest, sub-pixel mouse sums) is not a change worth a message. */
const tidy = (value: number) => {
  const rounded = Math.round(value * 100) / 100;
  return rounded === 0 ? 0 : rounded; // no -0 in messages
};

const axis = (keys: ReadonlySet<string>, plus: string, minus: string) => (keys.has(plus) ? 1 : 0) - (keys.has(minus) ? 1 : 0);

/** A gamepad's state as the controls read it (`navigator.getGamepads()`, standard mapping). */
export interface PadState {
  axes: readonly number[];
  pressed: readonly boolean[];
}

export function readPad(pad: Gamepad | null | undefined): PadState | null {
  if (!pad?.connected) return null;
  return { axes: [...pad.axes], pressed: pad.buttons.map((b) => b.pressed) };
}

const stick = (value: number | undefined) => (value === undefined || Math.abs(value) < STICK_DEADZONE ? 0 : value);

/**
 * Mouse movement summed over `elapsedFrames` frame periods, as degrees per frame: what the camera turns
 * in each frame so that it has turned by the whole movement when the next sample comes.
 */
export function mouseLook(dx: number, dy: number, elapsedFrames: number, degPerPx = MOUSE_DEG_PER_PX): [number, number] {
  const frames = Math.max(1, elapsedFrames);
  return [(dx * degPerPx) / frames, (-dy * degPerPx) / frames];
}

/** The input held: keys, the mouse's look this frame, and a gamepad if one is connected. */
export function heldInput(keys: ReadonlySet<string>, mouse: [number, number], fps: number, pad: PadState | null = null): HeldInput {
  const turn = TURN_DEG_PER_S / Math.max(1, fps);
  let forward = axis(keys, 'KeyW', 'KeyS');
  let right = axis(keys, 'KeyD', 'KeyA');
  let yaw = mouse[0] + axis(keys, 'ArrowRight', 'ArrowLeft') * turn;
  let pitch = mouse[1] + axis(keys, 'ArrowUp', 'ArrowDown') * turn * 0.5;
  let jump = keys.has('Space');
  let sprint = keys.has('ShiftLeft') || keys.has('ShiftRight');
  let crouch = keys.has('KeyC');
  if (pad) {
    forward += -stick(pad.axes[1]);
    right += stick(pad.axes[0]);
    yaw += stick(pad.axes[2]) * turn;
    pitch += -stick(pad.axes[3]) * turn * 0.5;
    jump ||= Boolean(pad.pressed[0]);
    crouch ||= Boolean(pad.pressed[1]);
    sprint ||= Boolean(pad.pressed[10] || pad.pressed[4] || pad.pressed[6]);
  }
  return {
    move: [tidy(clamp(forward, 1)), tidy(clamp(right, 1)), 0],
    look: [tidy(clamp(yaw, MAX_LOOK_DEG)), tidy(clamp(pitch, MAX_LOOK_DEG))],
    jump, sprint, crouch,
  };
}

export function sameInput(a: HeldInput, b: HeldInput): boolean {
  return a.move.every((v, i) => v === b.move[i]) && a.look.every((v, i) => v === b.look[i]) &&
    a.jump === b.jump && a.sprint === b.sprint && a.crouch === b.crouch;
}
