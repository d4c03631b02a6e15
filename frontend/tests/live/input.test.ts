// @vitest-environment node
/** Held input from keys, mouse and gamepad. */
import { describe, expect, test } from 'vitest';
import { MAX_LOOK_DEG, STILL, heldInput, mouseLook, sameInput } from '../../src/live/input';

const keys = (...codes: string[]) => new Set(codes);

describe('heldInput', () => {
  test('nothing held is still', () => {
    expect(heldInput(keys(), [0, 0], 30)).toEqual(STILL);
  });

  test('W/S forward and back, D/A right and left, both at once cancel', () => {
    expect(heldInput(keys('KeyW'), [0, 0], 30).move).toEqual([1, 0, 0]);
    expect(heldInput(keys('KeyS', 'KeyA'), [0, 0], 30).move).toEqual([-1, -1, 0]);
    expect(heldInput(keys('KeyW', 'KeyS', 'KeyD'), [0, 0], 30).move).toEqual([0, 1, 0]);
  });

  test('Shift sprints, Space jumps, C crouches', () => {
    expect(heldInput(keys('ShiftLeft', 'Space', 'KeyC'), [0, 0], 30)).toMatchObject({ sprint: true, jump: true, crouch: true });
  });

  test('the right arrow turns right (a positive look yaw), at a fixed rate per second', () => {
    expect(heldInput(keys('ArrowRight'), [0, 0], 30).look).toEqual([4, 0]);
    expect(heldInput(keys('ArrowLeft'), [0, 0], 60).look).toEqual([-2, 0]);
    expect(heldInput(keys('ArrowUp'), [0, 0], 30).look).toEqual([0, 2]);
  });

  test('the mouse look adds to the keys and is bounded by the protocol', () => {
    expect(heldInput(keys('ArrowRight'), [1.5, -0.5], 30).look).toEqual([5.5, -0.5]);
    expect(heldInput(keys(), [400, -400], 30).look).toEqual([MAX_LOOK_DEG, -MAX_LOOK_DEG]);
  });

  test('a gamepad moves and looks with its sticks, beyond a dead zone; its buttons jump, crouch and sprint', () => {
    const pad = { axes: [0.5, -1, 0.1, 0], pressed: [true, false, false, false, false, false, false, false, false, false, true] };
    expect(heldInput(keys(), [0, 0], 30, pad)).toEqual({ move: [1, 0.5, 0], look: [0, 0], jump: true, sprint: true, crouch: false });
    expect(heldInput(keys(), [0, 0], 30, { axes: [0, 0, 1, 0], pressed: [] }).look).toEqual([4, 0]);
  });

  test('values are tidy: two decimals, no -0', () => {
    const held = heldInput(keys(), [-0.001, 0.123456], 30);
    expect(held.look).toEqual([0, 0.12]);
    expect(Object.is(held.look[0], 0)).toBe(true);
  });
});

describe('mouseLook', () => {
  test('pixels moved over one frame period turn by the sensitivity; right is positive, up is positive', () => {
    expect(mouseLook(100, 0, 1)[0]).toBe(15);
    expect(mouseLook(0, -20, 1)[1]).toBe(3);
  });

  test('movement summed over more frames is spread over them (degrees per frame)', () => {
    expect(mouseLook(100, 0, 2)[0]).toBe(7.5);
    expect(mouseLook(100, 0, 0.5)[0]).toBe(15);
  });
});

test('sameInput compares every field', () => {
  expect(sameInput(STILL, { ...STILL, move: [0, 0, 0] })).toBe(true);
  expect(sameInput(STILL, { ...STILL, look: [0, 1] })).toBe(false);
  expect(sameInput(STILL, { ...STILL, crouch: true })).toBe(false);
});
