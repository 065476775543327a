import { PERSONAL_VALUE_BY_CATEGORY, VALUE_SCHEMAS } from '../assets/dto/personal-data-item.dto';
import { checkValue, isCategory, MAX_VALUE_LENGTH, PERSONAL_DATA_CATEGORIES } from './categories';

describe('personal-data categories', () => {
  it('are the issue’s typed categories, shared with the chaincode', () => {
    expect(PERSONAL_DATA_CATEGORIES).toEqual([
      'name',
      'postal-address',
      'phone',
      'email',
      'national-id',
      'notes',
    ]);
    expect(isCategory('phone')).toBe(true);
    expect(isCategory('shoe-size')).toBe(false);
    expect(isCategory(3)).toBe(false);
  });

  it.each([
    ['name', '  Zoë  O’Brien-Łukasz ', 'Zoë  O’Brien-Łukasz'],
    ['phone', '+39 (333) 123-4567', '+393331234567'],
    ['email', 'Maria.Rossi@Example.ORG', 'Maria.Rossi@example.org'],
    ['national-id', 'rsimra80a41h501u', 'RSIMRA80A41H501U'],
    ['postal-address', 'Via Roma 1\n00100 Roma', 'Via Roma 1\n00100 Roma'],
    ['notes', 'Leave at the back door.\tRing twice.', 'Leave at the back door.\tRing twice.'],
  ] as const)('normalises a valid %s', (category, raw, expected) => {
    expect(checkValue(category, raw)).toEqual({ ok: true, value: expected });
  });

  it.each([
    ['name', 'R2-D2', 'a name holds letters'],
    ['name', 'Maria\nRossi', 'a name value is a single line'],
    ['phone', '0333 1234567', 'international format'],
    ['email', 'not-an-address', 'not an e-mail address'],
    ['email', 'a@b', 'not an e-mail address'],
    ['national-id', '#', 'a national id holds'],
    ['notes', 'bell\u0007', 'control characters'],
    ['notes', '   ', 'must not be empty'],
    ['notes', 42, 'must be a string'],
  ] as const)('refuses a malformed %s without echoing it', (category, raw, message) => {
    const result = checkValue(category, raw);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.message).toContain(message);
      if (typeof raw === 'string' && raw.trim() !== '') expect(result.message).not.toContain(raw.trim());
    }
  });

  it.each(PERSONAL_DATA_CATEGORIES)('refuses an oversize %s', (category) => {
    const filler =
      category === 'email'
        ? `${'a'.repeat(64)}@${'b'.repeat(300)}.org`
        : '1'.repeat(MAX_VALUE_LENGTH[category] + 40);
    const result = checkValue(category, category === 'phone' ? `+${filler}` : filler);
    expect(result).toEqual({
      ok: false,
      message: expect.stringMatching(/has at most \d+ characters/) as unknown,
    });
  });
});

describe('the value schemas the OpenAPI document states per category', () => {
  const documented = (category: (typeof PERSONAL_DATA_CATEGORIES)[number], value: string) => {
    const { pattern, maxLength } = VALUE_SCHEMAS[category];
    return new RegExp(pattern, 'u').test(value) && [...value].length <= maxLength;
  };

  // Each value here is valid by the document (edges included): the check must take it.
  it.each([
    ['name', 'Zoë O’Brien-Łukasz '],
    ['name', 'A'],
    ['name', 'ǅ\u0301'],
    ['name', 'N'.repeat(200)],
    ['phone', '+3933312345'],
    ['phone', '+1234567'],
    ['phone', `+1${'2'.repeat(14)}`],
    ['email', 'a@b.c0'],
    ['email', '\u00e9\u4e2d!#$@Example.ORG'],
    ['national-id', 'ab'],
    ['national-id', 'a b./-'],
    ['national-id', `A${'1'.repeat(39)}`],
    ['postal-address', 'Via Roma 1\n00100 Roma\u2028'],
    ['postal-address', '\t x'],
    ['notes', `${'n'.repeat(1999)}\n`],
  ] as const)('a documented %s (%j) passes the check', (category, value) => {
    expect(documented(category, value)).toBe(true);
    expect(checkValue(category, value)).toMatchObject({ ok: true });
  });

  // And these the check refuses are outside the document too.
  it.each([
    ['name', ' Anna'],
    ['name', 'R2-D2'],
    ['phone', '+39 333 1234567'],
    ['email', '\ufeffa@b.cc'],
    ['email', 'a\u0085@b.cc'],
    ['national-id', 'A '],
    ['national-id', 'A'],
    ['postal-address', ' \ufeff\u3000'],
    ['notes', 'bell\u0007'],
  ] as const)('an undocumented %s (%j) is not promised', (category, value) => {
    expect(documented(category, value)).toBe(false);
  });

  it('gives every category one branch of the document’s oneOf', () => {
    expect(PERSONAL_VALUE_BY_CATEGORY.oneOf.map((b) => b.properties.category.const)).toEqual(
      PERSONAL_DATA_CATEGORIES,
    );
  });
});
