export const COMPARE_USAGE = 'zab-bench compare: (not yet)';
export async function runCompare(_argv: string[]): Promise<void> {
  throw new Error('compare: not yet');
}
