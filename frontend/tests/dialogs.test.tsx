/** The modal dialogs (components/Dialogs.tsx): the Open dialog closes on Escape, like every other dialog. */
import { act, cleanup, fireEvent, render } from '@testing-library/react';
import { afterEach, expect, test, vi } from 'vitest';
import { api } from '../src/api/client';
import { Dialogs } from '../src/components/Dialogs';
import { useUi } from '../src/store/ui';

afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
  useUi.setState({ dialog: null });
});

test('Escape closes the Open dialog', async () => {
  vi.spyOn(api, 'listWorkflows').mockResolvedValue(['a.json']);
  vi.spyOn(api, 'templates').mockResolvedValue([]);
  act(() => useUi.getState().showOpen());
  const view = render(<Dialogs />);
  expect(await view.findByRole('dialog', { name: 'Open workflow' })).toBeTruthy();
  act(() => { fireEvent.keyDown(window, { key: 'Escape' }); });
  expect(useUi.getState().dialog).toBeNull();
  expect(view.queryByRole('dialog')).toBeNull();
});
