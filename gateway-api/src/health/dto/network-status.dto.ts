import { ApiProperty } from '@nestjs/swagger';

export class ReadinessChecksView {
  @ApiProperty({
    enum: ['pass', 'fail'],
    description: 'A cheap evaluate reached a peer of this organisation and the chaincode',
  })
  ledger!: 'pass' | 'fail';
  @ApiProperty({ enum: ['pass', 'fail'] }) database!: 'pass' | 'fail';
  @ApiProperty({ description: 'The process is stopping: readiness fails from then on' })
  shuttingDown!: boolean;
}

export class ReadinessView {
  @ApiProperty({ enum: ['pass', 'fail'] }) status!: 'pass' | 'fail';
  @ApiProperty({ type: ReadinessChecksView }) checks!: ReadinessChecksView;
}

export class PeerStatusView {
  @ApiProperty({ example: 'peer0.manufacturer', description: 'The peer’s name in the connection profile' })
  name!: string;
  @ApiProperty({ example: 'peer0.manufacturer.waybill.local:7051' }) endpoint!: string;
  @ApiProperty({ description: 'It answered within the evaluate deadline' }) reachable!: boolean;
  @ApiProperty({
    type: Number,
    nullable: true,
    description: 'The channel’s height on this peer (the next block’s number), asked of this peer alone',
  })
  height!: number | null;
  @ApiProperty({
    type: String,
    nullable: true,
    enum: [
      'unavailable',
      'timeout',
      'identity',
      'endorsement',
      'chaincode',
      'conflict',
      'invalid',
      'internal',
    ],
    description: 'Why it did not answer',
  })
  problem!: string | null;
}

export class OrdererView {
  @ApiProperty({
    type: String,
    nullable: true,
    example: 'OrdererMSP',
    description: 'The orderer organisation (null for the channel-wide legacy OrdererAddresses)',
  })
  mspId!: string | null;
  @ApiProperty({ example: 'orderer1.waybill.local:7050' }) endpoint!: string;
}

export class OrderingServiceView {
  @ApiProperty({ type: String, nullable: true, example: 'etcdraft' }) consensusType!: string | null;
  @ApiProperty({
    type: [OrdererView],
    description: 'Where the peers send transactions, by orderer organisation',
  })
  orderers!: OrdererView[];
  @ApiProperty({
    type: [String],
    description: 'Raft consenters (cluster endpoints); empty for other consensus types',
  })
  consenters!: string[];
}

export class NetworkStatusView {
  @ApiProperty({ type: ReadinessView, description: 'As `GET /health/ready` answers' })
  readiness!: ReadinessView;
  @ApiProperty({
    example: 'fabric-gateway',
    description: 'The ledger adapter: fabric-gateway or fabric-network',
  })
  adapter!: string;
  @ApiProperty({ example: 'Manufacturer' }) organization!: string;
  @ApiProperty({ example: 'ManufacturerMSP' }) mspId!: string;
  @ApiProperty({ example: 'supplychain' }) channel!: string;
  @ApiProperty({ example: 'waybill' }) chaincode!: string;
  @ApiProperty({
    type: Number,
    nullable: true,
    description:
      'The channel’s height: the highest of this organisation’s reachable peers (null when none answered)',
  })
  height!: number | null;
  @ApiProperty({
    type: [PeerStatusView],
    description: 'Every peer of this organisation’s connection profile',
  })
  peers!: PeerStatusView[];
  @ApiProperty({
    type: OrderingServiceView,
    nullable: true,
    description:
      'The ordering service named by the channel configuration (read from a peer: the gateway never talks to the orderers itself, so it cannot tell whether they are up); null when no peer answered',
  })
  ordering!: OrderingServiceView | null;
}
