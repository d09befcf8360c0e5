import { chmodSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makePrivate } from '../../subgraphs/contract/settings.ts';
import { testDataDir } from '../support/temp.ts';

/**
 * Issue 7 review, finding 1: making the data directory private touches only what the graph owns there, and a
 * directory that is plainly someone's own (a home directory, a project root) is refused before anything changes.
 */
const mode = (file: string) => (statSync(file).mode & 0o777).toString(8);

/** A directory with the given files (name → mode; a trailing `/` makes a folder), every mode set exactly. */
function dirWith(entries: Record<string, number>, dir = testDataDir('lg-private-')): string {
  chmodSync(dir, 0o755);
  for (const [name, fileMode] of Object.entries(entries)) {
    const file = path.join(dir, name);
    if (name.endsWith('/')) mkdirSync(file, { recursive: true });
    else writeFileSync(file, name);
    chmodSync(file, fileMode);
  }
  return dir;
}

function modes(dir: string, names: string[]) {
  return Object.fromEntries(names.map((name) => [name, mode(path.join(dir, name))]));
}

describe('makePrivate', () => {
  const home = process.env.HOME;
  afterEach(() => {
    process.env.HOME = home;
  });

  it("makes the graph's files 0600 and run/ 0700, and leaves a foreign file and folder as they were", () => {
    const dir = dirWith({
      'run.sh': 0o755,
      'notes.txt': 0o644,
      'bin/': 0o755,
      'bin/tool': 0o755,
      'merchants.sqlite': 0o644,
      'merchants.sqlite-wal': 0o644,
      'merchants.sqlite-shm': 0o664,
      'gateway.sqlite': 0o666,
      'secrets.json': 0o644,
      'run/': 0o755,
      'run/offers-1.pid': 0o644,
    });
    const warnings: string[] = [];
    makePrivate(dir, (message) => warnings.push(message));
    expect(mode(dir)).toBe('700');
    expect(modes(dir, ['run.sh', 'notes.txt', 'bin', 'bin/tool', 'merchants.sqlite', 'merchants.sqlite-wal'])).toEqual({
      'run.sh': '755',
      'notes.txt': '644',
      bin: '755',
      'bin/tool': '755',
      'merchants.sqlite': '600',
      'merchants.sqlite-wal': '600',
    });
    expect(modes(dir, ['merchants.sqlite-shm', 'gateway.sqlite', 'secrets.json', 'run', 'run/offers-1.pid'])).toEqual({
      'merchants.sqlite-shm': '600',
      'gateway.sqlite': '600',
      'secrets.json': '600',
      run: '700',
      'run/offers-1.pid': '600',
    });
    expect(warnings).toEqual([]);
  });

  it('leaves files that are already private as they are (0400 stays 0400)', () => {
    const dir = dirWith({ 'secrets.json': 0o400, 'offers.sqlite': 0o600 });
    chmodSync(dir, 0o700);
    makePrivate(dir);
    expect(modes(dir, ['.', 'secrets.json', 'offers.sqlite'])).toEqual({
      '.': '700',
      'secrets.json': '400',
      'offers.sqlite': '600',
    });
  });

  it('refuses the home directory, saying to give the graph one of its own, and changes nothing', () => {
    const dir = dirWith({ 'run.sh': 0o755, 'public_html/': 0o755, 'merchants.sqlite': 0o644 });
    process.env.HOME = dir; // os.homedir() reads $HOME
    expect(() => makePrivate(dir)).toThrow(
      `The data directory ${dir} is your home directory: give the graph one of its own (e.g. ${path.join(dir, 'lifegraph')}).`,
    );
    expect(modes(dir, ['.', 'run.sh', 'public_html', 'merchants.sqlite'])).toEqual({
      '.': '755',
      'run.sh': '755',
      public_html: '755',
      'merchants.sqlite': '644',
    });
  });

  it.each([
    ['package.json', { 'package.json': 0o644, 'secrets.json': 0o644 }],
    ['.git', { '.git/': 0o755, 'secrets.json': 0o644 }],
  ])('refuses a project root (it has %s) and changes nothing', (marker, entries) => {
    const dir = dirWith(entries);
    expect(() => makePrivate(dir)).toThrow(
      `The data directory ${dir} looks like a project folder (it has ${marker}), not a data directory: give the graph one of its own (e.g. ${path.join(dir, 'data')}).`,
    );
    expect(modes(dir, ['.', 'secrets.json'])).toEqual({ '.': '755', 'secrets.json': '644' });
  });

  it('refuses this repository itself (`--data-dir .`)', () => {
    expect(() => makePrivate(path.resolve('.'))).toThrow(/looks like a project folder \(it has package\.json\)/);
  });

  it('accepts a new directory inside a project (the default ./data) and creates it 0700', () => {
    const project = dirWith({ 'package.json': 0o644 });
    const dir = path.join(project, 'data');
    makePrivate(dir);
    expect(mode(dir)).toBe('700');
    expect(mode(path.join(project, 'package.json'))).toBe('644');
  });
});
