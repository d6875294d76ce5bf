// Read once from package.json so the version on the wire can never drift from the package.
// eslint-disable-next-line @typescript-eslint/no-var-requires
export const SDK_VERSION: string = (require('../../package.json') as { version: string }).version
export const SDK_NAME = 'xrayradar-node'
