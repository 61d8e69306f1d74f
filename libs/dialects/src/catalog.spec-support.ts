import type { ModelCatalog, ServedModel } from './catalog';

/** A catalogue of served models for unit specs. */
export function fakeCatalog(
  ids: readonly string[],
  aliases: Record<string, string[]> = {},
): ModelCatalog {
  const models: ServedModel[] = ids.map((id) => ({
    id,
    aliases: aliases[id] ?? [],
    modalities: ['text'],
    ownedBy: 'switchyard',
    created: 1700000000,
    engines: ['llamacpp'],
    nodes: 1,
    inFlight: 0,
  }));
  return {
    version: '9.9.9',
    served: () => models,
    find: (name) => models.find((m) => m.id === name || m.aliases.includes(name)),
  };
}
