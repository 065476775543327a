import { readFileSync, writeFileSync } from 'fs';
import path from 'path';
import { GENERATED_SECTIONS, refreshGeneratedSections } from './reference-tables';

const DOC = path.resolve(__dirname, '..', '..', '..', 'docs', 'chaincode.md');

describe('docs/chaincode.md', () => {
  it('has its reference tables in step with the code (UPDATE_DOCS=1 rewrites them)', () => {
    if (process.env['UPDATE_DOCS'] === '1') {
      writeFileSync(DOC, refreshGeneratedSections(readFileSync(DOC, 'utf8')));
    }
    const current = readFileSync(DOC, 'utf8');
    expect(current).toBe(refreshGeneratedSections(current));
  });

  it('refuses a document without the markers', () => {
    expect(() => refreshGeneratedSections('# nothing')).toThrow(`docs/chaincode.md lacks the markers of section '${Object.keys(GENERATED_SECTIONS)[0] ?? ''}'`);
  });
});
