/**
 * Runs an assertion and, when it fails, puts `context` in front of its message: jest's `expect`
 * takes no message argument, and a bare "expected 500 to be less than 500" does not say which of
 * a thousand generated requests failed.
 */
export function withContext(context: string, assertion: () => void): void {
  try {
    assertion();
  } catch (error) {
    if (
      error instanceof Error ||
      (typeof error === 'object' && error !== null && 'message' in error)
    ) {
      const failure = error as Error;
      failure.message = `${context}\n\n${failure.message}`;
      throw failure;
    }
    throw error;
  }
}
