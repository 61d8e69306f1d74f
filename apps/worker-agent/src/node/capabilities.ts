import {
  CAPABILITY_NAMES,
  type CapabilityName,
  type CapabilitySource,
  type NodeCapabilities,
} from '@switchyard/contracts';
import type { CapabilityReader, EngineAdapter } from '@switchyard/engines';
import type { Logger } from 'pino';
import type { EngineClient } from '../engine/engine.client';
import type { WorkerMetrics } from '../worker-metrics';

/** Budget of one capability source or probe: a probe generates at most one token. */
const CALL_TIMEOUT_MS = 10_000;
/** Models of a multi-model engine whose capabilities are read. */
const MODELS_READ = 8;
const FLAGS = ['embeddings', 'tools', 'vision', 'multipleChoices'] as const;

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

  /**
   * Reads and probes the engine afresh (at start and whenever it comes back). An engine that
   * serves several models (Ollama) is read for each, up to a few: the node is held to what
   * none of them serves, never to what one of them lacks.
   */
  async learn(models: string | readonly string[]): Promise<NodeCapabilities> {
    const served = (typeof models === 'string' ? [models] : models).slice(0, MODELS_READ);
    const model = served[0] ?? '';
    const caps = this.fixed();
    const reader = this.adapter.capabilityReader;
    if (reader) {
      const stated = await Promise.all(served.map((m) => this.read(reader, m)));
      mark(caps, anyModel(stated), 'engine');
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

  private async read(reader: CapabilityReader, model: string): Promise<NodeCapabilities> {
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
    return reader.parse(bodies);
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

/**
 * What a node serving these models can do: a feature any of them serves, the longest context;
 * false only where every model says false.
 */
function anyModel(all: readonly NodeCapabilities[]): NodeCapabilities {
  const [first, ...rest] = all;
  if (first === undefined) return {};
  const merged: NodeCapabilities = { ...first };
  for (const caps of rest) {
    for (const name of FLAGS) {
      const a = merged[name];
      const b = caps[name];
      if (a === true || b === true) merged[name] = true;
      else if (a === undefined || b === undefined) delete merged[name];
    }
    if (caps.maxContextTokens !== undefined)
      merged.maxContextTokens = Math.max(merged.maxContextTokens ?? 0, caps.maxContextTokens);
  }
  return merged;
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
