import type { CodegenConfig } from '@graphql-codegen/cli';

// Re-runnable: `npm run codegen` regenerates src/generated/graphql.ts from the
// repo's schema.graphql and the gql`` operations under src/.
const config: CodegenConfig = {
  overwrite: true,
  schema: '../schema.graphql',
  documents: ['src/**/*.ts', '!src/generated/**'],
  generates: {
    'src/generated/graphql.ts': {
      plugins: [
        'typescript',
        'typescript-operations',
      ],
      config: {
        onlyOperationTypes: true,
        enumsAsTypes: true,
        skipTypename: true,
        useTypeImports: true,
        avoidOptionals: { field: true, inputValue: false, object: false, defaultValue: false },
        scalars: { DateTime: 'string', ID: 'string', JSON: 'unknown' },
      },
    },
  },
};

export default config;
