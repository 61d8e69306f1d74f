import type { ModelCatalog } from '@switchyard/dialects';

/** Which models a caller may see in listings: all, none, or those named (by id or alias). */
export type Visibility = 'all' | 'none' | readonly string[];

/**
 * The catalogue as one caller may see it: a key's listings show only its models, and a
 * caller without a valid key on a gateway that requires one sees none (health and version
 * routes still answer). A hidden model is, to the listing routes, one that does not exist.
 */
export function visibleCatalog(catalog: ModelCatalog, visibility: Visibility): ModelCatalog {
  if (visibility === 'all') return catalog;
  const allowed =
    visibility === 'none'
      ? () => false
      : (m: { id: string; aliases: readonly string[] }) =>
          visibility.includes(m.id) || m.aliases.some((a) => visibility.includes(a));
  return {
    version: catalog.version,
    served: () => catalog.served().filter(allowed),
    find: (name) => {
      const model = catalog.find(name);
      return model !== undefined && allowed(model) ? model : undefined;
    },
  };
}
