import { readFileSync } from 'node:fs';
import { defineConfig, type Plugin } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

// GraphiQL (GET /graphql) loads from the binary, not from a CDN, so it works
// offline: its UMD builds and React's are copied into dist/graphiql/ as they
// are (source-map comments dropped: the maps are not shipped).
function graphiqlAssets(): Plugin {
  const files: Record<string, string> = {
    'graphiql/react.production.min.js': 'react/umd/react.production.min.js',
    'graphiql/react-dom.production.min.js': 'react-dom/umd/react-dom.production.min.js',
    'graphiql/graphiql.min.js': 'graphiql/graphiql.min.js',
    'graphiql/graphiql.min.css': 'graphiql/graphiql.min.css',
  };
  return {
    name: 'serverkit-graphiql-assets',
    apply: 'build',
    generateBundle() {
      for (const [fileName, from] of Object.entries(files)) {
        const text = readFileSync(new URL(`./node_modules/${from}`, import.meta.url), 'utf8');
        const source = text.replace(/\n?\/[/*]# sourceMappingURL=\S+(\s*\*\/)?\s*$/, '\n');
        this.emitFile({ type: 'asset', fileName, source });
      }
    },
  };
}

// The SPA is served by the ServerKit binary under /admin/ and talks to
// /graphql on the same origin. `npm run dev` proxies the API to a local server
// (SERVERKIT_DEV_API overrides its address).
const api = process.env.SERVERKIT_DEV_API ?? 'http://127.0.0.1:8080';
export default defineConfig({
  base: '/admin/',
  plugins: [svelte(), graphiqlAssets()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsDir: 'assets',
    sourcemap: false,
    // Vite's defaults name every asset assets/[name]-[hash].ext from its
    // content and embed no timestamps or absolute paths, so a rebuild from the
    // same sources (in any folder) is byte-identical; CI diffs dist/.
  },
  server: {
    port: 5173,
    strictPort: false,
    proxy: {
      '/graphql': { target: api, ws: true },
    },
  },
});
