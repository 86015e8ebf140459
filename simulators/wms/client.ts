/**
 * The WMS side of the REST API (CONTRACTS.md §1 "Waves"): posts a wave to a
 * controller, as a WMS would. Used by the demo, benchmarks and tests.
 */

export interface WaveReply {
  /** 201 first acceptance, 200 identical re-post, 4xx with the error body */
  status: number;
  body: unknown;
}

/** `baseUrl` is the controller's address, e.g. `http://127.0.0.1:8080`. */
export async function postWave(baseUrl: string, token: string, wave: unknown): Promise<WaveReply> {
  const res = await fetch(new URL('/api/v1/waves', baseUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(wave),
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, body };
}
