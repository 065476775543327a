import { ERROR_CODES, errorCodeOf } from './constants';

describe('errorCodeOf', () => {
  it.each([
    ['FORBIDDEN: role x', 'FORBIDDEN'],
    ['chaincode response 500, ASSET_NOT_FOUND: asset a does not exist', 'ASSET_NOT_FOUND'],
    ['error in simulation: transaction returned with failure: TERMS_MISMATCH: terms differ', 'TERMS_MISMATCH'],
    ['Unable to validate parameter', undefined],
    ['NOT_A_CODE: x', undefined],
    ['XFORBIDDEN: x', undefined],
  ])('reads %p', (message, code) => {
    expect(errorCodeOf(message)).toBe(code);
  });

  it('knows every code', () => {
    for (const code of Object.values(ERROR_CODES)) {
      expect(errorCodeOf(`${code}: detail`)).toBe(code);
    }
  });
});
