import { isLeaderIn } from './raft-leader';

describe('isLeaderIn', () => {
  const metrics = [
    '# HELP consensus_etcdraft_is_leader The leadership status of the current node: 1 if it is the leader else 0.',
    '# TYPE consensus_etcdraft_is_leader gauge',
    'consensus_etcdraft_is_leader{channel="other"} 1',
    'consensus_etcdraft_is_leader{channel="supplychain"} 0',
  ].join('\n');

  it('reads the channel’s own gauge, not another channel’s', () => {
    expect(isLeaderIn(metrics, 'supplychain')).toBe(false);
    expect(isLeaderIn(metrics, 'other')).toBe(true);
  });

  it('is undefined when the orderer reports nothing for the channel', () => {
    expect(isLeaderIn(metrics, 'absent')).toBeUndefined();
    expect(isLeaderIn('', 'supplychain')).toBeUndefined();
  });
});
