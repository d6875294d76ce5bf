// Prints the bare sender's body (bench/lib/event-body.mjs), built in a process of its own
// so the process that sends it has loaded nothing of the SDK.
import { buildEventBody } from '../lib/event-body.mjs'

const args = JSON.parse(process.argv[2] ?? '{}')
process.stdout.write(JSON.stringify({ body: await buildEventBody(args.oursModule, args.dsn) }) + '\n')
process.exit(0)
