// Saving files from the widget: a Blob behind an object URL, clicked through an `<a download>`
// that lives inside the element's shadow root for that moment only, so nothing is ever added to
// the host page's own DOM.

/** Saves `content` as a file named `name`, from an anchor placed in `root` (a shadow root). */
export function saveFile(root: ShadowRoot | HTMLElement | DocumentFragment, name: string, content: Blob): void {
  const url = URL.createObjectURL(content);
  const anchor = document.createElement('a');
  anchor.href = url;
  anchor.download = name;
  anchor.hidden = true;
  root.appendChild(anchor);
  anchor.click();
  anchor.remove();
  // The click has started the download; the URL only needs to outlive this task.
  setTimeout(() => URL.revokeObjectURL(url), 30_000);
}

/** A file name from a title: letters, digits and dashes only. */
export function fileName(title: string, extension: string): string {
  const stem = title
    .normalize('NFKD')
    .replace(/[^\w\s-]/g, '')
    .trim()
    .replace(/[\s_]+/g, '-')
    .toLowerCase()
    .slice(0, 60);
  return `${stem || 'deliverable'}.${extension}`;
}

/**
 * Fetches the run's package from the server (`GET <endpoint>/sessions/:id/runs/:runId/export.zip`,
 * the token in the Authorization header, never in the URL) and saves it.
 */
export async function downloadRunZip(options: { endpoint: string; session: string; runId: string; token: string; root: ShadowRoot | HTMLElement }): Promise<void> {
  const base = new URL(options.endpoint.replace(/\/+$/, ''), location.href).href;
  const url = `${base}/sessions/${encodeURIComponent(options.session)}/runs/${encodeURIComponent(options.runId)}/export.zip`;
  const response = await fetch(url, { headers: { authorization: `Bearer ${options.token}` }, cache: 'no-store' });
  if (!response.ok) {
    let message = `the server answered ${response.status}`;
    try {
      const body = (await response.json()) as { message?: unknown };
      if (typeof body.message === 'string') message = body.message;
    } catch {
      // Not JSON: the status says enough.
    }
    throw new Error(message);
  }
  saveFile(options.root, `campaign-${options.runId}.zip`, await response.blob());
}
