/** The keymap (keymap.ts): one table of shortcuts, each chord meaning one thing, each command implemented. */
import { cleanup, fireEvent, render } from '@testing-library/react';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { shortcuts } from '../src/commands';
import { ContextMenu } from '../src/components/ContextMenu';
import { chordOf, commandFor, KEYMAP, withShortcut } from '../src/keymap';

afterEach(cleanup);

const key = (key: string, mods: { ctrl?: boolean; meta?: boolean; shift?: boolean; alt?: boolean } = {}) =>
  ({ key, ctrlKey: !!mods.ctrl, metaKey: !!mods.meta, shiftKey: !!mods.shift, altKey: !!mods.alt });

describe('the table', () => {
  test('no two entries share a chord in the same context, and an `anywhere` chord is in no other context', () => {
    const clashes = KEYMAP.flatMap((a, i) => KEYMAP.slice(i + 1)
      .filter((b) => a.keys === b.keys && (a.when === b.when || a.when === 'anywhere' || b.when === 'anywhere'))
      .map((b) => `${a.keys}: ${a.command} (${a.when}) and ${b.command} (${b.when})`));
    expect(clashes).toEqual([]);
  });

  test('chords are spelt as chordOf spells key events', () => {
    for (const { keys } of KEYMAP) {
      const parts = keys.split('+');
      const last = parts.at(-1)!;
      const event = key(last.length === 1 ? last.toLowerCase() : last, { ctrl: parts.includes('Mod'), shift: parts.includes('Shift'), alt: parts.includes('Alt') });
      expect(chordOf(event)).toBe(keys);
    }
  });

  test('each command exists: the editor implements every canvas and anywhere command, and binds every one it implements', () => {
    const editorBound = new Set(KEYMAP.filter((b) => b.when !== 'menu').map((b) => b.command));
    expect([...editorBound].filter((command) => !(command in shortcuts))).toEqual([]);
    expect(Object.keys(shortcuts).filter((command) => !editorBound.has(command as never))).toEqual([]);
    expect(KEYMAP.filter((b) => b.when === 'menu').map((b) => b.command)).toEqual(['closeMenu']);
  });

  test('every shortcut is in the table of docs/editor.md', () => {
    const docs = readFileSync(join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'docs', 'editor.md'), 'utf8');
    const table = docs.split('\n').filter((line) => line.startsWith('|')).join('\n');
    for (const { keys } of KEYMAP) expect(table, keys).toContain(keys.replace('Mod', 'Ctrl'));
  });
});

describe('looking keys up', () => {
  test('chordOf: Ctrl or ⌘ is Mod, letters are upper case, named keys stay as they are', () => {
    expect(chordOf(key('Z', { ctrl: true, shift: true }))).toBe('Mod+Shift+Z');
    expect(chordOf(key('s', { meta: true }))).toBe('Mod+S');
    expect(chordOf(key('Enter', { ctrl: true }))).toBe('Mod+Enter');
    expect(chordOf(key('.'))).toBe('.');
    expect(chordOf(key('Delete', { alt: true }))).toBe('Alt+Delete');
  });

  test('commandFor: only the contexts asked for', () => {
    expect(commandFor(key('s', { ctrl: true }), ['anywhere'])).toBe('save');
    expect(commandFor(key('S', { ctrl: true, shift: true }), ['anywhere'])).toBe('saveAs');
    expect(commandFor(key('z', { ctrl: true }), ['anywhere'])).toBeNull(); // typing in a field: the field's own undo
    expect(commandFor(key('z', { ctrl: true }), ['anywhere', 'canvas'])).toBe('undo');
    expect(commandFor(key('y', { ctrl: true }), ['anywhere', 'canvas'])).toBe('redo');
    expect(commandFor(key('Escape'), ['anywhere', 'canvas'])).toBeNull();
    expect(commandFor(key('Escape'), ['menu'])).toBe('closeMenu');
    expect(commandFor(key('q'), ['anywhere', 'canvas', 'menu'])).toBeNull();
  });

  test('withShortcut names the first chord of a command, for tooltips', () => {
    expect(withShortcut('Save', 'save')).toBe('Save (Ctrl+S)');
    expect(withShortcut('Redo', 'redo')).toBe('Redo (Ctrl+Shift+Z)');
    expect(withShortcut('Fit view', 'fitView')).toBe('Fit view (.)');
  });
});

test('the context menu closes on its Escape binding, and on nothing else', () => {
  const onClose = vi.fn();
  render(<ContextMenu request={{ x: 10, y: 10, items: [{ label: 'Copy', action: () => undefined }] }} onClose={onClose} />);
  fireEvent.keyDown(window, { key: 'a' });
  expect(onClose).not.toHaveBeenCalled();
  fireEvent.keyDown(window, { key: 'Escape' });
  expect(onClose).toHaveBeenCalledTimes(1);
});
