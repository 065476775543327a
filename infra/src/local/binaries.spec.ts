import path from 'node:path';
import { ALL_BINARIES, FABRIC, FABRIC_CA, binDir, fabricSampleConfig, inspectBinaries } from './binaries';
import { TmpDirs } from '../testing/tmp';

const tmp = new TmpDirs();
const saved = { bin: process.env['FABRIC_BIN'], sample: process.env['FABRIC_CFG_SAMPLE'] };
afterEach(() => {
  for (const [k, v] of [
    ['FABRIC_BIN', saved.bin],
    ['FABRIC_CFG_SAMPLE', saved.sample],
  ] as const) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});
afterAll(() => tmp.cleanup());

describe('binaries', () => {
  it('pins Fabric 2.5 and Fabric CA 1.5 and knows the four binaries it runs (no osnadmin, no fabric-ca-client)', () => {
    expect({ fabric: FABRIC.version, ca: FABRIC_CA.version, all: ALL_BINARIES }).toEqual({
      fabric: '2.5.9',
      ca: '1.5.21',
      all: ['peer', 'orderer', 'configtxgen', 'fabric-ca-server'],
    });
  });

  it('takes FABRIC_BIN over the project cache', () => {
    delete process.env['FABRIC_BIN'];
    expect(binDir('/proj')).toBe('/proj/.fabric/bin');
    process.env['FABRIC_BIN'] = 'relative/bin';
    expect(binDir('/proj')).toBe(path.resolve('relative/bin'));
  });

  it('reports every binary missing in an empty folder', async () => {
    const dir = tmp.make();
    await expect(inspectBinaries(dir)).resolves.toEqual(
      ALL_BINARIES.map((name) => ({
        name,
        path: path.join(dir, name),
        present: false,
        version: undefined,
        wanted: name.startsWith('fabric-ca') ? '1.5.21' : '2.5.9',
        ok: false,
      })),
    );
  });

  it('uses FABRIC_CFG_SAMPLE as the sample configuration when set', async () => {
    process.env['FABRIC_CFG_SAMPLE'] = '/opt/fabric/config';
    await expect(fabricSampleConfig()).resolves.toBe('/opt/fabric/config');
  });
});
