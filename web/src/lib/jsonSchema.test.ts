import { describe, expect, it } from 'vitest';
import type { JSONSchema } from '../api/types';
import { getIn, kindOf, locationPointer, maskedSecret, mergePatch, parsePointer, placeErrors, schemaAt, setIn, toPointer, validate } from './jsonSchema';

const schema: JSONSchema = {
  type: 'object',
  required: ['base_url', 'token'],
  $defs: { mode: { type: 'string', enum: ['fast', 'careful'] } },
  properties: {
    base_url: { type: 'string', title: 'Base URL', pattern: '^https://' },
    token: { type: 'string', writeOnly: true },
    mode: { $ref: '#/$defs/mode', title: 'Mode' },
    enabled: { type: 'boolean' },
    limits: {
      type: 'object',
      required: ['max_pages'],
      properties: { max_pages: { type: 'integer', minimum: 1, maximum: 100 }, ratio: { type: 'number', exclusiveMaximum: 1 } },
    },
    tags: { type: 'array', items: { type: 'string', minLength: 2 }, maxItems: 3 },
    rules: { type: 'array', items: { type: 'object' } },
    either: { oneOf: [{ type: 'string' }, { type: 'number' }] },
  },
};

describe('pointers', () => {
  it('escapes and reads back ~ and /', () => {
    expect(toPointer(['a/b', 'c~d', 2])).toBe('/a~1b/c~0d/2');
    expect(parsePointer('/a~1b/c~0d/2')).toEqual(['a/b', 'c~d', '2']);
    expect(parsePointer('')).toEqual([]);
    expect(parsePointer('limits')).toBeNull();
  });

  it('reads error locations as pointers', () => {
    const cases: Array<[string, string | null]> = [
      ['/limits/max_pages', '/limits/max_pages'],
      ['#/limits/max_pages', '/limits/max_pages'],
      ['body.limits.max_pages', '/limits/max_pages'],
      ['body.tags[1]', '/tags/1'],
      ['body', ''],
      ['', ''],
      ['query.page', null],
      ['limits', null],
    ];
    for (const [location, want] of cases) expect(locationPointer(location), location).toBe(want);
  });
});

describe('kindOf and schemaAt', () => {
  it('names the control each setting needs', () => {
    const p = schema.properties!;
    expect(kindOf(schema, p.base_url)).toBe('string');
    expect(kindOf(schema, p.token)).toBe('secret');
    expect(kindOf(schema, { type: 'string', format: 'password' })).toBe('secret');
    expect(kindOf(schema, p.mode)).toBe('enum');
    expect(kindOf(schema, p.enabled)).toBe('boolean');
    expect(kindOf(schema, p.limits)).toBe('object');
    expect(kindOf(schema, p.tags)).toBe('array');
    expect(kindOf(schema, { type: ['integer', 'null'] })).toBe('integer');
    expect(kindOf(schema, p.rules)).toBe('unsupported');
    expect(kindOf(schema, p.either)).toBe('unsupported');
    expect(kindOf(schema, { $ref: 'https://example.com/x.json' })).toBe('unsupported');
  });

  it('finds the schema of a path, or null', () => {
    expect(schemaAt(schema, ['limits', 'max_pages'])?.maximum).toBe(100);
    expect(schemaAt(schema, ['tags', '1'])?.minLength).toBe(2);
    expect(schemaAt(schema, ['mode'])?.enum).toEqual(['fast', 'careful']);
    expect(schemaAt(schema, ['mode'])?.title).toBe('Mode');
    expect(schemaAt(schema, ['nope'])).toBeNull();
    expect(schemaAt(schema, ['tags', 'x'])).toBeNull();
  });
});

