import { fireEvent, render, screen, within } from '@testing-library/react';
import { useState } from 'react';
import { describe, expect, it } from 'vitest';
import type { PluginSettings } from '../api/types';
import type { FieldErrors } from '../lib/jsonSchema';
import { crawlerSchema, crawlerSettings } from '../test/plugins';
import { SchemaForm } from './SchemaForm';

/** Harness keeps the value as a page would and exposes the latest one. */
function setup(errors: FieldErrors = {}) {
  const latest: { value: PluginSettings } = { value: crawlerSettings };
  function Harness() {
    const [value, setValue] = useState<PluginSettings>(crawlerSettings);
    return (
      <SchemaForm
        schema={crawlerSchema}
        value={value}
        saved={crawlerSettings}
        errors={errors}
        onChange={(next) => {
          latest.value = next;
          setValue(next);
        }}
      />
    );
  }
  render(<Harness />);
  return latest;
}

const input = (label: RegExp | string) => screen.getByLabelText(label) as HTMLInputElement;
const describedBy = (el: HTMLElement) =>
  (el.getAttribute('aria-describedby') ?? '')
    .split(' ')
    .map((id) => document.getElementById(id)?.textContent ?? '')
    .join(' ');

describe('SchemaForm', () => {
  it('draws every kind of setting from the schema, labelled', () => {
    setup();
    const url = input(/^Base URL/);
    expect(url.type).toBe('text');
    expect(url.value).toBe('https://example.com');
    expect(url.getAttribute('aria-required')).toBe('true');
    expect(url.labels?.[0].textContent).toBe('Base URL (required)');
    expect(describedBy(url)).toContain('Where the crawler starts.');

    const token = input(/^API token/);
    expect(token.type).toBe('password');
    expect(token.value).toBe('');
    expect(token.placeholder).toBe('set — leave empty to keep');
    expect(describedBy(token)).toContain('A value is set.');
    expect(screen.queryByRole('button', { name: 'Clear API token' })).toBeNull(); // required: replaced, never cleared
    expect(input('Webhook secret').type).toBe('password');
    expect(screen.getByRole('button', { name: 'Clear Webhook secret' })).toBeTruthy();

    const proxy = input('Proxy password');
    expect(proxy.type).toBe('password');
    expect(proxy.placeholder).toBe('not set');
    expect(describedBy(proxy)).toContain('No value is set.');
    expect(screen.queryByRole('button', { name: 'Clear Proxy password' })).toBeNull();

    const mode = screen.getByLabelText('Mode') as HTMLSelectElement;
    expect(mode.tagName).toBe('SELECT');
    expect([...mode.options].map((o) => o.text)).toEqual(['Not set', 'fast', 'careful']);
    expect(mode.selectedOptions[0].text).toBe('fast');

    const verbose = screen.getByRole('checkbox', { name: 'Verbose logs' }) as HTMLInputElement;
    expect(verbose.checked).toBe(false);
    expect(describedBy(verbose)).toContain('Log every page fetched.');

    const limits = screen.getByRole('group', { name: 'Limits' });
    const pages = within(limits).getByLabelText('Maximum pages') as HTMLInputElement;
    expect([pages.type, pages.min, pages.max, pages.step, pages.value]).toEqual(['number', '1', '100', '1', '10']);
    expect((within(limits).getByLabelText('Delay in seconds') as HTMLInputElement).step).toBe('any');

    const hosts = screen.getByRole('group', { name: 'Allowed hosts' });
    expect((within(hosts).getByLabelText('Allowed hosts 1') as HTMLInputElement).value).toBe('example.com');
    const ports = screen.getByRole('group', { name: 'Ports' });
    expect((within(ports).getByLabelText('Ports 1') as HTMLInputElement).type).toBe('number');
  });

  it('edits lists with the keyboard in mind: add focuses the new item, remove keeps focus in the list', () => {
    const latest = setup();
    fireEvent.click(screen.getByRole('button', { name: 'Add to Allowed hosts' }));
    const second = input('Allowed hosts 2');
    expect(document.activeElement).toBe(second);
    fireEvent.change(second, { target: { value: 'docs.example.com' } });
    fireEvent.click(screen.getByRole('button', { name: 'Remove Allowed hosts 1' }));
    expect(latest.value.hosts).toEqual(['docs.example.com']);
    expect(document.activeElement).toBe(input('Allowed hosts 1'));
    fireEvent.change(input('Ports 1'), { target: { value: '8443' } });
    expect(latest.value.ports).toEqual([8443]);
  });

  it('keeps, replaces or clears a secret', () => {
    const latest = setup();
    const token = input(/^API token/);
    fireEvent.change(token, { target: { value: 'tok-2' } });
    expect(latest.value.api_token).toBe('tok-2');
    fireEvent.change(token, { target: { value: '' } });
    expect(latest.value.api_token).toBe('********'); // empty again: kept
    fireEvent.click(screen.getByRole('button', { name: 'Clear Webhook secret' }));
    expect(latest.value.webhook_secret).toBeNull();
    expect(describedBy(input('Webhook secret'))).toContain('It will be removed when you save.');
    fireEvent.click(screen.getByRole('button', { name: 'Keep Webhook secret' }));
    expect(latest.value.webhook_secret).toBe('********');
  });

  it('writes numbers, choices and booleans as JSON values; an emptied number is unset', () => {
    const latest = setup();
    fireEvent.change(input('Maximum pages'), { target: { value: '25' } });
    fireEvent.change(screen.getByLabelText('Mode'), { target: { value: '1' } });
    fireEvent.click(screen.getByRole('checkbox', { name: 'Verbose logs' }));
    expect(latest.value).toMatchObject({ mode: 'careful', verbose: true, limits: { max_pages: 25, delay: 0.5 } });
    fireEvent.change(input('Delay in seconds'), { target: { value: '' } });
    expect(latest.value.limits).toEqual({ max_pages: 25 });
  });

  it('shows messages at the field their pointer names', () => {
    setup({ '/limits/max_pages': 'At most 100.', '/hosts/0': 'Not a host name.' });
    const pages = input('Maximum pages');
    expect(pages.getAttribute('aria-invalid')).toBe('true');
    expect(describedBy(pages)).toContain('At most 100.');
    const host = input('Allowed hosts 1');
    expect(host.getAttribute('aria-invalid')).toBe('true');
    expect(describedBy(host)).toContain('Not a host name.');
    expect(input(/^Base URL/).getAttribute('aria-invalid')).toBeNull();
  });
});
