/** Widgets: the right control per type, and typed values out of it. */
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, test, vi } from 'vitest';
import type { InputDef } from '../src/api/objectInfo';
import { normaliseNumber, SeedWidget, Widget } from '../src/widgets/Widgets';
import { inputDef, library } from './helpers';

afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
});

const intInput = inputDef('INT', { min: 0, max: 10 });

function renderWidget(input: InputDef, value: unknown) {
  const onChange = vi.fn();
  const view = render(<Widget input={input} value={value} onChange={onChange} />);
  return { onChange, view };
}

describe('normaliseNumber', () => {
  test('integers are rounded, then clamped to the range', () => {
    expect(normaliseNumber(intInput, 3.6)).toBe(4);
    expect(normaliseNumber(intInput, -2)).toBe(0);
    expect(normaliseNumber(intInput, 12.2)).toBe(10);
    expect(normaliseNumber(inputDef('INT'), -1e9)).toBe(-1e9);
  });

  test('floats keep their fraction within the range; NaN and infinities are refused', () => {
    const float = inputDef('FLOAT', { min: -1, max: 1 });
    expect(normaliseNumber(float, 0.25)).toBe(0.25);
    expect(normaliseNumber(float, 1.5)).toBe(1);
    expect(normaliseNumber(float, -7)).toBe(-1);
    for (const bad of [NaN, Infinity, -Infinity]) expect(normaliseNumber(float, bad)).toBeNull();
  });

  test('on real inputs: EmptyImage width 1..8192', () => {
    const width = library.get('EmptyImage')!.inputs.find((i) => i.name === 'width')!;
    expect(normaliseNumber(width, 0)).toBe(1);
    expect(normaliseNumber(width, 10000.4)).toBe(8192);
  });
});

describe('Widget', () => {
  test('COMBO is a select of the choices; picking one gives the text', () => {
    const { onChange } = renderWidget(inputDef('COMBO', {}, ['low', 'high']), 'low');
    const select = screen.getByLabelText('combo') as HTMLSelectElement;
    expect(select.tagName).toBe('SELECT');
    expect([...select.options].map((o) => o.value)).toEqual(['low', 'high']);
    expect(select.value).toBe('low');
    fireEvent.change(select, { target: { value: 'high' } });
    expect(onChange).toHaveBeenCalledWith('high');
  });

  test('a COMBO value that is no longer offered stays, marked', () => {
    renderWidget(inputDef('COMBO', {}, ['a', 'b']), 'gone');
    const select = screen.getByLabelText('combo') as HTMLSelectElement;
    expect([...select.options].map((o) => o.textContent)).toEqual(['gone (not available)', 'a', 'b']);
    expect(select.className).toContain('invalid');
  });

  test('BOOLEAN is a checkbox giving true or false', () => {
    const { onChange } = renderWidget(inputDef('BOOLEAN'), false);
    const box = screen.getByLabelText('boolean') as HTMLInputElement;
    expect(box.type).toBe('checkbox');
    expect(box.checked).toBe(false);
    expect(screen.getByText('off')).toBeTruthy();
    fireEvent.click(box);
    expect(onChange).toHaveBeenCalledWith(true);
  });

  test('INT is a number field giving numbers; out-of-range text is clamped when committed', () => {
    const { onChange } = renderWidget(intInput, 3);
    const field = screen.getByLabelText('int') as HTMLInputElement;
    expect(field.type).toBe('number');
    expect(field.step).toBe('1');
    fireEvent.change(field, { target: { value: '7' } });
    expect(onChange).toHaveBeenLastCalledWith(7);
    onChange.mockClear();
    fireEvent.change(field, { target: { value: '25' } });
    expect(onChange).not.toHaveBeenCalled();
    fireEvent.blur(field);
    expect(onChange).toHaveBeenLastCalledWith(10);
    expect(field.value).toBe('10');
  });

  test('an empty or invalid number is not committed: the field returns to the value', () => {
    const { onChange } = renderWidget(inputDef('FLOAT', { step: 0.5 }), 1.5);
    const field = screen.getByLabelText('float') as HTMLInputElement;
    expect(field.step).toBe('0.5');
    fireEvent.change(field, { target: { value: '' } });
    fireEvent.keyDown(field, { key: 'Enter' });
    expect(onChange).not.toHaveBeenCalled();
    expect(field.value).toBe('1.5');
    fireEvent.change(field, { target: { value: '2.25' } });
    expect(onChange).toHaveBeenLastCalledWith(2.25);
  });

  test('a slider for display: slider with a range', () => {
    const { onChange } = renderWidget(inputDef('INT', { min: 0, max: 255, display: 'slider' }), 10);
    const slider = screen.getByLabelText('int') as HTMLInputElement;
    expect(slider.type).toBe('range');
    fireEvent.change(slider, { target: { value: '128' } });
    expect(onChange).toHaveBeenCalledWith(128);
  });

  test('STRING is a text field, multiline a text area; both give text', () => {
    const { onChange } = renderWidget(inputDef('STRING'), 'abc');
    const field = screen.getByLabelText('string') as HTMLInputElement;
    expect(field.tagName).toBe('INPUT');
    fireEvent.change(field, { target: { value: '42' } });
    expect(onChange).toHaveBeenCalledWith('42');
    cleanup();
    const area = renderWidget(inputDef('STRING', { multiline: true }), 'line');
    const box = screen.getByLabelText('string');
    expect(box.tagName).toBe('TEXTAREA');
    fireEvent.change(box, { target: { value: 'one\ntwo' } });
    expect(area.onChange).toHaveBeenCalledWith('one\ntwo');
  });

  test('SeedWidget: a new random seed, and the after-queue control', () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.5);
    const onChange = vi.fn();
    const onControl = vi.fn();
    const seed = { ...inputDef('INT', { min: 0 }), name: 'seed' };
    render(<SeedWidget input={seed} value={1} onChange={onChange} control="fixed" onControl={onControl} />);
    fireEvent.click(screen.getByLabelText('randomise seed'));
    expect(onChange).toHaveBeenCalledWith(Math.floor(0.5 * Number.MAX_SAFE_INTEGER));
    fireEvent.change(screen.getByLabelText('seed after queue'), { target: { value: 'randomize' } });
    expect(onControl).toHaveBeenCalledWith('randomize');
  });
});
