import path from 'node:path';

/** The checked-in copy of the OpenAPI document the console's typed client is generated from. */
export const CONSOLE_OPENAPI_COPY = path.resolve(__dirname, '..', '..', '..', 'console', 'openapi.json');

/**
 * The served document without what differs between organisations (the title names the
 * organisation), so one copy serves every gateway's console.
 */
export function normaliseOpenApi(document: unknown): unknown {
  const doc = structuredClone(document) as { info?: { title?: string } };
  if (doc.info) doc.info.title = 'Waybill gateway API';
  return doc;
}
