import { ProblemException } from '../common/problems';
import { integrationProgress, type IntegrationRepository } from '../events/integration.repository';
import type { FunctionList, FunctionView, InvocationList } from './dto/function.dto';
import { functionCursorName, type FunctionWorker } from './function-worker';

/** The admin view of the bound functions and their invocations. */
export class FunctionsService {
  constructor(
    private readonly workers: readonly FunctionWorker[],
    private readonly repo: IntegrationRepository,
  ) {}

  async list(): Promise<FunctionList> {
    return { items: await Promise.all(this.workers.map((w) => this.#view(w))) };
  }

  async invocations(name: string, limit: number): Promise<InvocationList> {
    this.#worker(name);
    const rows = await this.repo.invocations(name, limit);
    return {
      items: rows.map((r) => ({
        eventId: r.eventId,
        state: r.state,
        attempts: r.attempts,
        result: r.result === null ? null : (JSON.parse(r.result) as unknown),
        error: r.error,
        updatedAt: new Date(r.updatedAt).toISOString(),
      })),
    };
  }

  #worker(name: string): FunctionWorker {
    const w = this.workers.find((x) => x.binding.name === name);
    if (!w) throw new ProblemException('FUNCTION_NOT_FOUND', `no function ${name} is bound`);
    return w;
  }

  async #view(w: FunctionWorker): Promise<FunctionView> {
    const b = w.binding;
    const status = await this.repo.status(functionCursorName(b.name));
    return {
      name: b.name,
      handler: b.handler,
      filters: { types: [...b.filters.types], assets: [...b.filters.assets], orgs: [...b.filters.orgs] },
      concurrency: b.concurrency,
      timeoutSeconds: b.timeoutSeconds,
      retries: b.retries,
      running: w.running,
      ...integrationProgress(status),
    };
  }
}
