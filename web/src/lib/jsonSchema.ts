// A plugin's settings schema (JSON Schema 2020-12) as the dashboard reads
// it: the kind of control each setting needs, JSON pointers to settings,
// the simple checks before a save, and the merge patch a save sends. Pure
// functions: no React, no requests. The server's validation is the one
// that counts; these checks only save a round trip.
import type { JSONSchema } from '../api/types';

/** maskedSecret is what the server shows for a secret that is set. */
export const maskedSecret = '********';

/** A path to a setting: property names and array indexes. */
export type Path = Array<string | number>;

/** The control a setting is drawn with; unsupported ones are shown, not edited. */
export type Kind = 'string' | 'secret' | 'enum' | 'number' | 'integer' | 'boolean' | 'object' | 'array' | 'unsupported';

/** Errors by JSON pointer ("/limits/max_pages"), one message each. */
export type FieldErrors = Record<string, string>;

export const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** deepEqual compares JSON values. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (isPlainObject(a) && isPlainObject(b)) {
    const ka = Object.keys(a).filter((k) => a[k] !== undefined);
    const kb = Object.keys(b).filter((k) => b[k] !== undefined);
    return ka.length === kb.length && ka.every((k) => deepEqual(a[k], b[k]));
  }
  return false;
}

// ---------- JSON pointers (RFC 6901) ----------

