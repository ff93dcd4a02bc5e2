/** Jest global teardown: tells the infrastructure process to stop what it started, and waits. */
export default async function globalTeardown() {
  const infra = globalThis.__msyncInfra;
  if (!infra) return;
  globalThis.__msyncInfra = undefined;
  infra.proc.stdin.end('down\n');
  await infra.exited;
}
