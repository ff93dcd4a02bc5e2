/** A message as Mailpit's HTTP API returns it. */
export interface MailpitMessage {
  ID: string;
  Subject: string;
  To: { Address: string }[];
  HTML: string;
  Text: string;
}

/** Reads what the real SMTP server received, through Mailpit's HTTP API. */
export function mailpit(baseUrl: string) {
  /** Mailpit stores a message shortly after accepting it: a search may not show it at once. */
  const STORE_DELAY_MS = 10_000;
  const get = async <T>(path: string): Promise<T> => {
    const response = await fetch(`${baseUrl.replace(/\/+$/, '')}${path}`);
    if (!response.ok) throw new Error(`Mailpit ${path}: HTTP ${response.status}`);
    return (await response.json()) as T;
  };
  return {
    /** Every message received for `address` (full bodies), oldest first. */
    async messagesTo(address: string): Promise<MailpitMessage[]> {
      const query = encodeURIComponent(`to:"${address}"`);
      const found = await get<{ messages: { ID: string }[] }>(
        `/api/v1/search?query=${query}&limit=50`,
      );
      const messages = await Promise.all(
        found.messages.map((m) => get<MailpitMessage>(`/api/v1/message/${m.ID}`)),
      );
      return messages.reverse();
    },
    /** The messages for `address` once there are at least `count` (then also any more). */
    async received(address: string, count: number): Promise<MailpitMessage[]> {
      const deadline = Date.now() + STORE_DELAY_MS;
      for (;;) {
        const messages = await this.messagesTo(address);
        if (messages.length >= count || Date.now() > deadline) return messages;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
  };
}
