import { useEffect, useId, useRef, useState, type ReactNode } from 'react';
import type { JSONSchema, PluginSettings } from '../api/types';
import {
  getIn,
  isPlainObject,
  kindOf,
  maskedSecret,
  resolve,
  setIn,
  toPointer,
  type FieldErrors,
  type Kind,
  type Path,
} from '../lib/jsonSchema';
import { Field } from './Field';

export interface SchemaFormProps {
  /** The settings' JSON Schema; its root is an object schema. */
  schema: JSONSchema;
  /** The settings as edited. */
  value: PluginSettings;
  /** The settings as last saved: whether a secret is set, and what an emptied field goes back to. */
  saved: PluginSettings;
  onChange: (next: PluginSettings) => void;
  /** Messages by JSON pointer ("/limits/max_pages"), shown at their fields. */
  errors?: FieldErrors;
  disabled?: boolean;
}

interface Context {
  root: JSONSchema;
  value: PluginSettings;
  saved: PluginSettings;
  errors: FieldErrors;
  disabled: boolean;
  set: (path: Path, next: unknown) => void;
}

/**
 * SchemaForm draws the controls of a settings schema: text, select,
 * password, number, checkbox, a fieldset per nested object and a list per
 * array of strings or numbers. It holds no state of its own beyond focus:
 * the caller keeps the value, checks it (lib/jsonSchema validate) and sends
 * the merge patch. A setting it cannot draw (oneOf, arrays of objects) is
 * named and left as it is.
 */
export function SchemaForm({ schema, value, saved, onChange, errors = {}, disabled = false }: SchemaFormProps) {
  const root = resolve(schema, schema);
  const ctx: Context = {
    root: schema,
    value,
    saved,
    errors,
    disabled,
    set: (path, next) => onChange(setIn(value, path, next) as PluginSettings),
  };
  if (kindOf(schema, root) !== 'object') return <Unsupported label="Settings" />;
  return <ObjectFields ctx={ctx} schema={root} path={[]} />;
}

function ObjectFields({ ctx, schema, path }: { ctx: Context; schema: JSONSchema; path: Path }) {
  const required = schema.required ?? [];
  return (
    <>
      {Object.entries(schema.properties ?? {}).map(([name, child]) => (
        <Setting key={name} ctx={ctx} schema={child} path={[...path, name]} required={required.includes(name)} />
      ))}
    </>
  );
}

interface SettingProps {
  ctx: Context;
  schema: JSONSchema;
  path: Path;
  required: boolean;
}

/** Setting draws one property by its kind. */
function Setting({ ctx, schema, path, required }: SettingProps) {
  const s = resolve(ctx.root, schema);
  const kind = kindOf(ctx.root, s);
  const name = String(path[path.length - 1]);
  const label = <Label text={s.title ?? name} required={required} />;
  const props = { ctx, s, path, kind, label, labelText: s.title ?? name, required };
  switch (kind) {
    case 'object':
      return <ObjectSetting {...props} />;
    case 'array':
      return <ListSetting {...props} />;
    case 'boolean':
      return <BooleanSetting {...props} />;
    case 'secret':
      return <SecretSetting {...props} />;
    case 'unsupported':
      return <Unsupported label={s.title ?? name} />;
    default:
      return <ScalarSetting {...props} />;
  }
}

interface KindProps {
  ctx: Context;
  s: JSONSchema;
  path: Path;
  kind: Kind;
  label: ReactNode;
  labelText: string;
  required: boolean;
}

function Label({ text, required }: { text: string; required: boolean }) {
  return (
    <>
      {text}
      {required && <span className="field__required"> (required)</span>}
    </>
  );
}

const show = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));
const defaultHint = (s: JSONSchema) => (s.default !== undefined ? `Default: ${show(s.default)}` : undefined);

function ScalarSetting({ ctx, s, path, kind, label, required }: KindProps) {
  const saved = getIn(ctx.saved, path);
  return (
    <Field label={label} hint={s.description} error={ctx.errors[toPointer(path)]}>
      <ScalarControl
        kind={kind}
        schema={s}
        value={getIn(ctx.value, path)}
        required={required}
        disabled={ctx.disabled || s.readOnly === true}
        // An emptied text field goes back to "not set" when it was not set before.
        onValue={(v) => ctx.set(path, v === '' && saved === undefined ? undefined : v)}
      />
    </Field>
  );
}

