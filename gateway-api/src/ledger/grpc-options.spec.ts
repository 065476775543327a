import { grpcChannelOptions } from './grpc-options';

describe('grpcChannelOptions', () => {
  it('caps the reconnect backoff so that a gateway serves again soon after its peer is back', () => {
    const options = grpcChannelOptions({});
    expect(options['grpc.max_reconnect_backoff_ms']).toBeLessThanOrEqual(5_000);
    expect(options['grpc.initial_reconnect_backoff_ms']).toBeLessThanOrEqual(
      options['grpc.max_reconnect_backoff_ms'] as number,
    );
  });

  it('pings no more often than Fabric peers accept (60 s), and overrides the TLS name only when asked', () => {
    expect(grpcChannelOptions({})['grpc.keepalive_time_ms']).toBeGreaterThanOrEqual(60_000);
    expect(grpcChannelOptions({})).not.toHaveProperty('grpc.ssl_target_name_override');
    expect(grpcChannelOptions({ hostnameOverride: 'peer0.example' })).toMatchObject({
      'grpc.ssl_target_name_override': 'peer0.example',
    });
  });
});
