import { InvalidArgumentError } from 'commander';
import { envBool, parsePort, parsePositiveInt } from './flags';

describe('parsePort', () => {
  it.each([
    ['1024', 1024],
    ['7000', 7000],
    ['60000', 60000],
  ])('accepts %p', (value, port) => {
    expect(parsePort(value)).toBe(port);
  });

  it.each(['80', '1023', '60001', 'abc', '7000.5', '', '-7000', ' 7000', '7e3', '0x1b58'])(
    'rejects %p',
    (value) => {
      expect(() => parsePort(value)).toThrow(
        new InvalidArgumentError(`"${value}" is not a port between 1024 and 60000`),
      );
    },
  );
});

describe('parsePositiveInt', () => {
  it.each([
    ['1', 1],
    ['50', 50],
    ['007', 7],
  ])('accepts %p', (value, n) => {
    expect(parsePositiveInt(value)).toBe(n);
  });

  it.each(['0', '-1', '1.5', 'ten', ''])('rejects %p', (value) => {
    expect(() => parsePositiveInt(value)).toThrow(
      new InvalidArgumentError(`"${value}" is not a positive integer`),
    );
  });
});

describe('envBool', () => {
  const NAME = 'WAYBILL_TEST_FLAG';
  afterEach(() => {
    delete process.env[NAME];
  });

  it('is undefined when unset or empty', () => {
    expect(envBool(NAME)).toBeUndefined();
    process.env[NAME] = '';
    expect(envBool(NAME)).toBeUndefined();
  });

  it.each([
    ['1', true],
    ['true', true],
    ['YES', true],
    ['0', false],
    ['False', false],
    ['no', false],
  ])('reads %p as %p', (value, expected) => {
    process.env[NAME] = value;
    expect(envBool(NAME)).toBe(expected);
  });

  it.each(['2', 'on', 'y'])('rejects %p naming the variable', (value) => {
    process.env[NAME] = value;
    expect(() => envBool(NAME)).toThrow(
      new InvalidArgumentError(`${NAME}="${value}" must be 1/true/yes or 0/false/no`),
    );
  });
});
