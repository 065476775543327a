import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Temporary directories for tests, removed together by {@link TmpDirs.cleanup}. */
export class TmpDirs {
  readonly #dirs: string[] = [];

  make(prefix = 'waybill-test-'): string {
    const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
    this.#dirs.push(dir);
    return dir;
  }

  cleanup(): void {
    for (const dir of this.#dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  }
}
