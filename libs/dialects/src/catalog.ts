import type { EngineKind, Modality } from '@switchyard/contracts';

/**
 * The gateway's model catalogue as dialects see it: every model some ready node serves
 * right now, merged with what configuration says about it (aliases, display name, …).
 * Implemented by the gateway; dialects only read it to render their listings.
 */
export interface ServedModel {
  /** Canonical name: the one nodes report and responses show. */
  id: string;
  /** Other names clients may use: an Ollama tag (`llama3.1:8b`), a hub name. */
  aliases: readonly string[];
  displayName?: string;
  description?: string;
  /** What the model accepts; `text` only unless configuration says more. */
  modalities: readonly Modality[];
  ownedBy: string;
  /** Unix seconds: when the earliest node still serving it started. */
  created: number;
  /** Engine kinds serving it now, for dialects that describe the backend (Ollama `details`). */
  engines: readonly EngineKind[];
  /** Ready nodes serving it. */
  nodes: number;
  /** Requests running or waiting on those nodes. */
  inFlight: number;
}

export interface ModelCatalog {
  /** Models with at least one ready node, sorted by id. */
  served(): ServedModel[];
  /** A served model by its name or one of its aliases. */
  find(nameOrAlias: string): ServedModel | undefined;
  /** Switchyard's version, for `/api/version`, `/info`, `/v2`. */
  readonly version: string;
}
