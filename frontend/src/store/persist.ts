/** Open tabs survive a reload: each tab's workflow, name, file and unsaved state go to localStorage. */
import type { NodeLibrary } from '../api/objectInfo';
import type { EditorDoc } from '../graph/document';
import { fromWorkflow, toWorkflow } from '../graph/document';
import type { WorkflowJson } from '../graph/workflow';
import { isCurrentWorkflow } from '../graph/workflow';
import type { EditorState } from './editor';
import { isDirty, useEditor } from './editor';

export const STORAGE_KEY = 'worldgraph.tabs.v1';

interface SavedTab {
  id: string;
  name: string;
  path: string | null;
  dirty: boolean;
  workflow: WorkflowJson;
}

interface SavedSession {
  activeId: string | null;
  tabs: SavedTab[];
}

export function serialiseSession(state: Pick<EditorState, 'tabs' | 'activeId'>): SavedSession {
  return {
    activeId: state.activeId,
    tabs: state.tabs.map((tab) => ({ id: tab.id, name: tab.name, path: tab.path, dirty: isDirty(tab), workflow: toWorkflow(tab.doc) })),
  };
}

export function readSession(storage: Storage = localStorage): SavedSession | null {
  try {
    const value = JSON.parse(storage.getItem(STORAGE_KEY) ?? 'null') as SavedSession | null;
    if (!value || !Array.isArray(value.tabs)) return null;
    return { activeId: value.activeId ?? null, tabs: value.tabs.filter((t) => t && typeof t.name === 'string' && isCurrentWorkflow(t.workflow)) };
  } catch {
    return null;
  }
}

/** Reopen saved tabs; false when there were none. */
export function restoreSession(library: NodeLibrary, storage: Storage = localStorage): boolean {
  const session = readSession(storage);
  if (!session?.tabs.length) return false;
  const editor = useEditor.getState();
  const ids: string[] = [];
  for (const tab of session.tabs) {
    let doc: EditorDoc;
    try {
      doc = fromWorkflow(tab.workflow, library);
    } catch {
      continue; // a stored tab this editor cannot read must not keep the others (and the editor) from opening
    }
    ids.push(editor.openTab(doc, tab.name, tab.path, { dirty: tab.dirty, id: tab.id, activate: false }));
  }
  if (!ids.length) return false;
  editor.activate(session.activeId && ids.includes(session.activeId) ? session.activeId : ids[0]);
  return true;
}

/** Write the session shortly after each change (and at once when the page is hidden). */
export function persistSession(storage: Storage = localStorage, delay = 300): () => void {
  let timer: ReturnType<typeof setTimeout> | null = null;
  const write = () => {
    timer = null;
    try {
      storage.setItem(STORAGE_KEY, JSON.stringify(serialiseSession(useEditor.getState())));
    } catch {
      /* storage full or unavailable: tabs are still saved explicitly */
    }
  };
  const unsubscribe = useEditor.subscribe((state, previous) => {
    if (state.tabs === previous.tabs && state.activeId === previous.activeId) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(write, delay);
  });
  const flush = () => {
    if (timer) {
      clearTimeout(timer);
      write();
    }
  };
  window.addEventListener('pagehide', flush);
  return () => {
    unsubscribe();
    window.removeEventListener('pagehide', flush);
  };
}
