/** CSV import (owner: list/import helper). */
export function ImportClientsPage() {
  return <p>Import clients.</p>;
}
