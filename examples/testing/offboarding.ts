/**
 * The code under test in these examples: what an off-boarding script does when someone leaves — remove the
 * certificates imported for them. Plain Microsoft Graph over fetch; the tests point it at pfxstore instead.
 */
export interface Graph {
  /** The service root, `https://graph.microsoft.com/beta` in production. */
  readonly url: string;
  readonly token: string;
}

interface Page {
  readonly value: { readonly id: string }[];
  readonly '@odata.nextLink'?: string;
}

/** Removes every certificate of `upn`; answers how many there were. */
export async function removeCertificatesOf(graph: Graph, upn: string): Promise<number> {
  const filter = encodeURIComponent(`userPrincipalName eq '${upn.replace(/'/g, "''")}'`);
  let next: string | undefined = `${graph.url}/deviceManagement/userPfxCertificates?$filter=${filter}&$select=id`;
  const ids: string[] = [];
  while (next) {
    const page = await send(graph, 'GET', next) as Page;
    ids.push(...page.value.map((certificate) => certificate.id));
    next = page['@odata.nextLink'];
  }
  for (const id of ids) {
    // A 404 on a retried DELETE means the first attempt landed although its answer was lost.
    await send(graph, 'DELETE', `${graph.url}/deviceManagement/userPfxCertificates/${id}`, { gone: 'fine' });
  }
  return ids.length;
}

/** One request, sent again after `Retry-After` on 429, 503 and 504, as Graph asks every client to do. */
async function send(graph: Graph, method: string, url: string, options: { gone?: 'fine' } = {}): Promise<unknown> {
  for (let attempt = 1; ; attempt++) {
    const answer = await fetch(url, { method, headers: { authorization: `Bearer ${graph.token}` } });
    if (answer.status === 204 || (answer.status === 404 && options.gone && attempt > 1)) return undefined;
    if (answer.ok) return answer.json();
    if ([429, 503, 504].includes(answer.status) && attempt < 5) {
      const seconds = Number(answer.headers.get('retry-after') ?? '1');
      await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
      continue;
    }
    const body = await answer.json() as { error?: { message?: string } };
    throw new Error(`${method} ${url} answered ${answer.status}: ${body.error?.message}`);
  }
}
