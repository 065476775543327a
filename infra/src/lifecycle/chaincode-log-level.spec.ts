import { chaincodeLogLevel } from './chaincode-server';

describe('chaincode server log level', () => {
  it('is info unless WAYBILL_CHAINCODE_LOG_LEVEL says otherwise', () => {
    expect(chaincodeLogLevel({})).toBe('info');
    expect(chaincodeLogLevel({ WAYBILL_CHAINCODE_LOG_LEVEL: '' })).toBe('info');
    expect(chaincodeLogLevel({ WAYBILL_CHAINCODE_LOG_LEVEL: 'warning' })).toBe('warning');
    expect(chaincodeLogLevel({ WAYBILL_CHAINCODE_LOG_LEVEL: 'debug' })).toBe('debug');
  });

  it('refuses an unknown level with one line naming the variable', () => {
    expect(() => chaincodeLogLevel({ WAYBILL_CHAINCODE_LOG_LEVEL: 'verbose' })).toThrow(
      'WAYBILL_CHAINCODE_LOG_LEVEL must be one of critical, error, warning, notice, info, debug, got "verbose"',
    );
  });
});