/** toPointer writes a path as a JSON pointer: ["limits", "max_pages"] is "/limits/max_pages". */
export function toPointer(path: Path): string {
  return path.map((p) => '/' + String(p).replace(/~/g, '~0').replace(/\//g, '~1')).join('');
}

/** parsePointer reads a JSON pointer into its segments, or null when it is not one. */
export function parsePointer(pointer: string): string[] | null {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) return null;
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/**
 * locationPointer reads a 422 error's location as a pointer into the
 * settings. The contract sends JSON pointers ("/limits/max_pages"); a URI
 * fragment ("#/limits/max_pages") and huma's own "body.limits.max_pages"
 * are read too. Anything else is null: shown apart from the fields.
 */
export function locationPointer(location: string): string | null {
  const l = location.trim().replace(/^#/, '');
  if (l === '' || l.startsWith('/')) {
    const p = parsePointer(l);
    return p ? toPointer(p) : null;
  }
  const body = /^body(\.|$)/.exec(l);
  if (!body) return null;
  const segments = l
    .slice(body[0].length)
    .replace(/\[(\d+)\]/g, '.$1')
    .split('.')
    .filter(Boolean);
  return toPointer(segments);
}

// ---------- reading the schema ----------

/**
 * resolve follows a local $ref ("#/$defs/limits") within the root schema;
 * the keywords beside the $ref (a title, a description) win. A reference
 * elsewhere is left unresolved: the setting shows as unsupported.
 */
export function resolve(root: JSONSchema, schema: JSONSchema): JSONSchema {
  let cur = schema;
  for (let depth = 0; depth < 8 && cur.$ref !== undefined; depth++) {
    const { $ref, ...beside } = cur;
    const target = $ref.startsWith('#') ? lookup(root, parsePointer($ref.slice(1))) : null;
    if (!target) return { ...beside, type: undefined, oneOf: [] }; // unresolvable
    cur = { ...target, ...beside };
  }
  return cur;
}

function lookup(root: JSONSchema, segments: string[] | null): JSONSchema | null {
  if (!segments) return null;
  let cur: unknown = root;
  for (const s of segments) {
    if (!isPlainObject(cur) && !Array.isArray(cur)) return null;
    cur = (cur as Record<string, unknown>)[s];
  }
  return isPlainObject(cur) ? (cur as JSONSchema) : null;
}

/** isSecret says whether a setting is write-only: the server masks its value. */
export const isSecret = (s: JSONSchema): boolean => s.writeOnly === true || s.format === 'password';

function primaryType(s: JSONSchema): string | undefined {
  if (Array.isArray(s.type)) return s.type.find((t) => t !== 'null');
  if (s.type) return s.type;
  if (s.properties) return 'object';
  if (s.items) return 'array';
  return undefined;
}

const scalarKinds: Kind[] = ['string', 'enum', 'number', 'integer'];

/** kindOf is the control a (resolved) setting's schema needs. */
export function kindOf(root: JSONSchema, schema: JSONSchema): Kind {
  const s = resolve(root, schema);
  const t = primaryType(s);
  if (t === 'string' && isSecret(s)) return 'secret';
  if (Array.isArray(s.enum) && s.enum.length > 0) return 'enum';
  switch (t) {
    case 'string':
    case 'number':
    case 'integer':
    case 'boolean':
    case 'object':
      return t;
    case 'array':
      return s.items && scalarKinds.includes(kindOf(root, s.items)) ? 'array' : 'unsupported';
    default:
      return 'unsupported';
  }
}

/** schemaAt is the resolved schema of the setting at a path, or null when the schema has none. */
export function schemaAt(root: JSONSchema, path: Path): JSONSchema | null {
  let cur: JSONSchema = resolve(root, root);
  for (const seg of path) {
    const t = primaryType(cur);
    if (t === 'object' && cur.properties && Object.hasOwn(cur.properties, String(seg))) {
      cur = resolve(root, cur.properties[String(seg)]);
    } else if (t === 'array' && cur.items && /^\d+$/.test(String(seg))) {
      cur = resolve(root, cur.items);
    } else {
      return null;
    }
  }
  return cur;
}

// ---------- values ----------

/** getIn reads the value at a path, or undefined. */
export function getIn(value: unknown, path: Path): unknown {
  let cur = value;
  for (const seg of path) {
    if (Array.isArray(cur)) cur = cur[Number(seg)];
    else if (isPlainObject(cur)) cur = cur[String(seg)];
    else return undefined;
  }
  return cur;
}

/** setIn returns a copy of value with the value at path replaced; undefined removes a property. */
export function setIn(value: unknown, path: Path, next: unknown): unknown {
  if (path.length === 0) return next;
  const [seg, ...rest] = path;
  if (Array.isArray(value) && typeof seg === 'number') {
    const copy = [...value];
    copy[seg] = setIn(copy[seg], rest, next);
    return copy;
  }
  const obj = isPlainObject(value) ? { ...value } : {};
  const child = setIn(obj[String(seg)], rest, next);
  if (child === undefined) delete obj[String(seg)];
  else obj[String(seg)] = child;
  return obj;
}

/**
 * mergePatch is the JSON merge patch (RFC 7396) that turns saved into
 * current: changed values, nested objects as partial objects, null for a
 * property that is gone, arrays whole. It is undefined when nothing
 * changed. A secret the form left alone still reads "********" on both
 * sides, so it is never sent; a cleared one is null.
 */
export function mergePatch(saved: unknown, current: unknown): unknown {
  if (isPlainObject(saved) && isPlainObject(current)) {
    const out: Record<string, unknown> = {};
    for (const k of new Set([...Object.keys(saved), ...Object.keys(current)])) {
      const before = saved[k];
      const after = current[k];
      if (after === undefined) {
        if (before !== undefined && before !== null) out[k] = null;
        continue;
      }
      const d = mergePatch(before, after);
      if (d !== undefined) out[k] = d;
    }
    return Object.keys(out).length > 0 ? out : undefined;
  }
  return deepEqual(saved, current) ? undefined : current;
}

// ---------- checks ----------

const countChars = (s: string) => [...s].length;
const showValue = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));

/**
 * validate checks the settings against the schema's simple keywords:
 * required, type, minimum/maximum (and their exclusive forms),
 * minLength/maxLength, pattern, enum, minItems/maxItems. A secret left
 * masked is not checked: its value is the server's. Messages are keyed by
 * the JSON pointer of the setting they belong to.
 */
export function validate(root: JSONSchema, value: unknown): FieldErrors {
  const out: FieldErrors = {};
  check(root, root, value, [], out);
  return out;
}

function check(root: JSONSchema, schema: JSONSchema, value: unknown, path: Path, out: FieldErrors): void {
  const s = resolve(root, schema);
  const kind = kindOf(root, s);
  const at = toPointer(path);
  const fail = (m: string) => {
    out[at] ??= m;
  };
  if (value === undefined || value === null) return; // absence is the parent's "required"
  switch (kind) {
    case 'object': {
      if (!isPlainObject(value)) return fail('Expected a group of settings.');
      for (const name of s.required ?? []) {
        const v = value[name];
        const child = s.properties?.[name];
        const missing = v === undefined || v === null || (v === '' && child !== undefined && ['string', 'secret', 'enum'].includes(kindOf(root, child)));
        if (missing) out[toPointer([...path, name])] ??= 'Required.';
      }
      for (const [name, child] of Object.entries(s.properties ?? {})) check(root, child, value[name], [...path, name], out);
      return;
    }
    case 'array': {
      if (!Array.isArray(value)) return fail('Expected a list.');
      if (s.minItems !== undefined && value.length < s.minItems) fail(`At least ${s.minItems} ${s.minItems === 1 ? 'item' : 'items'}.`);
      if (s.maxItems !== undefined && value.length > s.maxItems) fail(`At most ${s.maxItems} ${s.maxItems === 1 ? 'item' : 'items'}.`);
      value.forEach((item, i) => {
        if (item === undefined || item === null || item === '') out[toPointer([...path, i])] ??= 'Enter a value or remove the item.';
        else if (s.items) check(root, s.items, item, [...path, i], out);
      });
      return;
    }
    case 'enum':
      if (!s.enum!.some((e) => deepEqual(e, value))) fail(`Choose one of: ${s.enum!.map(showValue).join(', ')}.`);
      return;
    case 'boolean':
      if (typeof value !== 'boolean') fail('Expected yes or no.');
      return;
    case 'number':
    case 'integer':
      return checkNumber(s, kind, value, fail);
    case 'string':
    case 'secret':
      if (kind === 'secret' && value === maskedSecret) return;
      return checkString(s, value, fail);
  }
}

function checkNumber(s: JSONSchema, kind: Kind, value: unknown, fail: (m: string) => void): void {
  if (typeof value !== 'number' || !Number.isFinite(value)) return fail('Enter a number.');
  if (kind === 'integer' && !Number.isInteger(value)) return fail('Enter a whole number.');
  if (s.minimum !== undefined && value < s.minimum) return fail(`At least ${s.minimum}.`);
  if (s.maximum !== undefined && value > s.maximum) return fail(`At most ${s.maximum}.`);
  if (s.exclusiveMinimum !== undefined && value <= s.exclusiveMinimum) return fail(`More than ${s.exclusiveMinimum}.`);
  if (s.exclusiveMaximum !== undefined && value >= s.exclusiveMaximum) return fail(`Less than ${s.exclusiveMaximum}.`);
}

function checkString(s: JSONSchema, value: unknown, fail: (m: string) => void): void {
  if (typeof value !== 'string') return fail('Expected text.');
  const n = countChars(value);
  if (s.minLength !== undefined && n < s.minLength) return fail(`At least ${s.minLength} ${s.minLength === 1 ? 'character' : 'characters'}.`);
  if (s.maxLength !== undefined && n > s.maxLength) return fail(`At most ${s.maxLength} ${s.maxLength === 1 ? 'character' : 'characters'}.`);
  if (s.pattern !== undefined) {
    let re: RegExp | null = null;
    try {
      re = new RegExp(s.pattern, 'u'); // JSON Schema patterns are ECMA-262, Unicode-aware
    } catch {
      re = null; // a pattern the browser cannot read: the server checks it
    }
    if (re && !re.test(value)) fail(`Not in the expected form (${s.pattern}).`);
  }
}

/** isDrawn says whether the setting at a path has a control of its own in the form. */
export function isDrawn(root: JSONSchema, path: Path): boolean {
  if (path.length === 0) return false;
  for (let n = 1; n <= path.length; n++) {
    const s = schemaAt(root, path.slice(0, n));
    if (!s || kindOf(root, s) === 'unsupported') return false;
  }
  return true;
}

/**
 * placeErrors sorts a 422's messages, keyed by location, into those shown
 * at a setting of the form (by its pointer) and the locations of the rest.
 * A location may have lost its "body." prefix on the way (ApiError.fieldErrors).
 */
export function placeErrors(root: JSONSchema, byLocation: Record<string, string>): { fields: FieldErrors; placed: string[] } {
  const fields: FieldErrors = {};
  const placed: string[] = [];
  for (const [location, message] of Object.entries(byLocation)) {
    const pointer = locationPointer(location) ?? locationPointer('body.' + location);
    const path = pointer === null ? null : parsePointer(pointer);
    if (!path || !isDrawn(root, path)) continue;
    fields[toPointer(path)] ??= message;
    placed.push(location);
  }
  return { fields, placed };
}
