import { describe, expect, it } from 'vitest';
import { usernameProblem } from '../../src/domain/username.js';

describe('usernameProblem', () => {
  it.each(['alice', 'a', 'bob_2', 'x'.repeat(30)])('accepts %s', (name) => {
    expect(usernameProblem(name)).toBeNull();
  });

  it.each(['', 'Alice', 'al ice', 'x'.repeat(31), 'é', 'a-b', 'a.b', '../x'])('refuses the shape of %j', (name) => {
    expect(usernameProblem(name)).toBe('format');
  });

  it.each(['admin', 'root', 'inbox', 'users', 'well_known'])('refuses the reserved name %s', (name) => {
    expect(usernameProblem(name)).toBe('reserved');
  });
});
