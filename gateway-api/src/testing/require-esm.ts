import * as vm from 'node:vm';

// NestJS 12 is published as ES modules only. Node 24 require()s them natively, but Jest's module
// system can only do so with the VM modules API, which Node exposes behind a flag. Fail with the
// fix instead of Jest's generic "Must use import to load ES Module".
if (
  process.env.JEST_WORKER_ID !== undefined &&
  typeof (vm as { SourceTextModule?: unknown }).SourceTextModule !== 'function'
) {
  throw new Error(
    'gateway-api tests load NestJS 12 (ESM-only): run Jest with NODE_OPTIONS="--experimental-vm-modules" ' +
      '(Node >= 24.9), e.g. NODE_OPTIONS="--experimental-vm-modules --disable-warning=ExperimentalWarning" npx jest --selectProjects gateway-api',
  );
}
