import { existsSync, readFileSync } from 'node:fs';

/**
 * Why a builder failed, from its log: its closing `<builder> build: …` line as a one-line summary,
 * and the last lines before it (npm's own error) as detail.
 */
export function builderFailure(logFile: string): { summary: string; detail: string } | undefined {
  if (!existsSync(logFile)) return undefined;
  const lines = readFileSync(logFile, 'utf8')
    .split('\n')
    .map((l) => l.trimEnd())
    .filter((l) => l.trim() !== '');
  const last = lines.findLastIndex((l) => / build: /.test(l));
  if (last < 0) return undefined;
  return {
    summary: (lines[last] as string).replace(/^.*? build: /, ''),
    detail: lines.slice(Math.max(0, last - 12), last).join('\n'),
  };
}
