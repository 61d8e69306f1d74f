import type { InferenceRequest, StreamEvent } from '@switchyard/contracts';
import type { GatewayMetrics } from '../gateway-metrics';

/**
 * One request's token timings and usage, read off its events as they pass (no copy, no
 * extra await per event), then recorded once when the request ends: time per output token
 * after the first (OpenTelemetry's `gen_ai.server.time_per_output_token`) and the token
 * counters that give demand per model.
 */
export class RequestMetrics {
  private firstTokenAt: number | undefined;
  private lastTokenAt = 0;
  private promptTokens = 0;
  private completionTokens = 0;

  constructor(
    private readonly metrics: GatewayMetrics,
    private readonly labels: { dialect: string; model: string },
    private readonly tenant: string,
  ) {}

  /** Called with each event as the response relays it. */
  see(e: StreamEvent): void {
    if (e.type === 'delta') {
      this.lastTokenAt = performance.now();
      this.firstTokenAt ??= this.lastTokenAt;
    } else if (e.type === 'usage') {
      this.promptTokens = e.promptTokens;
      this.completionTokens = e.completionTokens;
    }
  }

  /** The tokens the node reported (0 until its usage event). */
  get usage(): { promptTokens: number; completionTokens: number } {
    return { promptTokens: this.promptTokens, completionTokens: this.completionTokens };
  }

  /** Records what the request did, whatever its outcome: tokens the engines spent count. */
  record(req: InferenceRequest): void {
    const { metrics } = this;
    const model = { model: this.labels.model, tenant: this.tenant };
    if (this.promptTokens > 0) metrics.switchyard_prompt_tokens_total.inc(model, this.promptTokens);
    if (this.completionTokens > 0)
      metrics.switchyard_generation_tokens_total.inc(model, this.completionTokens);
    // Sequences decode side by side: one sequence's tokens after its first.
    const after = this.completionTokens / Math.max(1, req.sampling.n) - 1;
    if (this.firstTokenAt !== undefined && after >= 1) {
      const seconds = (this.lastTokenAt - this.firstTokenAt) / 1000;
      metrics.switchyard_inter_token_latency_seconds.observe(this.labels, seconds / after);
    }
  }
}
