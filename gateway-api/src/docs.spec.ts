import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { PROBLEMS } from './common/problems';
import { CONFIG_VARIABLES, renderConfigTable } from './config/config';

const doc = readFileSync(resolve(__dirname, '..', '..', 'docs', 'api.md'), 'utf8');

describe('docs/api.md', () => {
  it('documents every configuration variable', () => {
    expect(
      Object.keys(CONFIG_VARIABLES).filter((name) => !new RegExp(`\\|\\s*\`${name}\`\\s*\\|`).test(doc)),
    ).toEqual([]);
  });

  it('has the configuration table rendered from the config table (meanings and defaults written once)', () => {
    // Cells compared with their spacing collapsed: Prettier aligns the Markdown table.
    const rows = (text: string) =>
      text
        .split('\n')
        .map((line) => line.replace(/\s+/g, ' ').trim())
        .filter((line) => Object.keys(CONFIG_VARIABLES).some((name) => line.startsWith(`| \`${name}\` |`)));
    expect(rows(doc)).toEqual(rows(renderConfigTable()));
  });

  it('lists every error code with its status', () => {
    const missing = Object.entries(PROBLEMS).filter(
      ([code, spec]) => !new RegExp(`\\|\\s*\`${code}\`\\s*\\|\\s*${spec.status}\\b`).test(doc),
    );
    expect(missing.map(([code]) => code)).toEqual([]);
  });
});
