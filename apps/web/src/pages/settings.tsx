/** Account settings: business name and seat limit (owner: staff/settings helper). */
export function SettingsPage() {
  return <p>Settings.</p>;
}
