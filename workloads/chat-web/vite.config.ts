// Build of the web client: Preact JSX through Vite's own transformer, one hashed bundle in dist/
// that the chat gateway serves (immutable assets, index.html revalidated).
import { defineConfig } from "vite";

export default defineConfig({
  root: import.meta.dirname,
  base: "/",
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    sourcemap: false,
    assetsInlineLimit: 0,
  },
});
