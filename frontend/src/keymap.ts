/**
 * Every keyboard shortcut, in one table: the key handlers look commands up here and the buttons' tooltips
 * show the keys from here. Keys inside a field (Enter to commit, Escape to cancel, arrows in a list)
 * belong to that field and are not shortcuts. `Mod` is Ctrl (⌘ on a Mac).
 */

/** Where a shortcut works: `anywhere` (even while typing in a field), `canvas` (not while typing), `menu` (a context menu is open). */
export type KeyContext = 'anywhere' | 'canvas' | 'menu';

export type CommandId =
  | 'save' | 'saveAs' | 'open' | 'queue' | 'queueFront' | 'interrupt' | 'undo' | 'redo' | 'copy' | 'paste' | 'selectAll' | 'group' | 'duplicate'
  | 'delete' | 'fitView' | 'play' | 'closeMenu';

export interface KeyBinding {
  /** A chord: modifiers (Mod, Shift, Alt) then the key, joined by `+`: `Mod+Shift+Z`, `Delete`, `.` */
  keys: string;
  command: CommandId;
  description: string;
  when: KeyContext;
}

export const KEYMAP: readonly KeyBinding[] = [
  { keys: 'Mod+S', command: 'save', description: 'save', when: 'anywhere' },
  { keys: 'Mod+Shift+S', command: 'saveAs', description: 'save as', when: 'anywhere' },
  { keys: 'Mod+O', command: 'open', description: 'open a saved workflow or a template', when: 'anywhere' },
  { keys: 'Mod+Enter', command: 'queue', description: 'queue the active tab', when: 'anywhere' },
  { keys: 'Mod+Shift+Enter', command: 'queueFront', description: 'queue the active tab at the front of the queue', when: 'anywhere' },
  { keys: 'Mod+Alt+Enter', command: 'interrupt', description: 'interrupt the running job', when: 'anywhere' },
  { keys: 'Mod+Z', command: 'undo', description: 'undo', when: 'canvas' },
  { keys: 'Mod+Shift+Z', command: 'redo', description: 'redo', when: 'canvas' },
  { keys: 'Mod+Y', command: 'redo', description: 'redo', when: 'canvas' },
  { keys: 'Mod+C', command: 'copy', description: 'copy the selection', when: 'canvas' },
  { keys: 'Mod+V', command: 'paste', description: 'paste at the pointer', when: 'canvas' },
  { keys: 'Mod+A', command: 'selectAll', description: 'select all', when: 'canvas' },
  { keys: 'Mod+G', command: 'group', description: 'group the selection', when: 'canvas' },
  { keys: 'Mod+D', command: 'duplicate', description: 'duplicate the selection', when: 'canvas' },
  { keys: 'Delete', command: 'delete', description: 'delete the selection', when: 'canvas' },
  { keys: 'Backspace', command: 'delete', description: 'delete the selection', when: 'canvas' },
  { keys: '.', command: 'fitView', description: 'fit the view', when: 'canvas' },
  { keys: 'P', command: 'play', description: 'play the selected node live', when: 'canvas' },
  { keys: 'Escape', command: 'closeMenu', description: 'close the menu', when: 'menu' },
];

/** The chord a key event makes, in the keymap's spelling. */
export function chordOf(event: Pick<KeyboardEvent, 'key' | 'ctrlKey' | 'metaKey' | 'shiftKey' | 'altKey'>): string {
  const key = event.key.length === 1 ? event.key.toUpperCase() : event.key;
  return [event.ctrlKey || event.metaKey ? 'Mod' : '', event.shiftKey ? 'Shift' : '', event.altKey ? 'Alt' : '', key]
    .filter(Boolean).join('+');
}

/** The command a key event runs in these contexts, if any. */
export function commandFor(event: Parameters<typeof chordOf>[0], contexts: readonly KeyContext[]): CommandId | null {
  const chord = chordOf(event);
  return KEYMAP.find((binding) => binding.keys === chord && contexts.includes(binding.when))?.command ?? null;
}

/** `Save (Ctrl+S)`: a label with the command's first shortcut, for a tooltip. */
export function withShortcut(label: string, command: CommandId): string {
  const binding = KEYMAP.find((b) => b.command === command);
  return binding ? `${label} (${binding.keys.replace('Mod', 'Ctrl')})` : label;
}
