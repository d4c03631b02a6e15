/** Open tabs survive a reload through localStorage. */
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { fromWorkflow, toWorkflow } from '../src/graph/document';
import { setValue } from '../src/graph/edit';
import { activeTab, isDirty, useEditor } from '../src/store/editor';
import { persistSession, readSession, restoreSession, serialiseSession, STORAGE_KEY } from '../src/store/persist';
import { library, memoryStorage, readWorkflow, resetStores } from './helpers';

beforeEach(() => {
  resetStores();
});

afterEach(() => {
  vi.useRealTimers();
});

const editor = () => useEditor.getState();

/** Three tabs: a saved file, the same edited (unsaved), and a new one; the second active. */
function openSession() {
  const saved = editor().openTab(fromWorkflow(readWorkflow('default.json'), library), 'default', 'default.json');
  const edited = editor().openTab(fromWorkflow(readWorkflow('hello.json'), library), 'hello', 'hello.json');
  editor().change((doc) => setValue(doc, '4', 'seed', 99));
  const fresh = editor().openTab(fromWorkflow(readWorkflow('wander.json'), library), 'Untitled 1', null, { dirty: true, activate: false });
  return { saved, edited, fresh };
}

const snapshotTabs = () => editor().tabs.map((t) => ({ id: t.id, name: t.name, path: t.path, dirty: isDirty(t), workflow: toWorkflow(t.doc) }));

describe('session', () => {
  test('serialise, store, read and restore give back the same tabs, unsaved flags and active tab', () => {
    const { edited } = openSession();
    const before = snapshotTabs();
    expect(before.map((t) => t.dirty)).toEqual([false, true, true]);
    const storage = memoryStorage();
    storage.setItem(STORAGE_KEY, JSON.stringify(serialiseSession(editor())));

    resetStores();
    expect(restoreSession(library, storage)).toBe(true);
    expect(snapshotTabs()).toEqual(before);
    expect(editor().activeId).toBe(edited);
    expect(editor().tabs.every((t) => t.past.length === 0)).toBe(true);
    expect(toWorkflow(editor().tabs[1].doc).nodes['4'].inputs).toEqual({ seed: 99 });
  });

  test('serialiseSession writes current workflows', () => {
    openSession();
    const session = serialiseSession(editor());
    expect(session.tabs.map((t) => [t.name, t.path, t.dirty])).toEqual([
      ['default', 'default.json', false], ['hello', 'hello.json', true], ['Untitled 1', null, true],
    ]);
    expect(session.tabs[0].workflow).toEqual(toWorkflow(fromWorkflow(readWorkflow('default.json'), library)));
  });

  test('an unknown active tab falls back to the first one', () => {
    const { saved } = openSession();
    const storage = memoryStorage({ [STORAGE_KEY]: JSON.stringify({ ...serialiseSession(editor()), activeId: 'gone' }) });
    resetStores();
    restoreSession(library, storage);
    expect(editor().activeId).toBe(saved);
  });

  test('corrupted or empty storage reads as nothing and restores nothing', () => {
    for (const value of ['{not json', 'null', '42', '{"tabs": 5}', '"text"']) {
      expect(readSession(memoryStorage({ [STORAGE_KEY]: value })), value).toBeNull();
    }
    expect(readSession(memoryStorage())).toBeNull();
    expect(restoreSession(library, memoryStorage({ [STORAGE_KEY]: '{not json' }))).toBe(false);
    expect(restoreSession(library, memoryStorage({ [STORAGE_KEY]: '{"tabs": []}' }))).toBe(false);
    expect(editor().tabs).toEqual([]);
  });

  test('tabs that are not current workflows are dropped, the rest kept', () => {
    const workflow = readWorkflow('hello.json');
    const storage = memoryStorage({
      [STORAGE_KEY]: JSON.stringify({
        tabs: [
          null,
          { id: 'a', name: 'old', path: null, dirty: false, workflow: { version: 1, nodes: [] } },
          { id: 'b', path: null, dirty: false, workflow },
          { id: 'c', name: 'good', path: 'hello.json', dirty: false, workflow },
        ],
      }),
    });
    const session = readSession(storage)!;
    expect(session.activeId).toBeNull();
    expect(session.tabs.map((t) => t.id)).toEqual(['c']);
    expect(restoreSession(library, storage)).toBe(true);
    expect(editor().tabs.map((t) => [t.id, t.name, isDirty(t)])).toEqual([['c', 'good', false]]);
    expect(editor().activeId).toBe('c');
  });

  test('a stored tab this editor cannot read is skipped; the others open, one of them active', () => {
    const workflow = readWorkflow('hello.json');
    const storage = memoryStorage({
      [STORAGE_KEY]: JSON.stringify({
        activeId: 'broken',
        tabs: [
          { id: 'broken', name: 'broken', path: null, dirty: false, workflow: { ...workflow, links: { not: 'a list' } } },
          { name: 'no id', path: null, dirty: true, workflow },
          { id: 'c', name: 'good', path: 'hello.json', dirty: false, workflow },
        ],
      }),
    });
    expect(restoreSession(library, storage)).toBe(true);
    expect(editor().tabs.map((t) => [t.name, isDirty(t)])).toEqual([['no id', true], ['good', false]]);
    expect(editor().tabs.map((t) => t.id)).toContain(editor().activeId);
    expect(activeTab(editor())!.name).toBe('no id');
  });

  test('nothing restores when no stored tab can be read', () => {
    const storage = memoryStorage({
      [STORAGE_KEY]: JSON.stringify({ tabs: [{ id: 'x', name: 'x', path: null, dirty: false, workflow: { version: 2, nodes: {}, layout: { groups: 3 } } }] }),
    });
    expect(restoreSession(library, storage)).toBe(false);
    expect(editor().tabs).toEqual([]);
  });
});

describe('persistSession', () => {
  test('writes shortly after a change, at once when the page is hidden, and stops when disposed', () => {
    vi.useFakeTimers();
    const storage = memoryStorage();
    const stop = persistSession(storage, 300);
    editor().newTab();
    expect(storage.getItem(STORAGE_KEY)).toBeNull();
    vi.advanceTimersByTime(300);
    expect(readSession(storage)!.tabs.map((t) => t.name)).toEqual(['Untitled 1']);

    editor().newTab();
    window.dispatchEvent(new Event('pagehide'));
    expect(readSession(storage)!.tabs.map((t) => t.name)).toEqual(['Untitled 1', 'Untitled 2']);

    stop();
    editor().newTab();
    vi.advanceTimersByTime(1000);
    expect(readSession(storage)!.tabs).toHaveLength(2);
  });

  test('a full storage does not break editing', () => {
    vi.useFakeTimers();
    const storage = memoryStorage();
    storage.setItem = () => {
      throw new Error('QuotaExceededError');
    };
    const stop = persistSession(storage, 10);
    editor().newTab();
    expect(() => vi.advanceTimersByTime(10)).not.toThrow();
    stop();
  });
});
