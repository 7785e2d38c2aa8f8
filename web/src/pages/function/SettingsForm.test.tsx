import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { ApiError } from '../../api/problem';
import type { Fn, SettingsPatch } from '../../api/types';
import { fnFixture } from '../../test/fixtures';
import { draftOf, patchOf, validate } from './settings';
import { SettingsForm } from './SettingsForm';

function setup(save: (id: string, patch: SettingsPatch) => Promise<Fn>, fn = fnFixture()) {
  const onSaved = vi.fn();
  render(<SettingsForm fn={fn} onSaved={onSaved} save={save} />);
  return { onSaved };
}

const submit = () => fireEvent.click(screen.getByRole('button', { name: 'Save settings' }));

describe('SettingsForm', () => {
  it('shows the settings, secrets masked', () => {
    setup(vi.fn());
    expect((screen.getByLabelText('Memory (MiB)') as HTMLInputElement).value).toBe('128');
    expect((screen.getByLabelText('Timeout (ms)') as HTMLInputElement).value).toBe('10000');
    expect((screen.getByLabelText('Value of GREETING') as HTMLInputElement).value).toBe('hi');
    expect(screen.getByText('API_TOKEN')).toBeTruthy();
    expect(screen.getByText('••••••••')).toBeTruthy();
    expect((screen.getByRole('radio', { name: /Private/ }) as HTMLInputElement).checked).toBe(true);
  });

  it('says what is wrong in words and sends nothing', async () => {
    const save = vi.fn();
    setup(save);
    fireEvent.change(screen.getByLabelText('Memory (MiB)'), { target: { value: '8' } });
    fireEvent.change(screen.getByLabelText('Timeout (ms)'), { target: { value: '2s' } });
    fireEvent.click(screen.getByRole('button', { name: 'Add variable' }));
    fireEvent.change(screen.getByLabelText('Name of variable 2'), { target: { value: 'HTTP_HOST' } });
    submit();
    expect(await screen.findByText('Enter the memory from 16 to 1024 MiB.')).toBeTruthy();
    expect(screen.getByText('Enter the timeout as a whole number of ms.')).toBeTruthy();
    expect(screen.getByText(/HTTP_HOST is set by berth for every call/)).toBeTruthy();
    expect(screen.getByLabelText('Memory (MiB)').getAttribute('aria-invalid')).toBe('true');
    expect(save).not.toHaveBeenCalled();
  });

  it('sends only what changed, and never keeps a secret it sent', async () => {
    const saved = fnFixture({
      updated_at: '2026-11-23T11:00:00Z',
      settings: { ...fnFixture().settings, memory_mb: 64, secrets: { API_TOKEN: '********', DB_PASSWORD: '********' } },
    });
    const save = vi.fn(async () => saved);
    const { onSaved } = setup(save);
    fireEvent.change(screen.getByLabelText('Memory (MiB)'), { target: { value: '64' } });
    fireEvent.click(screen.getByRole('button', { name: 'Add secret' }));
    fireEvent.change(screen.getByLabelText('Name of new secret 2'), { target: { value: 'DB_PASSWORD' } });
    fireEvent.change(screen.getByLabelText('Value of DB_PASSWORD'), { target: { value: 'hunter2hunter2' } });
    fireEvent.click(screen.getByRole('button', { name: 'Remove API_TOKEN' }));
    submit();
    await waitFor(() => expect(save).toHaveBeenCalledTimes(1));
    expect(save).toHaveBeenCalledWith(fnFixture().id, { memory_mb: 64, secrets: { DB_PASSWORD: 'hunter2hunter2', API_TOKEN: null } });
    await waitFor(() => expect(onSaved).toHaveBeenCalledWith(saved));
    expect(document.body.innerHTML).not.toContain('hunter2hunter2');
    expect(screen.getAllByText('••••••••')).toHaveLength(2);
    expect(screen.getByText('Saved.')).toBeTruthy();
  });

  it('shows the server’s refusal next to the field', async () => {
    const save = vi.fn(async () => {
      throw new ApiError(422, {
        detail: 'validation failed: memory_mb: must be at most 512 on this server',
        errors: [{ location: 'body.memory_mb', message: 'must be at most 512 on this server' }],
      });
    });
    setup(save);
    fireEvent.change(screen.getByLabelText('Memory (MiB)'), { target: { value: '1024' } });
    submit();
    expect(await screen.findByText('must be at most 512 on this server')).toBeTruthy();
    expect(screen.getByRole('alert').textContent).toContain('The settings were not saved.');
  });

  it('says when nothing changed', async () => {
    const save = vi.fn();
    setup(save);
    submit();
    expect(await screen.findByText('Nothing has changed.')).toBeTruthy();
    expect(save).not.toHaveBeenCalled();
  });
});

describe('settings model', () => {
  it('replaces the whole environment when one variable changes', () => {
    const fn = fnFixture();
    const d = draftOf(fn);
    d.env[0].value = 'bonjour';
    d.env.push({ key: 'k', name: 'LANG', value: 'fr' });
    expect(patchOf(fn, d)).toEqual({ env: { GREETING: 'bonjour', LANG: 'fr' } });
  });

  it('refuses a name that is both a variable and a secret', () => {
    const d = draftOf(fnFixture());
    d.secrets.push({ key: 's', name: 'GREETING', action: 'new', value: 'x' });
    expect(Object.values(validate(d).rows ?? {})).toContain(
      'GREETING is also an environment variable; a name is either one or the other.',
    );
  });
});
