import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

// The SPA is served by the ServerKit binary under /admin/ and talks to
// /graphql on the same origin. `npm run dev` proxies the API to a local server
// (SERVERKIT_DEV_API overrides its address).
const api = process.env.SERVERKIT_DEV_API ?? 'http://127.0.0.1:8080';
export default defineConfig({
  base: '/admin/',
  plugins: [svelte()],
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
