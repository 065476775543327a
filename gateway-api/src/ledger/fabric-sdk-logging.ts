/**
 * The Fabric 2.2 SDK logs every failure itself, as coloured text on the console (winston). The
 * gateway logs the same failures once, mapped, as structured JSON with the correlation id; so the
 * SDK's logger is silenced unless the operator asks for it with HFC_LOGGING. Imported by the
 * fabric-network adapter before the SDK, which picks its logger up from `global.hfc` when it loads.
 */
const quiet = (): void => undefined;
const g = globalThis as { hfc?: { logger?: unknown } };
if (!process.env['HFC_LOGGING'] && !g.hfc?.logger) {
  g.hfc = { ...(g.hfc ?? {}), logger: { debug: quiet, info: quiet, warn: quiet, error: quiet, log: quiet } };
}
export {};
