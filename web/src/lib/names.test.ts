import { describe, expect, it } from 'vitest';
import { envNameProblem, functionNameProblem } from './names';

describe('functionNameProblem', () => {
  it.each([
    ['hello', null],
    ['a', null],
    ['hello-world-2', null],
    ['0abc', null],
    ['a'.repeat(63), null],
  ])('accepts %s', (name, want) => {
    expect(functionNameProblem(name)).toBe(want);
  });

  it.each([
    ['', 'Enter a name.'],
    ['Hello', 'Use lower-case letters only.'],
    ['hello_world', 'Use only a–z, 0–9 and hyphens; not “_”.'],
    ['hello world', 'Use only a–z, 0–9 and hyphens; not spaces.'],
    ['héllo', 'Use only a–z, 0–9 and hyphens; not “é”.'],
    ['a.b/c', 'Use only a–z, 0–9 and hyphens; not “.”, “/”.'],
    ['-hello', 'Start and end with a letter or a digit, not a hyphen.'],
    ['hello-', 'Start and end with a letter or a digit, not a hyphen.'],
    ['a'.repeat(64), 'Use at most 63 characters (this has 64).'],
  ])('refuses %j in words', (name, want) => {
    expect(functionNameProblem(name)).toBe(want);
  });
});

describe('envNameProblem', () => {
  it('accepts letters, digits and underscores', () => {
    expect(envNameProblem('GREETING')).toBeNull();
    expect(envNameProblem('_x1')).toBeNull();
  });
  it('refuses bad and reserved names', () => {
    expect(envNameProblem('1ABC')).toMatch(/starts with a digit/);
    expect(envNameProblem('A-B')).toMatch(/only letters, digits/);
    expect(envNameProblem('HTTP_HOST')).toMatch(/set by berth/);
    expect(envNameProblem('berth_anything')).toMatch(/set by berth/);
    expect(envNameProblem('PATH_INFO')).toMatch(/set by berth/);
  });
});