describe('getIn and setIn', () => {
  it('reads and writes without changing the original', () => {
    const v = { limits: { max_pages: 3 }, tags: ['a', 'b'] };
    const next = setIn(v, ['limits', 'max_pages'], 4);
    expect(getIn(next, ['limits', 'max_pages'])).toBe(4);
    expect(v.limits.max_pages).toBe(3);
    expect(setIn(v, ['tags', 1], 'c')).toEqual({ limits: { max_pages: 3 }, tags: ['a', 'c'] });
    expect(setIn(v, ['limits', 'max_pages'], undefined)).toEqual({ limits: {}, tags: ['a', 'b'] });
    expect(setIn({}, ['a', 'b'], 1)).toEqual({ a: { b: 1 } });
  });
});

describe('mergePatch', () => {
  const saved = { base_url: 'https://a', token: maskedSecret, limits: { max_pages: 5, ratio: 0.5 }, tags: ['x'], enabled: true };

  it('is undefined when nothing changed', () => {
    expect(mergePatch(saved, structuredClone(saved))).toBeUndefined();
  });

  it('sends only what changed, nested objects partial, arrays whole', () => {
    const current = { ...saved, limits: { max_pages: 6, ratio: 0.5 }, tags: ['x', 'y'] };
    expect(mergePatch(saved, current)).toEqual({ limits: { max_pages: 6 }, tags: ['x', 'y'] });
  });

  it('never sends a masked secret back; a cleared one is null, a new one its value', () => {
    expect(mergePatch(saved, { ...saved, token: null })).toEqual({ token: null });
    expect(mergePatch(saved, { ...saved, token: 'new' })).toEqual({ token: 'new' });
  });

  it('removes a setting that is gone, and adds a new group whole', () => {
    const { enabled: _, ...rest } = saved;
    expect(mergePatch(saved, rest)).toEqual({ enabled: null });
    expect(mergePatch({}, { limits: { max_pages: 2 } })).toEqual({ limits: { max_pages: 2 } });
  });
});

describe('validate', () => {
  it('accepts valid settings and a secret left masked', () => {
    expect(validate(schema, { base_url: 'https://a', token: maskedSecret, limits: { max_pages: 1 }, mode: 'fast' })).toEqual({});
  });

  it('checks the simple keywords, by pointer', () => {
    const errors = validate(schema, {
      base_url: 'http://a',
      token: '',
      mode: 'slow',
      limits: { max_pages: 0, ratio: 1 },
      tags: ['a', 'ok', 'ok', 'ok'],
    });
    expect(errors).toEqual({
      '/base_url': 'Not in the expected form (^https://).',
      '/token': 'Required.',
      '/mode': 'Choose one of: fast, careful.',
      '/limits/max_pages': 'At least 1.',
      '/limits/ratio': 'Less than 1.',
      '/tags': 'At most 3 items.',
      '/tags/0': 'At least 2 characters.',
    });
  });

  it('asks for required settings in a nested group, and whole numbers', () => {
    expect(validate(schema, { base_url: 'https://a', token: 't', limits: {} })).toEqual({ '/limits/max_pages': 'Required.' });
    expect(validate(schema, { base_url: 'https://a', token: 't', limits: { max_pages: 1.5 } })).toEqual({
      '/limits/max_pages': 'Enter a whole number.',
    });
    expect(validate(schema, { token: null, base_url: 'https://a' })).toEqual({ '/token': 'Required.' });
  });
});

describe('placeErrors', () => {
  it('places messages at drawn settings and leaves the rest', () => {
    const got = placeErrors(schema, {
      '/limits/max_pages': 'must be at most 100',
      'tags[1]': 'too short', // "body.tags[1]" after ApiError.fieldErrors
      '/either': 'no match',
      '/rules/0/x': 'bad rule',
      '': 'the whole thing',
      '/unknown': 'not in the schema',
    });
    expect(got.fields).toEqual({ '/limits/max_pages': 'must be at most 100', '/tags/1': 'too short' });
    expect(got.placed).toEqual(['/limits/max_pages', 'tags[1]']);
  });
});
