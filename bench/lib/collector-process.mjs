// The ingest side of every benchmark, in its own process so it never shares the
// subject's event loop. Prints {"url": …} once listening; stops on SIGTERM.
import { startCollector } from 'xrayradar'

const collector = await startCollector({ acceptSentryEnvelopes: true, keep: 10, port: 0 })
process.stdout.write(JSON.stringify({ url: collector.url }) + '\n')
process.on('SIGTERM', () => { collector.close().then(() => process.exit(0)) })
