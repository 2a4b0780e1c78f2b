/**
 * Everything a secret could hide in within an exported history: the JSON text itself and every
 * payload decoded (payload `data` is base64, and a secret inside a larger payload does not show up
 * as the base64 of the secret alone).
 */
export function searchableHistoryText(historyJson: string): string {
  const decoded: string[] = [];
  const walk = (value: unknown, key?: string): void => {
    if (typeof value === 'string') {
      if (key === 'data') decoded.push(Buffer.from(value, 'base64').toString('utf8'));
      return;
    }
    if (Array.isArray(value)) value.forEach((v) => walk(v));
    else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) walk(v, k);
  };
  walk(JSON.parse(historyJson));
  return `${historyJson}\n${decoded.join('\n')}`;
}
