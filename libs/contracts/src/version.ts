/** Switchyard's release, shown by version endpoints and in node records. Bumped with package.json. */
export const SWITCHYARD_VERSION = '0.1.0';
