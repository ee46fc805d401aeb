// Builds the coach web app (apps/web) into one folder the gateway serves: index.html and hashed
// assets. esbuild alone (one dependency, no plugins): TSX and CSS in, minified ES2020 out.
//   node tools/build-web.js [outDir]      (default dist/web; npm run build runs it)
const esbuild = require('esbuild');
const fs = require('node:fs');
const path = require('node:path');

async function buildWeb(outDir = path.join(__dirname, '..', 'dist', 'web'), { minify = true } = {}) {
  fs.rmSync(outDir, { recursive: true, force: true });
  const assets = path.join(outDir, 'assets');
  const result = await esbuild.build({
    entryPoints: [path.join(__dirname, '..', 'apps', 'web', 'src', 'main.tsx')],
    bundle: true,
    outdir: assets,
    entryNames: '[name]-[hash]',
    format: 'esm',
    target: ['es2020'],
    jsx: 'automatic',
    minify,
    sourcemap: true,
    metafile: true,
    define: { 'process.env.NODE_ENV': '"production"' },
    tsconfig: path.join(__dirname, '..', 'apps', 'web', 'tsconfig.json'),
    logLevel: 'warning',
  });
  const outputs = Object.keys(result.metafile.outputs).map((file) => path.basename(file));
  const script = outputs.find((file) => file.endsWith('.js'));
  const style = outputs.find((file) => file.endsWith('.css'));
  const template = fs.readFileSync(path.join(__dirname, '..', 'apps', 'web', 'index.html'), 'utf8');
  // The icon, inlined in the page (the browser asks for no /favicon.ico) and kept beside it for the
  // gateway to answer /favicon.ico with (a JSON page or an old bookmark still asks for that one).
  const icon = fs.readFileSync(path.join(__dirname, '..', 'apps', 'web', 'favicon.svg'), 'utf8').trim();
  fs.writeFileSync(path.join(outDir, 'favicon.svg'), icon);
  fs.writeFileSync(
    path.join(outDir, 'index.html'),
    template
      .replace('<!--icon-->', `<link rel="icon" type="image/svg+xml" href="data:image/svg+xml,${encodeURIComponent(icon)}">`)
      .replace('<!--style-->', style ? `<link rel="stylesheet" href="/assets/${style}">` : '')
      .replace('<!--script-->', `<script type="module" src="/assets/${script}"></script>`),
  );
  return outDir;
}

module.exports = { buildWeb };

if (require.main === module) {
  buildWeb(process.argv[2] ? path.resolve(process.argv[2]) : undefined).then(
    (dir) => process.stdout.write(`web app built into ${path.relative(process.cwd(), dir) || '.'}\n`),
    (error) => {
      process.stderr.write(`${error.stack ?? error}\n`);
      process.exit(1);
    },
  );
}
