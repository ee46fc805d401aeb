/** Client types as they travel on the wire (architecture.md, "client-type policy"). */
export const ClientTypes = ['full_access', 'full_access_one_way', 'offline'] as const;
export type ClientType = (typeof ClientTypes)[number];

export function isClientType(value: unknown): value is ClientType {
  return typeof value === 'string' && (ClientTypes as readonly string[]).includes(value);
}
