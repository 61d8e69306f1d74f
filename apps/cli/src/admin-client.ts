import type {
  AdminCommandResult,
  AdminModel,
  AdminNode,
  AdminQueue,
  NodeCommand,
} from '@switchyard/contracts';

export const DEFAULT_GATEWAY = 'http://127.0.0.1:8080';
const TIMEOUT_MS = 10_000;

/** A failure to show the operator as is (no stack): unreachable gateway, 404, 504… */
export class AdminApiError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

/** The CLI's client of the gateway's admin API. */
export class AdminClient {
  private readonly base: string;

  constructor(
    gateway: string,
    private readonly adminKey?: string,
  ) {
    this.base = gateway.replace(/\/+$/, '');
  }

  async nodes(): Promise<AdminNode[]> {
    return (await this.call<{ nodes: AdminNode[] }>('GET', 'nodes')).nodes;
  }

  node(id: string): Promise<AdminNode> {
    return this.call<AdminNode>('GET', `nodes/${encodeURIComponent(id)}`);
  }

  async queues(): Promise<AdminQueue[]> {
    return (await this.call<{ queues: AdminQueue[] }>('GET', 'queues')).queues;
  }

  async models(): Promise<AdminModel[]> {
    return (await this.call<{ models: AdminModel[] }>('GET', 'models')).models;
  }

  command(id: string, command: NodeCommand): Promise<AdminCommandResult> {
    return this.call<AdminCommandResult>('POST', `nodes/${encodeURIComponent(id)}/${command}`);
  }

  private async call<T>(method: 'GET' | 'POST', path: string): Promise<T> {
    const url = `${this.base}/admin/v1/${path}`;
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers: this.adminKey ? { authorization: `Bearer ${this.adminKey}` } : {},
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
      throw new AdminApiError(
        `cannot reach the gateway at ${this.base} (${cause}); is it running? (--gateway URL)`,
      );
    }
    const text = await res.text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new AdminApiError(`${method} ${url}: HTTP ${res.status}, not JSON`, res.status);
    }
    if (!res.ok) {
      const message = (body as { error?: { message?: string } }).error?.message ?? text;
      throw new AdminApiError(`${message} (HTTP ${res.status})`, res.status);
    }
    return body as T;
  }
}
