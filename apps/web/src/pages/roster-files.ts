import { ApiError, loadSession } from '../api';

/**
 * The roster's files in the browser: downloads, and the two API calls that are not JSON (the
 * import sends CSV, the export answers a file). Reading and writing CSV is in csv.ts.
 */

/** Saves a file the page made or fetched, as a download. */
export function download(filename: string, content: Blob | string): void {
  // The byte-order mark makes Excel read the file as UTF-8.
  const blob = typeof content === 'string' ? new Blob(['\ufeff', content], { type: 'text/csv;charset=utf-8' }) : content;
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/**
 * A call to the API with the signed-in user's token, for the answers and bodies api() does not
 * handle (CSV in, a file out). A problem answer becomes an ApiError with its sentence.
 */
export async function authorizedFetch(path: string, init: RequestInit = {}): Promise<Response> {
  const session = loadSession();
  const headers = new Headers(init.headers);
  if (session) headers.set('authorization', `Bearer ${session.accessToken}`);
  let response: Response;
  try {
    response = await fetch(path, { ...init, headers });
  } catch {
    throw new ApiError(0, 'network', 'Clientele cannot be reached. Check your connection and try again.');
  }
  if (response.ok) return response;
  let problem: { code?: string; detail?: string; title?: string; errors?: { field: string; message: string }[] } = {};
  try {
    problem = JSON.parse(await response.text());
  } catch {
    problem = {};
  }
  throw new ApiError(response.status, problem.code ?? 'error', problem.detail ?? problem.title ?? 'Something went wrong on our side. Please try again in a moment.', problem.errors ?? []);
}

/** The file name a Content-Disposition header gives, or the fallback. */
export function attachmentName(response: Response, fallback: string): string {
  return /filename="([^"]+)"/.exec(response.headers.get('content-disposition') ?? '')?.[1] ?? fallback;
}
