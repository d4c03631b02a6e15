/** Panels, modal dialogs and notices. Dialogs are promises: `await askText(...)` resolves when the artist answers. */
import { create } from 'zustand';

export type Choice = 'save' | 'discard' | 'cancel';

export type Dialog =
  | { kind: 'text'; title: string; value: string; resolve(value: string | null): void }
  | { kind: 'unsaved'; name: string; resolve(choice: Choice): void }
  | { kind: 'confirm'; text: string; resolve(ok: boolean): void }
  | { kind: 'open' };

export interface Notice {
  id: number;
  kind: 'info' | 'error';
  text: string;
}

interface UiState {
  dialog: Dialog | null;
  panel: 'queue' | 'gallery' | null;
  /** The last few messages, newest last; each goes by itself after a while. */
  notices: Notice[];
  setPanel(panel: UiState['panel']): void;
  showOpen(): void;
  close(): void;
  notify(kind: Notice['kind'], text: string): void;
  dismiss(id: number): void;
}

let noticeCounter = 0;

export const useUi = create<UiState>()((set, get) => ({
  dialog: null,
  panel: null,
  notices: [],
  setPanel: (panel) => set({ panel: get().panel === panel ? null : panel }),
  showOpen: () => set({ dialog: { kind: 'open' } }),
  close: () => set({ dialog: null }),
  notify: (kind, text) => {
    const id = ++noticeCounter;
    set((state) => ({ notices: [...state.notices.slice(-4), { id, kind, text }] }));
    setTimeout(() => get().dismiss(id), kind === 'info' ? 4000 : 15000);
  },
  dismiss: (id) => set((state) => ({ notices: state.notices.filter((n) => n.id !== id) })),
}));

/** Show a message in the notices corner. */
export const notify = (kind: Notice['kind'], text: string) => useUi.getState().notify(kind, text);

export function askText(title: string, value: string): Promise<string | null> {
  return new Promise((resolve) => useUi.setState({
    dialog: { kind: 'text', title, value, resolve: (answer) => { useUi.setState({ dialog: null }); resolve(answer); } },
  }));
}

export function askUnsaved(name: string): Promise<Choice> {
  return new Promise((resolve) => useUi.setState({
    dialog: { kind: 'unsaved', name, resolve: (choice) => { useUi.setState({ dialog: null }); resolve(choice); } },
  }));
}

export function askConfirm(text: string): Promise<boolean> {
  return new Promise((resolve) => useUi.setState({
    dialog: { kind: 'confirm', text, resolve: (ok) => { useUi.setState({ dialog: null }); resolve(ok); } },
  }));
}
