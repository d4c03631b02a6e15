/** What menus, shortcuts and drops do: save, open, queue, import, close, edit the selection. Each reports what happened. */
import { ApiError, api } from './api/client';
import type { EditorDoc } from './graph/document';
import { fromWorkflow, toWorkflow } from './graph/document';
import { addGroup, copySelection, duplicate, paste, randomiseSeeds, removeSelection, setValue } from './graph/edit';
import type { WorkflowJson } from './graph/workflow';
import { isCurrentWorkflow } from './graph/workflow';
import type { CommandId } from './keymap';
import { canPlay, useLive } from './live/store';
import { parseTime } from './live/time';
import { activeTab, isDirty, useEditor } from './store/editor';
import { useRun } from './store/run';
import { askConfirm, askText, askUnsaved, notify, useUi } from './store/ui';

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

const withJson = (name: string) => (name.toLowerCase().endsWith('.json') ? name : `${name}.json`);
const withoutJson = (name: string) => name.replace(/\.json$/i, '');

/**
 * Open a workflow document in a new tab (or switch to the tab that already has this file). Saved
 * workflows come back as they were left; templates and imports are framed to fit this window.
 */
export function openWorkflow(workflow: WorkflowJson, name: string, path: string | null): string {
  const editor = useEditor.getState();
  const open = path ? editor.tabs.find((t) => t.path === path) : undefined;
  if (open) {
    editor.activate(open.id);
    return open.id;
  }
  return editor.openTab(fromWorkflow(workflow, editor.library), name, path, { fit: path === null || !workflow.layout?.viewport });
}

/** A document in any supported format (older versions and API prompts are converted by the server). */
export async function openAnyJson(value: unknown, name: string, path: string | null = null): Promise<void> {
  const workflow = isCurrentWorkflow(value) ? value : (await api.importWorkflow(value)).workflow;
  openWorkflow(workflow, name, path);
}

export async function openSaved(path: string): Promise<void> {
  try {
    await openAnyJson(await api.loadWorkflow(path), withoutJson(path), path);
  } catch (error) {
    notify('error', `cannot open ${path}: ${message(error)}`);
  }
}

export async function openTemplate(name: string): Promise<void> {
  try {
    await openAnyJson(await api.template(name), withoutJson(name));
  } catch (error) {
    notify('error', `cannot open template ${name}: ${message(error)}`);
  }
}

/** Files dropped on the editor or picked with Import: workflow JSON, or outputs with one embedded. */
export async function importFiles(files: Iterable<File>): Promise<void> {
  for (const file of files) {
    const name = file.name.replace(/\.[^.]+$/, '') || 'Imported';
    try {
      if (file.name.toLowerCase().endsWith('.json') || file.type === 'application/json') {
        await openAnyJson(JSON.parse(await file.text()), name);
      } else {
        openWorkflow((await api.importFile(file)).workflow, name, null);
      }
      notify('info', `opened ${file.name}`);
    } catch (error) {
      notify('error', `${file.name}: ${message(error)}`);
    }
  }
}

/**
 * A file dropped on a node with a file input of its kind (an image on Load image, ...) is uploaded
 * into that input; returns false when the node has no such input (the drop then opens a workflow).
 */
export async function dropOnNode(nodeId: string, file: File): Promise<boolean> {
  const editor = useEditor.getState();
  const node = activeTab(editor)?.doc.nodes.find((n) => n.id === nodeId);
  if (node?.type !== 'world') return false;
  const kind = file.type.split('/')[0];
  const input = editor.library.get(node.data.cls)?.inputs.find((i) => i.options.upload === kind);
  if (!input) return false;
  try {
    const stored = await api.upload(kind, file);
    const name = stored.subfolder ? `${stored.subfolder}/${stored.name}` : stored.name;
    useEditor.getState().change((doc) => setValue(doc, nodeId, input.name, name));
    notify('info', `${file.name} is now ${input.name} of node ${nodeId}`);
  } catch (error) {
    notify('error', `cannot upload ${file.name}: ${message(error)}`);
  }
  return true;
}

export async function save(saveAs = false): Promise<boolean> {
  const tab = activeTab(useEditor.getState());
  if (!tab) return false;
  let path = tab.path;
  if (!path || saveAs) {
    const answer = await askText(saveAs ? 'Save as' : 'Save workflow as', path ? withoutJson(path) : tab.name);
    if (!answer?.trim()) return false;
    path = withJson(answer.trim().replace(/[\\/]/g, '_'));
    if (path !== tab.path && (await api.listWorkflows()).includes(path)) {
      if (!(await askConfirm(`${path} exists. Replace it?`))) return false;
    }
  }
  try {
    await api.saveWorkflow(path, toWorkflow(tab.doc), true);
    useEditor.getState().markSaved(tab.id, withoutJson(path), path);
    notify('info', `saved ${path}`);
    return true;
  } catch (error) {
    notify('error', `cannot save ${path}: ${message(error)}`);
    return false;
  }
}

export function exportJson(): void {
  const tab = activeTab(useEditor.getState());
  if (!tab) return;
  const blob = new Blob([JSON.stringify(toWorkflow(tab.doc), null, 2)], { type: 'application/json' });
  const link = document.createElement('a');
  link.href = URL.createObjectURL(blob);
  link.download = withJson(tab.name);
  link.click();
  setTimeout(() => URL.revokeObjectURL(link.href), 1000);
}

