// The helpers most tests import, gathered from test/utils/ (each file there holds one kind).
export { TOKEN, setup } from './utils/collector.mjs'
export { fixture, spoolFile } from './utils/fixtures.mjs'
export { userCommand, runFixture } from './utils/child.mjs'
