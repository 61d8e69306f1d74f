import {
  AUTO_MODEL,
  SWITCHYARD_VERSION,
  SwitchyardError,
  type EngineKind,
  type InferenceRequest,
  type Modality,
  type NodeSnapshot,
} from '@switchyard/contracts';
import type { CatalogEntry } from '@switchyard/config';
import type { ModelBounds, ModelCatalog, ServedModel } from '@switchyard/dialects';
import { generatedDescription, type ServingFacts } from './model-description';

/**
 * The catalogue at one moment: configured entries merged with what ready nodes serve.
 * Pure (built from a snapshot of the cluster view), so it is cheap to test and to rebuild.
 */
export class CatalogSnapshot implements ModelCatalog {
  readonly version = SWITCHYARD_VERSION;
  private readonly models: ServedModel[];
  private readonly byName = new Map<string, ServedModel>();
  /** Free slots per served model, for the `auto` policy. */
  private readonly free = new Map<string, number>();

  constructor(
    private readonly entries: readonly CatalogEntry[],
    nodes: readonly NodeSnapshot[],
    private readonly autoOrder: readonly string[] = [],
  ) {
    const byId = new Map<string, ServedModel & { engines: EngineKind[] }>();
    const serving = new Map<string, ServingFacts>();
    for (const node of nodes) {
      if (node.info.state !== 'ready') continue;
      const busy = node.load.running + node.load.waiting;
      for (const id of node.info.models) {
        let model = byId.get(id);
        if (!model) {
          model = {
            ...describe(id, entries),
            engines: [],
            nodes: 0,
            inFlight: 0,
            created: Infinity,
          };
          byId.set(id, model);
        }
        model.nodes += 1;
        model.inFlight += busy;
        model.created = Math.min(model.created, Math.floor(node.info.startedAt / 1000));
        if (!model.engines.includes(node.info.engine)) model.engines.push(node.info.engine);
        const facts = serving.get(id) ?? { nodes: [] };
        facts.nodes.push(node);
        serving.set(id, facts);
        this.free.set(id, (this.free.get(id) ?? 0) + Math.max(0, node.load.slotsTotal - busy));
      }
    }
    // A model the catalogue does not describe is described by what serves it (seed 004 shows
    // a description for every model).
    for (const m of byId.values()) {
      m.description ??= generatedDescription(m, serving.get(m.id) ?? { nodes: [] });
    }
    this.models = [...byId.values()].sort((a, b) => a.id.localeCompare(b.id));
    for (const m of this.models) {
      for (const name of [m.id, ...m.aliases]) if (!this.byName.has(name)) this.byName.set(name, m);
    }
  }

  served(): ServedModel[] {
    return this.models;
  }

  find(nameOrAlias: string): ServedModel | undefined {
    return this.byName.get(nameOrAlias) ?? this.byName.get(ollamaTagVariant(nameOrAlias));
  }

  /** The canonical name a requested name or alias means, served or not. */
  canonicalName(name: string): string {
    const served = this.find(name);
    if (served) return served.id;
    const entry = this.entries.find((e) => e.name === name || e.aliases.includes(name));
    return entry?.name ?? name;
  }

  /**
   * What bounds a request to `model` (a canonical name): its context window as the catalogue
   * states it. Seam: once nodes report the context they learned from their engine, the
   * smallest context among the ready nodes serving the model belongs here too.
   */
  bounds(model: string): ModelBounds {
    const entry = this.entries.find((e) => e.name === model);
    return entry?.contextTokens !== undefined ? { contextTokens: entry.contextTokens } : {};
  }

  /**
   * Rewrites `req.model` to the model that will serve it: an alias to its canonical name,
   * `auto` to the policy's choice. Refuses a request with images for a text-only model.
   */
  resolve(req: InferenceRequest): InferenceRequest {
    const model = req.model === AUTO_MODEL ? this.chooseAuto(req) : this.canonicalName(req.model);
    const needs = req.modalities.filter((m) => m !== 'text');
    const served = this.find(model);
    const accepts = served?.modalities ?? describe(model, this.entries).modalities;
    const missing = needs.filter((m) => !accepts.includes(m));
    if (missing.length > 0) {
      const capable = this.models.filter((m) => needs.every((n) => m.modalities.includes(n)));
      throw new SwitchyardError(
        'SY_BAD_REQUEST',
        `The model '${model}' does not accept ${missing.map(plural).join(' or ')}; ` +
          (capable.length > 0
            ? `models that do: ${capable.map((m) => m.id).join(', ')}.`
            : 'no model served right now does.'),
        { param: 'model', model },
      );
    }
    return model === req.model ? req : { ...req, model };
  }

  /** First model in the configured order that is served, accepts the request and has room. */
  private chooseAuto(req: InferenceRequest): string {
    const order = this.autoOrder.length > 0 ? this.autoOrder : this.defaultOrder();
    const fits = order
      .map((name) => this.find(name))
      .filter((m): m is ServedModel => m !== undefined)
      .filter((m) => req.modalities.every((needed) => m.modalities.includes(needed)));
    const chosen = fits.find((m) => (this.free.get(m.id) ?? 0) > 0) ?? fits[0];
    if (chosen) return chosen.id;
    if (req.modalities.some((m) => m !== 'text')) {
      throw new SwitchyardError(
        'SY_BAD_REQUEST',
        "No model that 'auto' may choose accepts images right now.",
        { param: 'model', model: AUTO_MODEL },
      );
    }
    throw new SwitchyardError(
      'SY_NO_CAPACITY',
      "No model that 'auto' may choose is served right now.",
      {
        retryAfterSeconds: 1,
        model: AUTO_MODEL,
      },
    );
  }

  /** Catalogue order first, then other served models by name. */
  private defaultOrder(): string[] {
    const configured = this.entries.map((e) => e.name);
    return [
      ...configured,
      ...this.models.map((m) => m.id).filter((id) => !configured.includes(id)),
    ];
  }
}

function describe(
  id: string,
  entries: readonly CatalogEntry[],
): Pick<ServedModel, 'id' | 'aliases' | 'displayName' | 'description' | 'modalities' | 'ownedBy'> {
  const entry = entries.find((e) => e.name === id);
  if (!entry) return { id, aliases: [], modalities: ['text'], ownedBy: 'switchyard' };
  return {
    id,
    aliases: entry.aliases,
    modalities: entry.modalities,
    ownedBy: entry.ownedBy,
    ...(entry.displayName !== undefined ? { displayName: entry.displayName } : {}),
    ...(entry.description !== undefined ? { description: entry.description } : {}),
  };
}

/** Ollama treats `llama3` and `llama3:latest` as one name. */
function ollamaTagVariant(name: string): string {
  return name.endsWith(':latest') ? name.slice(0, -':latest'.length) : `${name}:latest`;
}

function plural(m: Modality): string {
  return m === 'image' ? 'images' : m;
}
