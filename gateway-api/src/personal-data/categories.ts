import { PERSONAL_DATA_CATEGORIES, type PersonalDataCategory } from '@waybill/chaincode/constants';
import { MAX_VALUE_LENGTH, VALUE_PATTERNS } from '../assets/dto/personal-data-item.dto';

export { PERSONAL_DATA_CATEGORIES, type PersonalDataCategory };

export { MAX_VALUE_LENGTH };

/** The outcome of checking a value: the normalised value, or why it is refused (never echoing it). */
export type ValueCheck =
  { readonly ok: true; readonly value: string } | { readonly ok: false; readonly message: string };

// Control characters other than line breaks and tabs are refused everywhere: they hide content.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;
const { name: NAME, phone: PHONE, email: EMAIL, 'national-id': NATIONAL_ID } = VALUE_PATTERNS;

/** Whether `category` is one of {@link PERSONAL_DATA_CATEGORIES}. */
export function isCategory(category: unknown): category is PersonalDataCategory {
  return typeof category === 'string' && (PERSONAL_DATA_CATEGORIES as readonly string[]).includes(category);
}

/**
 * Validates and normalises a personal value for its category: Unicode NFC and trimmed everywhere;
 * phone numbers in E.164 (spaces, dots, dashes and brackets removed); e-mail domains in lower case;
 * national ids in upper case. The value committed to is the normalised one.
 */
export function checkValue(category: PersonalDataCategory, raw: unknown): ValueCheck {
  if (typeof raw !== 'string') return { ok: false, message: 'value must be a string' };
  let value = raw.normalize('NFC').trim();
  if (value === '') return { ok: false, message: 'value must not be empty' };
  if (category !== 'postal-address' && category !== 'notes' && /[\r\n\t]/.test(value)) {
    return { ok: false, message: `a ${category} value is a single line` };
  }
  const max = MAX_VALUE_LENGTH[category];
  // Checked before any pattern, so an oversize value costs no more than its length.
  const tooLong = { ok: false, message: `a ${category} value has at most ${max} characters` } as const;
  if ([...value].length > (category === 'phone' ? 32 : max)) return tooLong;
  if (CONTROL.test(value)) return { ok: false, message: 'value contains control characters' };
  switch (category) {
    case 'name':
      if (!NAME.test(value)) return { ok: false, message: "a name holds letters, spaces and . ' - only" };
      break;
    case 'phone':
      value = value.replace(/[\s().-]/g, '');
      if (!PHONE.test(value))
        return { ok: false, message: 'a phone number is in international format: + and 7 to 15 digits' };
      break;
    case 'email': {
      const at = value.lastIndexOf('@');
      value = at < 0 ? value : `${value.slice(0, at)}@${value.slice(at + 1).toLowerCase()}`;
      if (!EMAIL.test(value)) return { ok: false, message: 'not an e-mail address (local@domain.tld)' };
      break;
    }
    case 'national-id':
      value = value.toUpperCase();
      if (!NATIONAL_ID.test(value))
        return { ok: false, message: 'a national id holds 2 to 40 letters, digits, spaces, . / -' };
      break;
    case 'postal-address':
    case 'notes':
      break;
  }
  if ([...value].length > max) return tooLong;
  return { ok: true, value };
}
