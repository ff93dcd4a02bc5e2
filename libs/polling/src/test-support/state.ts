import { RetriableError, type PollStateStore } from '@msync/platform';

/**
 * Wraps a poll state so that the first call of `step` fails as if the process died just before
 * it; later calls go through. Shows what a crash between publishing and saving leaves behind.
 */
export function failingOnce(
  step: 'remember' | 'saveCursor',
  why: string,
): (state: PollStateStore) => PollStateStore {
  return (state) => {
    let calls = 0;
    const fail = (): void => {
      if (calls++ === 0) throw new RetriableError(why);
    };
    return step === 'remember'
      ? {
          ...state,
          remember: async (...args) => {
            fail();
            return state.remember(...args);
          },
        }
      : {
          ...state,
          saveCursor: async (...args) => {
            fail();
            return state.saveCursor(...args);
          },
        };
  };
}