interface ControlProps {
  kind: Kind;
  schema: JSONSchema;
  value: unknown;
  required: boolean;
  disabled: boolean;
  onValue: (v: unknown) => void;
  /** An empty number in a list is null; a setting's is "not set". */
  emptyNumber?: null;
  [aria: `aria-${string}`]: unknown;
  id?: string;
}

/** ScalarControl is the input or select of a string, number or enum; Field gives it id and aria-*. */
function ScalarControl({ kind, schema: s, value, required, disabled, onValue, emptyNumber, ...rest }: ControlProps) {
  const common = { ...rest, disabled, 'aria-required': required || undefined };
  if (kind === 'enum') {
    const options = s.enum ?? [];
    const index = options.findIndex((o) => JSON.stringify(o) === JSON.stringify(value));
    const empty = required ? 'Choose…' : s.default !== undefined ? `Default (${show(s.default)})` : 'Not set';
    return (
      <select className="input" {...common} value={index < 0 ? '' : String(index)}
        onChange={(e) => onValue(e.target.value === '' ? undefined : options[Number(e.target.value)])}>
        {(index < 0 || !required) && <option value="">{empty}</option>}
        {options.map((o, i) => (
          <option key={i} value={String(i)}>
            {show(o)}
          </option>
        ))}
      </select>
    );
  }
  if (kind === 'number' || kind === 'integer') {
    return (
      <input className="input" type="number" {...common} inputMode={kind === 'integer' ? 'numeric' : 'decimal'}
        min={s.minimum ?? s.exclusiveMinimum} max={s.maximum ?? s.exclusiveMaximum} step={kind === 'integer' ? 1 : 'any'}
        placeholder={defaultHint(s)} value={typeof value === 'number' && Number.isFinite(value) ? value : ''}
        onChange={(e) => onValue(e.target.value === '' ? emptyNumber : Number(e.target.value))} />
    );
  }
  const type = s.format === 'email' ? 'email' : s.format === 'uri' ? 'url' : 'text';
  return (
    <input className="input" type={type} {...common} placeholder={defaultHint(s)} value={typeof value === 'string' ? value : ''}
      onChange={(e) => onValue(e.target.value)} />
  );
}

/**
 * SecretSetting shows only whether a value is set: typing replaces it,
 * leaving it empty keeps it, Clear removes it on save (sends null); a
 * required one can only be replaced.
 */
function SecretSetting({ ctx, s, path, label, labelText, required }: KindProps) {
  const saved = getIn(ctx.saved, path);
  const value = getIn(ctx.value, path);
  const isSet = saved === maskedSecret;
  const cleared = value === null && isSet;
  const typed = typeof value === 'string' && value !== maskedSecret ? value : '';
  const state = cleared ? 'It will be removed when you save.' : isSet ? 'A value is set.' : 'No value is set.';
  const disabled = ctx.disabled || s.readOnly === true;
  return (
    <div className="secret-setting">
      <Field label={label} hint={s.description ? `${s.description} ${state}` : state} error={ctx.errors[toPointer(path)]}>
        <input className="input" type="password" autoComplete="new-password" value={typed} disabled={disabled || cleared}
          aria-required={required || undefined} placeholder={cleared ? 'cleared' : isSet ? 'set — leave empty to keep' : 'not set'}
          onChange={(e) => ctx.set(path, e.target.value === '' ? saved : e.target.value)} />
      </Field>
      {isSet && !required && (
        <button type="button" className="btn btn--secondary btn--small" disabled={disabled}
          onClick={() => ctx.set(path, cleared ? saved : null)}>
          {cleared ? 'Keep' : 'Clear'} <span className="visually-hidden">{labelText}</span>
        </button>
      )}
    </div>
  );
}

function BooleanSetting({ ctx, s, path, label }: KindProps) {
  const id = useId();
  const error = ctx.errors[toPointer(path)];
  const value = getIn(ctx.value, path);
  const checked = typeof value === 'boolean' ? value : s.default === true;
  const described = [s.description ? id + '-hint' : '', error ? id + '-error' : ''].filter(Boolean).join(' ') || undefined;
  return (
    <div className={'field ' + (error ? 'field--invalid' : '')}>
      <label className="checkbox" htmlFor={id}>
        <input id={id} type="checkbox" checked={checked} disabled={ctx.disabled || s.readOnly === true}
          aria-describedby={described} aria-invalid={error ? true : undefined} onChange={(e) => ctx.set(path, e.target.checked)} />
        <span>{label}</span>
      </label>
      {s.description && (
        <p id={id + '-hint'} className="field__hint">
          {s.description}
        </p>
      )}
      <p id={id + '-error'} className="field__error" aria-live="polite">
        {error ?? ''}
      </p>
    </div>
  );
}

