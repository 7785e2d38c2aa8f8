// Vite builds the dashboard into dist/, which the Go binary embeds (see
// embed.go); Vitest runs the component tests in jsdom.
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vitest/config';

// The berth server that `npm run dev` forwards API calls to.
const backend = process.env.BERTH_DEV_BACKEND ?? 'http://127.0.0.1:8080';

export default defineConfig({
  plugins: [react()],
  build: {
    outDir: 'dist',
    // scripts/clean-dist.mjs empties dist/ but keeps dist/.gitkeep, which
    // go:embed needs when no UI has been built.
    emptyOutDir: false,
    manifest: true,
    target: 'es2022',
    assetsInlineLimit: 0, // no data: URLs for assets: everything is a file the CSP allows as 'self'
    sourcemap: false,
    rolldownOptions: {
      output: {
        // React and the router change less often than the app: their own
        // chunk stays cached (immutable, by hash) across dashboard releases.
        advancedChunks: { groups: [{ name: 'vendor', test: /node_modules/ }] },
      },
    },
  },
  server: {
    // The tests read the server's open-redirect corpus (src/lib/next.test.ts).
    fs: { allow: ['.', '../internal/webserver/testdata'] },
    proxy: {
      '/api': { target: backend, ws: true },
      '/server': backend,
      '/fn': backend,
    },
  },
  test: {
    environment: 'jsdom',
    setupFiles: ['src/test/setup.ts'],
    include: ['src/**/*.test.{ts,tsx}'],
    css: false,
    // Above the 5 s that findBy and waitFor wait (src/test/setup.ts), so a
    // failing wait reports what it waited for.
    testTimeout: 15000,
  },
});
