import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';

// ---------------------------------------------------------------------------------------------
// Layer rule: which folder of a package may import which (docs/architecture.md, "Layers").
// A folder imports only folders listed for it (and its own files); nothing imports the package's
// root files (composition roots and entry points). Spec files and testing/ are exempt: they
// compose whole applications. An import that climbs fails lint with the layer it broke.

/** gateway-api/src: the platform floors in order (each may import those before it), then features. */
const GATEWAY_PLATFORM = ['common', 'config', 'crypto', 'database', 'metrics', 'ledger', 'http'];
/** Each feature may import the whole platform and the features listed for it. */
const GATEWAY_FEATURES = {
  idempotency: [],
  auth: [],
  health: [],
  transactions: [],
  events: [],
  'read-model': ['events'],
  assets: ['read-model', 'events'],
  'personal-data': ['assets'],
  webhooks: ['events'],
  sinks: ['events'],
  functions: ['events'],
  console: ['auth'],
};
const GATEWAY_LAYERS = {
  ...Object.fromEntries(GATEWAY_PLATFORM.map((f, i) => [f, GATEWAY_PLATFORM.slice(0, i)])),
  ...Object.fromEntries(
    Object.entries(GATEWAY_FEATURES).map(([f, deps]) => [f, [...GATEWAY_PLATFORM, ...deps]]),
  ),
};
/** chaincode/src: `constants` (a file) is the dependency-free ground floor shared with gateway and infra. */
const CHAINCODE_LAYERS = {
  domain: ['constants'],
  access: ['constants', 'domain'],
  migration: ['constants', 'domain'],
  contracts: ['constants', 'domain', 'access', 'migration'],
};

/**
 * infra/src: `common` (CLI errors, running tools) and `topology` (the network model and its files)
 * are the ground floors; `fabric` (Fabric protocol clients) and `aws` take endpoints and options,
 * never a network; `identity` (Fabric CA) builds on them, `local` (the local network) on all of
 * those, and the lifecycle, migration, commands and benchmarks on top.
 */
const INFRA_LAYERS = {
  common: [],
  topology: ['common'],
  fabric: ['common'],
  aws: ['common'],
  identity: ['common', 'topology', 'fabric'],
  local: ['common', 'topology', 'fabric', 'identity'],
  lifecycle: ['common', 'topology', 'fabric', 'identity', 'local'],
  migrate: ['common', 'topology', 'fabric', 'local'],
  commands: ['common', 'topology', 'fabric', 'aws', 'identity', 'local', 'lifecycle', 'migrate'],
  bench: ['common', 'topology', 'fabric', 'identity', 'local', 'lifecycle', 'migrate'],
};

const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * no-restricted-imports blocks for every folder of `layers` under `root`, one per nesting depth
 * (a relative import climbs as many `../` as the file is deep).
 */
function layerRules(root, layers, rootModules) {
  const everything = [...new Set([...Object.keys(layers), ...Object.values(layers).flat(), 'testing'])];
  return Object.entries(layers).flatMap(([folder, allowed]) => {
    const banned = everything.filter((f) => f !== folder && !allowed.includes(f));
    return [1, 2, 3, 4].map((depth) => {
      const up = escape('../'.repeat(depth));
      return {
        files: [`${root}/${folder}/${'*/'.repeat(depth - 1)}*.ts`],
        ignores: ['**/*.spec.ts', '**/testing/**'],
        rules: {
          'no-restricted-imports': [
            'error',
            {
              patterns: [
                {
                  regex: `^${up}(${banned.map(escape).join('|')})(/|$)`,
                  message: `layer rule: ${root}/${folder} may import only ${allowed.join(', ') || 'nothing of its package'} (docs/architecture.md)`,
                },
                ...(rootModules.length > 0
                  ? [
                      {
                        regex: `^${up}(${rootModules.map(escape).join('|')})$`,
                        message: `layer rule: nothing imports the composition root (${root}/*.ts)`,
                      },
                    ]
                  : []),
              ],
            },
          ],
        },
      };
    });
  });
}

export default tseslint.config(
  {
    ignores: [
      '**/dist/**',
      '**/node_modules/**',
      '**/coverage/**',
      '.fabric/**',
      '.tools/**',
      '.network/**',
      '.data/**',
      '**/*.js',
      '**/*.mjs',
      '**/*.cjs',
    ],
  },
  eslint.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  {
    files: ['chaincode/src/**/*.ts'],
    ignores: ['chaincode/src/**/*.spec.ts'],
    rules: { 'no-console': 'error' },
  },
  {
    // The contract and its unit tests are also built for AWS Managed Blockchain's Fabric 2.2 peers,
    // which run Node 12 (chaincode/fabric-2.2, ES2019): no `node:` specifiers, no BigInt literals.
    files: ['chaincode/src/**/*.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: 'ImportDeclaration[source.value=/^node:/]',
          message: 'Node 12 (the Fabric 2.2 build) has no `node:` specifiers: import the bare module name',
        },
        {
          selector: 'Literal[bigint]',
          message: 'the Fabric 2.2 build targets ES2019, which has no BigInt literals: write BigInt(n)',
        },
      ],
    },
  },
  ...layerRules('gateway-api/src', GATEWAY_LAYERS, [
    'app.module',
    'platform.module',
    'bootstrap',
    'main',
    'admin',
    'key-check',
  ]),
  ...layerRules('chaincode/src', CHAINCODE_LAYERS, ['index']),
  ...layerRules('infra/src', INFRA_LAYERS, ['cli']),
  {
    files: ['chaincode/src/constants.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^\\.',
              message: 'layer rule: the constants entry imports nothing (gateway and infra load it)',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.spec.ts', 'test/**/*.ts'],
    rules: { '@typescript-eslint/unbound-method': 'off' },
  },
);
