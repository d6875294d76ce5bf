// The page's files (HTML, the script bundled from src/collector/page/, the style sheet,
// the icon), built by scripts/build-bundles.mjs into dist/collector/page-bundle.js as
// strings, so they travel inside any bundle of the package and need no file at run time.

export interface PageAssets {
  'index.html': string
  'app.js': string
  'app.css': string
  'icon.svg': string
}

/** The built files, or null when the build did not make them (tsc alone): the page then says so. */
export function loadPageAssets (): PageAssets | null {
  try {
    return require('./page-bundle') as PageAssets
  } catch {
    return null
  }
}
