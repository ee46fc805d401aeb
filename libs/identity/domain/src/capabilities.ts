/** Capabilities refine staff roles (api.md): admins have all; coaches get create_clients by default. */
export const Capabilities = ['create_clients', 'delete_clients', 'manage_products', 'import_clients'] as const;
export type Capability = (typeof Capabilities)[number];

export type StaffRole = 'admin' | 'coach';

export function capabilitiesFor(role: StaffRole, requested?: readonly Capability[]): Capability[] {
  if (role === 'admin') return [...Capabilities];
  return requested === undefined ? ['create_clients'] : [...new Set(requested)];
}

export function isCapability(value: unknown): value is Capability {
  return typeof value === 'string' && (Capabilities as readonly string[]).includes(value);
}
