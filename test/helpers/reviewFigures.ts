/**
 * The named figures of a review page (`data-figure`), as text with tags stripped and entities
 * decoded, and the amounts of one of its charts (`data-<chart>` rows): how tests hold the page to
 * the report it renders without a browser.
 */
export function reviewFigures(html: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of html.matchAll(/data-figure="([^"]+)">([\s\S]*?)<\/(?:span|p)>/g)) {
    out[m[1]!] = m[2]!.replace(/<[^>]+>/g, '').replace(/&#(\d+);/g, (_, c: string) => String.fromCharCode(Number(c)));
  }
  return out;
}

export function reviewChart(html: string, chart: string): Array<[string, string]> {
  return [...html.matchAll(new RegExp(`data-${chart}="([^"]+)">.*?data-amount="(\\d+)"`, 'g'))].map((m) => [m[1]!, m[2]!]);
}