/** Close a tab; a tab with unsaved changes asks first. */
export async function closeTab(id: string): Promise<void> {
  const editor = useEditor.getState();
  const tab = editor.tabs.find((t) => t.id === id);
  if (!tab) return;
  if (isDirty(tab)) {
    editor.activate(id);
    const choice = await askUnsaved(tab.name);
    if (choice === 'cancel') return;
    if (choice === 'save' && !(await save())) return;
  }
  useEditor.getState().closeTab(id);
}

/** Queue the active tab (``front``: ahead of the jobs waiting). */
export async function queue(front = false): Promise<void> {
  const editor = useEditor.getState();
  const tab = activeTab(editor);
  if (!tab) return;
  const run = useRun.getState();
  try {
    const accepted = await api.queuePrompt(toWorkflow(tab.doc), run.clientId, front);
    run.dispatch({ type: 'prompt_queued', tab: tab.id, promptId: accepted.prompt_id });
    editor.change((doc) => randomiseSeeds(doc), { undoable: false });
  } catch (error) {
    if (error instanceof ApiError && error.status === 400) {
      const body = error.body as { node_errors?: Record<string, never>; error?: { message?: string } };
      run.dispatch({ type: 'prompt_rejected', tab: tab.id, nodeErrors: body.node_errors ?? {}, message: body.error?.message ?? error.message });
    } else {
      notify('error', `cannot queue: ${message(error)}`);
    }
  }
}

/** Interrupt the running job (ComfyUI's Ctrl+Alt+Enter). */
export async function interrupt(): Promise<void> {
  await api.interrupt().catch((error: unknown) => notify('error', `cannot interrupt: ${message(error)}`));
}

export function copy(): void {
  const clip = copySelection(activeTab(useEditor.getState())?.doc ?? ({ nodes: [], edges: [] } as unknown as EditorDoc));
  if (!clip) return;
  useEditor.getState().setClipboard(clip);
  navigator.clipboard?.writeText(JSON.stringify(clip)).catch(() => undefined);
}

export function pasteAt(at: { x: number; y: number }): void {
  const clip = useEditor.getState().clipboard;
  if (clip) useEditor.getState().change((doc) => paste(doc, clip, at));
}

export function deleteSelection(): void {
  useEditor.getState().change(removeSelection);
}

export function selectAll(): void {
  useEditor.getState().change((doc) => ({ ...doc, nodes: doc.nodes.map((n) => ({ ...n, selected: true })) }), { undoable: false });
}

export function groupSelection(): void {
  useEditor.getState().change((doc) => addGroup(doc, 'Group'));
}

export function duplicateSelection(): void {
  useEditor.getState().change((doc) => duplicate(doc, new Set(doc.nodes.filter((n) => n.selected).map((n) => n.id))));
}

/** Play a node live (one with a LATENT output) from `start` seconds into its walk. */
export function play(nodeId: string, start = 0): void {
  const editor = useEditor.getState();
  const tab = activeTab(editor);
  const node = tab?.doc.nodes.find((n) => n.id === nodeId);
  if (!tab || node?.type !== 'world') return;
  if (!canPlay(editor.library.get(node.data.cls))) {
    notify('error', `node ${nodeId} (${node.data.cls}) has no LATENT output to play`);
    return;
  }
  useLive.getState().play(tab.id, nodeId, start);
}

/** Play from a time the artist types (m:ss or seconds), to re-walk from there. */
export async function playFrom(nodeId: string): Promise<void> {
  const answer = await askText('Play from (m:ss or seconds)', '0:00');
  if (answer === null) return;
  const start = parseTime(answer);
  if (start === null) notify('error', `“${answer}” is not a time: write m:ss (0:42) or seconds (42)`);
  else play(nodeId, start);
}

/** Play the selected node, if one can be played. */
export function playSelection(): void {
  const editor = useEditor.getState();
  const node = activeTab(editor)?.doc.nodes.find((n) => n.selected && n.type === 'world' && canPlay(editor.library.get(n.data.cls)));
  if (node) play(node.id);
  else notify('info', 'select a node with a LATENT output (a walk or a Director node) to play it');
}

/** What the canvas lends the shortcuts: fitting the view, and the pointer in flow coordinates. */
export interface CanvasView {
  fit(): void;
  pointer(): { x: number; y: number };
}

/** The editor's shortcut commands, by the ids keymap.ts binds keys to (`closeMenu` is the context menu's own). */
export const shortcuts: Record<Exclude<CommandId, 'closeMenu'>, (view: CanvasView) => void> = {
  save: () => void save(),
  saveAs: () => void save(true),
  open: () => useUi.getState().showOpen(),
  queue: () => void queue(),
  queueFront: () => void queue(true),
  interrupt: () => void interrupt(),
  undo: () => useEditor.getState().undo(),
  redo: () => useEditor.getState().redo(),
  copy,
  paste: (view) => pasteAt(view.pointer()),
  selectAll,
  group: groupSelection,
  duplicate: duplicateSelection,
  delete: deleteSelection,
  fitView: (view) => view.fit(),
  play: playSelection,
};
