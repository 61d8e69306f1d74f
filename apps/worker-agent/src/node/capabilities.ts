import {
  CAPABILITY_NAMES,
  type CapabilityName,
  type CapabilitySource,
  type NodeCapabilities,
} from '@switchyard/contracts';
import type { EngineAdapter } from '@switchyard/engines';
import type { Logger } from 'pino';
import type { EngineClient } from '../engine/engine.client';
import type { WorkerMetrics } from '../worker-metrics';

/** Budget of one capability source or probe: a probe generates at most one token. */
const CALL_TIMEOUT_MS = 10_000;

/**
 * What this node's engine can serve, learned from the engine itself: what the adapter knows of
 * every engine of its kind, then what the engine states (llama.cpp /props, vLLM /v1/models,
 * TGI /info, Ollama /api/show, MindIE /info), then tiny probes for what nothing states, and
 * from then on every refusal that proves a capability missing. Unknown stays unknown.
 */
export class NodeCapabilitiesLearner {
  private caps: NodeCapabilities = {};

  constructor(
    private readonly adapter: EngineAdapter,
    private readonly engine: EngineClient,
    private readonly metrics: WorkerMetrics,
    private readonly log: Logger,
  ) {
    this.caps = this.fixed();
    engine.onCapabilityRefused((capability, message) => this.refused(capability, message));
  }

  get current(): NodeCapabilities {
    return this.caps;
  }

  /** Reads and probes the engine afresh (at start and whenever it comes back). */
  async learn(model: string): Promise<NodeCapabilities> {
    const caps = this.fixed();
    const reader = this.adapter.capabilityReader;
    if (reader) {
      const sources = Object.entries(reader.sources(model));
      const bodies = Object.fromEntries(
        await Promise.all(
          sources.map(async ([name, call]) => {
            const answer = await this.engine.call(call, CALL_TIMEOUT_MS);
            const ok = answer !== undefined && answer.status >= 200 && answer.status < 300;
            return [name, ok ? answer.body : undefined] as const;
          }),
        ),
      );
      mark(caps, reader.parse(bodies), 'engine');
    }
    for (const probe of this.adapter.capabilityProbes ?? []) {
      if (caps[probe.capability] !== undefined) continue;
      const answer = await this.engine.call(probe.build(model), CALL_TIMEOUT_MS);
      if (answer === undefined) continue;
      const kind = probe.capability === 'embeddings' ? 'embedding' : 'generation';
      const verdict =
        answer.status >= 200 && answer.status < 300
          ? true
          : this.adapter.refusedCapability?.(answer.status, answer.body, kind) === probe.capability
            ? false
            : undefined;
      if (verdict !== undefined) mark(caps, { [probe.capability]: verdict }, 'probe');
    }
    this.caps = caps;
    this.log.info({ capabilities: describe(caps) }, 'engine capabilities learned');
    this.export();
    return caps;
  }

  /** An answer proved `capability` missing: stop advertising it. Returns whether that changed. */
  refused(capability: CapabilityName, message: string): boolean {
    this.metrics.switchyard_engine_capability_refusals_total.inc({ capability });
    if (capability === 'maxContextTokens' || this.caps[capability] === false) return false;
    this.caps = mark({ ...this.caps }, { [capability]: false }, 'refusal');
    this.log.warn(
      { capability, engineMessage: message },
      'engine refused a request for good; the node no longer advertises this capability',
    );
    this.export();
    this.onChange?.();
    return true;
  }

  /** Called after a refusal changed the capabilities (the agent heartbeats at once). */
  onChange: (() => void) | undefined;

  private fixed(): NodeCapabilities {
    const caps: NodeCapabilities = {};
    if (this.adapter.embeddings === undefined) mark(caps, { embeddings: false }, 'adapter');
    return mark(caps, this.adapter.fixedCapabilities ?? {}, 'adapter');
  }

  private export(): void {
    for (const name of CAPABILITY_NAMES) {
      if (name === 'maxContextTokens') continue;
      const value = this.caps[name];
      if (value === undefined)
        this.metrics.switchyard_node_capability_up.remove({ capability: name });
      else this.metrics.switchyard_node_capability_up.set({ capability: name }, value ? 1 : 0);
    }
  }
}

/** Copies the known fields of `found` onto `caps`, recording where each came from. */
function mark(
  caps: NodeCapabilities,
  found: NodeCapabilities,
  source: CapabilitySource,
): NodeCapabilities {
  const learnedFrom = { ...caps.learnedFrom };
  for (const name of CAPABILITY_NAMES) {
    const value = found[name];
    if (value === undefined) continue;
    (caps as Record<CapabilityName, unknown>)[name] = value;
    learnedFrom[name] = source;
  }
  if (found.contextCoversOutput !== undefined) caps.contextCoversOutput = found.contextCoversOutput;
  caps.learnedFrom = learnedFrom;
  return caps;
}

/** One line for the log: `tools=false(probe) maxContextTokens=512(engine)`. */
function describe(caps: NodeCapabilities): string {
  return CAPABILITY_NAMES.filter((n) => caps[n] !== undefined)
    .map((n) => `${n}=${String(caps[n])}(${caps.learnedFrom?.[n] ?? '?'})`)
    .join(' ');
}