/** Group wraps a nested object or a list: a fieldset with its title as legend. */
function Group({ id, label, hint, error, children }: { id: string; label: ReactNode; hint?: string; error?: string; children: ReactNode }) {
  const described = [hint ? id + '-hint' : '', error ? id + '-error' : ''].filter(Boolean).join(' ') || undefined;
  return (
    <fieldset className={'fieldset ' + (error ? 'field--invalid' : '')} aria-describedby={described}>
      <legend>{label}</legend>
      {hint && (
        <p id={id + '-hint'} className="field__hint">
          {hint}
        </p>
      )}
      {children}
      <p id={id + '-error'} className="field__error" aria-live="polite">
        {error ?? ''}
      </p>
    </fieldset>
  );
}

function ObjectSetting({ ctx, s, path, label }: KindProps) {
  const id = useId();
  return (
    <Group id={id} label={label} hint={s.description} error={ctx.errors[toPointer(path)]}>
      <ObjectFields ctx={ctx} schema={s} path={path} />
    </Group>
  );
}

/** ListSetting edits an array of strings, numbers or choices: add, change, remove. */
function ListSetting({ ctx, s, path, label, labelText }: KindProps) {
  const id = useId();
  const raw = getIn(ctx.value, path);
  const items = Array.isArray(raw) ? raw : [];
  const itemSchema = resolve(ctx.root, s.items ?? {});
  const itemKind = kindOf(ctx.root, itemSchema);
  const disabled = ctx.disabled || s.readOnly === true;
  const full = s.maxItems !== undefined && items.length >= s.maxItems;
  const inputs = useRef<Array<HTMLElement | null>>([]);
  const addButton = useRef<HTMLButtonElement>(null);
  const [focus, setFocus] = useState<number | 'add' | null>(null);

  // After an add or a remove, keyboard users stay in the list.
  useEffect(() => {
    if (focus === null) return;
    (focus === 'add' ? addButton.current : inputs.current[focus])?.focus();
    setFocus(null);
  }, [focus]);

  const setItems = (next: unknown[]) => ctx.set(path, next.length === 0 && getIn(ctx.saved, path) === undefined ? undefined : next);
  const add = () => {
    setItems([...items, itemKind === 'string' ? '' : null]);
    setFocus(items.length);
  };
  const remove = (i: number) => {
    setItems(items.filter((_, j) => j !== i));
    setFocus(items.length > 1 ? Math.min(i, items.length - 2) : 'add');
  };

  return (
    <Group id={id} label={label} hint={s.description} error={ctx.errors[toPointer(path)]}>
      {items.length === 0 ? (
        <p className="muted">None.</p>
      ) : (
        <ul className="list-setting">
          {items.map((item, i) => {
            const error = ctx.errors[toPointer([...path, i])];
            return (
              <li key={i} className="list-setting__item">
                <span ref={(el) => void (inputs.current[i] = el?.querySelector<HTMLElement>('input, select') ?? null)} className="list-setting__control">
                  <ScalarControl kind={itemKind} schema={itemSchema} value={item} required disabled={disabled} emptyNumber={null}
                    aria-label={`${labelText} ${i + 1}`} aria-invalid={error ? true : undefined}
                    aria-describedby={error ? `${id}-${i}-error` : undefined}
                    onValue={(v) => setItems(items.map((x, j) => (j === i ? (v === undefined ? null : v) : x)))} />
                </span>
                <button type="button" className="btn btn--secondary btn--small" disabled={disabled} onClick={() => remove(i)}>
                  Remove{' '}
                  <span className="visually-hidden">
                    {labelText} {i + 1}
                  </span>
                </button>
                {error && (
                  <p id={`${id}-${i}-error`} className="field__error list-setting__error">
                    {error}
                  </p>
                )}
              </li>
            );
          })}
        </ul>
      )}
      <button ref={addButton} type="button" className="btn btn--secondary btn--small" disabled={disabled || full} onClick={add}>
        Add <span className="visually-hidden">to {labelText}</span>
      </button>
    </Group>
  );
}

function Unsupported({ label }: { label: string }) {
  return (
    <div className="field">
      <p className="field__label">{label}</p>
      <p className="field__hint">This setting cannot be changed here; it keeps its current value.</p>
    </div>
  );
}

/** hasSettings says whether a schema declares any setting to draw. */
export function hasSettings(schema: JSONSchema): boolean {
  const root = resolve(schema, schema);
  return isPlainObject(root.properties) && Object.keys(root.properties).length > 0;
}
