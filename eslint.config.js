// ESLint, run by `npm test` before the tests: typescript-eslint's recommended rules (less the
// few this code base has chosen otherwise), and two guardrails of the design:
// - packages/quorum's core is a pure state machine: no I/O, no clock, no randomness;
// - no module-level mutable state in packages/*/src.
// test/lint/rules.test.ts shows each guardrail failing on a violation.
import { builtinModules } from 'node:module';
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';
import noMutatedModuleState from './eslint/no-mutated-module-state.js';

// The quorum core may use node:assert (its invariants) and nothing else of Node's.
const IO_MODULES = builtinModules.filter((m) => !m.startsWith('_') && m !== 'assert' && m !== 'assert/strict');

const PURITY_SYNTAX = [
  { selector: 'ImportExpression', message: 'the quorum core is pure: no dynamic imports' },
  { selector: "MemberExpression[object.name='globalThis']", message: 'the quorum core is pure: no reaching for globals through globalThis' },
];

const MODULE_STATE_SYNTAX = ['Program', 'Program > ExportNamedDeclaration'].map((parent) => ({
  selector: `${parent} > VariableDeclaration[kind!='const']`,
  message: 'no module-level mutable state: a module-level let or var outlives every instance; keep it in the object that owns it',
}));

const quorumPurity = {
  'no-restricted-imports': [
    'error',
    {
      paths: IO_MODULES.flatMap((m) => [m, `node:${m}`]).map((name) => ({
        name,
        message: 'the quorum core is pure: I/O, clocks and randomness belong to its driver (transport/, packages/server)',
      })),
    },
  ],
  'no-restricted-globals': [
    'error',
    ...['Date', 'performance', 'setTimeout', 'setInterval', 'setImmediate', 'clearTimeout', 'clearInterval', 'clearImmediate', 'queueMicrotask', 'crypto', 'fetch'].map(
      (name) => ({ name, message: 'the quorum core is pure: time is ticks, randomness an injected seeded RNG' }),
    ),
  ],
  'no-restricted-properties': [
    'error',
    { object: 'Math', property: 'random', message: 'the quorum core is pure: use the injected seeded RNG' },
    ...['hrtime', 'uptime', 'nextTick', 'cpuUsage'].map((property) => ({ object: 'process', property, message: 'the quorum core is pure: time is ticks' })),
  ],
  'no-restricted-syntax': ['error', ...PURITY_SYNTAX],
};

export default defineConfig(
  { ignores: ['**/dist/**', '**/node_modules/**', '**/*.d.ts', 'data/**', 'logs/**'] },
  {
    files: ['**/*.ts'],
    extends: [js.configs.recommended, ...tseslint.configs.recommended],
    rules: {
      // Chosen otherwise here: records decoded from the wire are `any` at the codec boundary,
      // and unused parameters name what a callback receives.
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { args: 'none', caughtErrors: 'none', ignoreRestSiblings: true }],
    },
  },
  {
    files: ['packages/*/src/**/*.ts'],
    ignores: ['**/*.test.ts'],
    plugins: { zab: { rules: { 'no-mutated-module-state': noMutatedModuleState } } },
    rules: {
      'zab/no-mutated-module-state': 'error',
      'no-restricted-syntax': ['error', ...MODULE_STATE_SYNTAX],
    },
  },
  {
    // The core: everything but the TCP transport and the simulator's command-line entry.
    files: ['packages/quorum/src/**/*.ts'],
    ignores: ['packages/quorum/src/transport/**', 'packages/quorum/src/sim/run.ts'],
    rules: quorumPurity,
  },
  {
    // The core's own sources may not read the environment either (its tests may: seed
    // counts); both guardrails' syntax bans hold there, as one rule setting replaces another.
    files: ['packages/quorum/src/**/*.ts'],
    ignores: ['packages/quorum/src/transport/**', 'packages/quorum/src/sim/run.ts', '**/*.test.ts'],
    rules: {
      'no-restricted-globals': [...quorumPurity['no-restricted-globals'], { name: 'process', message: 'the quorum core is pure: configuration is passed in' }],
      'no-restricted-syntax': ['error', ...PURITY_SYNTAX, ...MODULE_STATE_SYNTAX],
    },
  },
);
