import { readFileSync, writeFileSync } from 'node:fs';
import { request, startTestApp } from '../testing/test-app';
import { CONSOLE_OPENAPI_COPY, normaliseOpenApi } from './openapi-copy';

describe('console/openapi.json', () => {
  it('equals the OpenAPI document the gateway serves (WAYBILL_WRITE_OPENAPI=1 rewrites it)', async () => {
    const t = await startTestApp();
    try {
      const served = normaliseOpenApi((await request(t, 'GET', '/docs/openapi.json')).body);
      if (process.env.WAYBILL_WRITE_OPENAPI === '1')
        writeFileSync(CONSOLE_OPENAPI_COPY, `${JSON.stringify(served, null, 2)}\n`);
      expect(JSON.parse(readFileSync(CONSOLE_OPENAPI_COPY, 'utf8'))).toEqual(served);
    } finally {
      await t.close();
    }
  });
});
