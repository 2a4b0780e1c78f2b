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

/**
 * Which of `secrets` show up in `text` (log output, a history): as typed, JSON-escaped,
 * URL-encoded, or base64/base64url-encoded. Each secret should be long and distinctive, so a
 * match means it leaked and not that it happens to be a common word.
 */
export function leakedSecrets(text: string, secrets: readonly string[]): string[] {
  return secrets.filter((secret) => {
    const forms = [
      secret,
      JSON.stringify(secret).slice(1, -1),
      encodeURIComponent(secret),
      Buffer.from(secret).toString('base64').replace(/=+$/, ''),
      Buffer.from(secret).toString('base64url'),
    ];
    return forms.some((form) => text.includes(form));
  });
}
