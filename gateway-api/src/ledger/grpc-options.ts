import type { ChannelOptions } from '@grpc/grpc-js';
import type { PeerProfile } from '../config/profile';

/**
 * Channel options of the gRPC client of one peer.
 *
 * Reconnection: after a peer outage gRPC retries with an exponential backoff, by default growing
 * to 120 s, and calls fail fast (503) until the next attempt succeeds — after a 40 s outage the
 * gateway kept answering 503 for 7 s after the peer was back. One channel per peer makes a
 * reconnect attempt every 2 s at most cheap, so the backoff is capped there.
 */
export function grpcChannelOptions(peer: Pick<PeerProfile, 'hostnameOverride'>): ChannelOptions {
  return {
    ...(peer.hostnameOverride ? { 'grpc.ssl_target_name_override': peer.hostnameOverride } : {}),
    // Fabric peers reject client pings more frequent than every 60 s (peer.keepalive.client.minInterval).
    'grpc.keepalive_time_ms': 120_000,
    'grpc.keepalive_timeout_ms': 20_000,
    'grpc.max_receive_message_length': 100 * 1024 * 1024,
    'grpc.initial_reconnect_backoff_ms': 250,
    'grpc.max_reconnect_backoff_ms': 2_000,
  };
}
