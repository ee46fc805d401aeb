/** The app's own "page not found" (owner: links helper). */
export function NotFoundPage() {
  return <p>Page not found.</p>;
}
