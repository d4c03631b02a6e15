/** Panels and modal dialogs. Dialogs are promises: `await askText(...)` resolves when the artist answers. */
import { create } from 'zustand';

export type Choice = 'save' | 'discard' | 'cancel';

export type Dialog =
  | { kind: 'text'; title: string; value: string; resolve(value: string | null): void }
  | { kind: 'unsaved'; name: string; resolve(choice: Choice): void }
  | { kind: 'confirm'; text: string; resolve(ok: boolean): void }
  | { kind: 'open' };

interface UiState {
  dialog: Dialog | null;
  panel: 'queue' | 'gallery' | null;
  setPanel(panel: UiState['panel']): void;
  showOpen(): void;
  close(): void;
}

export const useUi = create<UiState>()((set, get) => ({
  dialog: null,
  panel: null,
  setPanel: (panel) => set({ panel: get().panel === panel ? null : panel }),
  showOpen: () => set({ dialog: { kind: 'open' } }),
  close: () => set({ dialog: null }),
}));

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
