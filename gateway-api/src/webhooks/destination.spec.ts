import { DestinationForbiddenError, DestinationPolicy, DestinationUnresolvedError, unmapped } from './destination';
import { failureClass } from './webhook-post';

describe('DestinationPolicy', () => {
  const policy = new DestinationPolicy([]);

  it.each([
    '127.0.0.1',
    '127.8.9.10',
    '10.1.2.3',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '224.0.0.1',
    '255.255.255.255',
    '198.18.0.1',
    '::1',
    '::',
    'fe80::1',
    'fd00::1',
    'fc00::1',
    'ff02::1',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '::ffff:a00:1',
    '64:ff9b::a00:1',
    '2002:7f00:1::',
    '2001:db8::1',
  ])('refuses the non-public address %s', (address) => {
    expect(policy.permits(address)).toBe(false);
  });

  it.each(['93.184.215.14', '8.8.8.8', '1.1.1.1', '172.32.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8'])(
    'permits the public address %s',
    (address) => {
      expect(policy.permits(address)).toBe(true);
    },
  );

  it('opens exactly the allowed networks', () => {
    const allowing = new DestinationPolicy(['127.0.0.1/32', 'fd00:1::/64', '10.9.0.0/16']);
    expect(allowing.permits('127.0.0.1')).toBe(true);
    expect(allowing.permits('::ffff:127.0.0.1')).toBe(true);
    expect(allowing.permits('127.0.0.2')).toBe(false);
    expect(allowing.permits('fd00:1::5')).toBe(true);
    expect(allowing.permits('fd00:2::5')).toBe(false);
    expect(allowing.permits('10.9.200.1')).toBe(true);
    expect(allowing.permits('10.10.0.1')).toBe(false);
  });

  it('reads IPv4-mapped addresses in both notations', () => {
    expect(unmapped('::ffff:10.0.0.1')).toBe('10.0.0.1');
    expect(unmapped('::ffff:a00:1')).toBe('10.0.0.1');
    expect(unmapped('::FFFF:7F00:0001')).toBe('127.0.0.1');
    expect(unmapped('2001:db8::1')).toBe('2001:db8::1');
  });

  it('judges a name by every address it resolves to', async () => {
    const answers: Record<string, { address: string; family: number }[]> = {
      'public.test': [{ address: '93.184.215.14', family: 4 }],
      'rebinding.test': [
        { address: '93.184.215.14', family: 4 },
        { address: '127.0.0.1', family: 4 },
      ],
      'empty.test': [],
    };
    const resolving = new DestinationPolicy([], (host) =>
      host in answers ? Promise.resolve(answers[host] ?? []) : Promise.reject(new Error('ENOTFOUND')),
    );
    await expect(resolving.resolve('public.test')).resolves.toEqual([{ address: '93.184.215.14', family: 4 }]);
    await expect(resolving.resolve('rebinding.test')).rejects.toBeInstanceOf(DestinationForbiddenError);
    await expect(resolving.resolve('empty.test')).rejects.toBeInstanceOf(DestinationUnresolvedError);
    await expect(resolving.resolve('nowhere.test')).rejects.toBeInstanceOf(DestinationUnresolvedError);
    await expect(resolving.resolve('[::1]')).rejects.toBeInstanceOf(DestinationForbiddenError);
    await expect(resolving.resolve('8.8.8.8')).resolves.toEqual([{ address: '8.8.8.8', family: 4 }]);
  });
});

describe('failureClass', () => {
  const coded = (code: string) => Object.assign(new Error(`connect ${code} 10.0.0.1:80`), { code });

  it('reports coarse classes, never the socket error', () => {
    expect(failureClass(coded('ECONNREFUSED'))).toBe('connect_failed');
    expect(failureClass(coded('ECONNRESET'))).toBe('connect_failed');
    expect(failureClass(coded('EHOSTUNREACH'))).toBe('connect_failed');
    expect(failureClass(coded('ENOTFOUND'))).toBe('dns');
    expect(failureClass(coded('ETIMEDOUT'))).toBe('timeout');
    expect(failureClass(coded('DEPTH_ZERO_SELF_SIGNED_CERT'))).toBe('tls');
    expect(failureClass(coded('ERR_TLS_CERT_ALTNAME_INVALID'))).toBe('tls');
    expect(failureClass(coded('CERT_HAS_EXPIRED'))).toBe('tls');
    expect(failureClass(Object.assign(new Error('x'), { name: 'TimeoutError' }))).toBe('timeout');
    expect(failureClass(new DestinationForbiddenError('10.0.0.1'))).toBe('destination_forbidden');
    expect(failureClass(new DestinationUnresolvedError('x.test'))).toBe('dns');
    expect(failureClass(new Error('something else'))).toBe('failed');
    expect(failureClass('not an error')).toBe('failed');
  });
});
