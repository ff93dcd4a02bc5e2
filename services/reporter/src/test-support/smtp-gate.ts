import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * A pass-through to the real SMTP server (Mailpit) with fault switches, for what Mailpit cannot
 * be asked to do: refuse a recipient for good (550), refuse a message for now (451), or take a
 * message and never answer (a sender that dies mid-send cannot know if it went out). The server
 * speaks without PIPELINING, so commands can be answered here one line at a time.
 */
export interface SmtpGate {
  url: string;
  /** Recipients answered `550` (the message never reaches the server). */
  refuse: RegExp | null;
  /** The next N messages are answered `451` at MAIL FROM. */
  transientFailures: number;
  /** After a message body went through, the server's answer is withheld. */
  holdAfterData: boolean;
  close(): Promise<void>;
}

const END_OF_DATA = '\r\n.\r\n';

export async function startSmtpGate(smtpUrl: string): Promise<SmtpGate> {
  const target = new URL(smtpUrl);
  const sockets = new Set<Socket>();
  const gate: SmtpGate = {
    url: '',
    refuse: null,
    transientFailures: 0,
    holdAfterData: false,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };

  const server: Server = createServer((client) => {
    const upstream = connect(Number(target.port), target.hostname);
    sockets.add(client).add(upstream);
    let inData = false;
    let held = false;
    let tail = '';
    let pending = '';
    upstream.on('data', (chunk: Buffer) => {
      if (!held) client.write(chunk);
    });
    const command = (line: string) => {
      const upper = line.toUpperCase();
      if (upper.startsWith('MAIL FROM:') && gate.transientFailures > 0) {
        gate.transientFailures--;
        client.write('451 4.3.0 Try again later (test gate)\r\n');
        return;
      }
      if (upper.startsWith('RCPT TO:') && gate.refuse?.test(line)) {
        client.write('550 5.1.1 Mailbox unavailable (test gate)\r\n');
        return;
      }
      upstream.write(`${line}\r\n`);
      if (upper === 'DATA') inData = true;
    };
    const body = (text: string) => {
      const end = (tail + text).indexOf(END_OF_DATA);
      if (end === -1) {
        upstream.write(text, 'latin1');
        tail = (tail + text).slice(-4);
        return '';
      }
      const upTo = end + END_OF_DATA.length - tail.length;
      upstream.write(text.slice(0, upTo), 'latin1');
      inData = false;
      tail = '';
      if (gate.holdAfterData) held = true;
      return text.slice(upTo);
    };
    client.on('data', (chunk: Buffer) => {
      let text = chunk.toString('latin1');
      while (text.length > 0) {
        if (inData) {
          text = body(text);
          continue;
        }
        pending += text;
        text = '';
        let newline: number;
        while (!inData && (newline = pending.indexOf('\r\n')) !== -1) {
          const line = pending.slice(0, newline);
          pending = pending.slice(newline + 2);
          command(line);
        }
        if (inData) {
          text = pending;
          pending = '';
        }
      }
    });
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  gate.url = `smtp://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return gate;
}
