import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

const made: string[] = [];
// Imported while a test file is collected, so this hook belongs to that file: its directories go when it ends.
// Outside vitest (`npm run bench` boots a test graph) there is no file to hook; whoever made a directory
// removes it with removeTestDataDir.
if (process.env.VITEST) {
  afterAll(() => {
    for (const dir of made.splice(0)) removeTestDataDir(dir);
  });
}

/** A fresh empty directory under the OS temp dir, removed after the test file's tests (or sooner by removeTestDataDir). */
export function testDataDir(prefix = 'lg-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/** Removes a temporary directory and everything in it now (nothing happens if it is gone already). */
export function removeTestDataDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
