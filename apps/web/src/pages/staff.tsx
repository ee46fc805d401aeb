/** Staff members and their capabilities, for an admin (owner: staff/settings helper). */
export function StaffPage() {
  return <p>Staff.</p>;
}
