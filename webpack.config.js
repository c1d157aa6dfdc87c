// Bundles the Fashion-MNIST demo (www/demo/) into dist/demo/.
//
// The page imports the library the way a user would: `import ... from 'sqlite-vector'`.
// The bare name resolves to the built browser package dist/sqlite-vector.js (run the wasm
// build first: `npm run build` does both). webpack 5 follows the package's
// `new Worker(new URL('./worker.js', import.meta.url), { type: 'module' })` and the
// wasm-bindgen glue's `new URL('*_bg.wasm', import.meta.url)` by itself: the worker becomes
// its own chunk and the .wasm an emitted asset.
//
//   npx webpack --config webpack.config.js
//
// dist/demo/data/ (written by scripts/fashion-mnist.mjs) is left alone by the clean step.
// The web app manifest and icons are copied; dist/demo/sw.js, the service worker, is written
// after the emit with the list of emitted files (scripts/sw-plugin.mjs).
import { fileURLToPath } from 'node:url';
import { dirname, resolve } from 'node:path';
import { existsSync } from 'node:fs';
import HtmlWebpackPlugin from 'html-webpack-plugin';
import CopyWebpackPlugin from 'copy-webpack-plugin';
import { ServiceWorkerPlugin } from './scripts/sw-plugin.mjs';

const root = dirname(fileURLToPath(import.meta.url));
const library = resolve(root, 'dist/sqlite-vector.js');

if (!existsSync(library)) {
  throw new Error(`${library} not found: build the library first (npm run build).`);
}

export default {
  mode: 'production',
  context: root,
  entry: { demo: './www/demo/demo.js' },
  output: {
    path: resolve(root, 'dist/demo'),
    filename: '[name].js',
    chunkFilename: 'worker-[name].js', // the library's worker (named 'sqlite-vector')
    assetModuleFilename: '[name][ext]',
    publicPath: 'auto',
    clean: { keep: /^data[\\/]/ },
  },
  resolve: {
    alias: { 'sqlite-vector$': library },
  },
  plugins: [
    new HtmlWebpackPlugin({
      template: './www/demo/index.html',
      filename: 'index.html',
      scriptLoading: 'defer',
      inject: 'body',
      minify: false,
    }),
    new CopyWebpackPlugin({
      patterns: [
        { from: 'www/demo/demo.css', to: 'demo.css' },
        { from: 'www/demo/manifest.webmanifest', to: 'manifest.webmanifest' },
        { from: 'www/demo/icons', to: 'icons' },
      ],
    }),
    // Last: dist/demo/sw.js, precaching exactly the files emitted above (and data/).
    new ServiceWorkerPlugin({ template: resolve(root, 'www/demo/sw.js') }),
  ],
  devtool: 'source-map',
  performance: { hints: false }, // the .wasm is ~1.6 MB by nature
  stats: 'minimal',
};
