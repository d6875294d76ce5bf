import { spawn } from 'node:child_process'
import autocannon from 'autocannon'
const [framework, subject, dir] = process.argv.slice(2)
const child = spawn(process.execPath, ['--cpu-prof', '--cpu-prof-dir', dir, '--cpu-prof-name', `${framework}-${subject}.cpuprofile`, 'bench/scenarios/http-server.mjs', JSON.stringify({ subject, framework, dsn: 'http://k@127.0.0.1:9/1' })], { stdio: ['ignore', 'pipe', 'inherit'] })
const port = await new Promise((r) => child.stdout.once('data', (d) => r(JSON.parse(String(d).split('\n')[0]).port)))
const r = await autocannon({ url: `http://127.0.0.1:${port}/api/users/42`, connections: 20, duration: 3 })
console.log(framework, subject, r.requests.average)
child.kill('SIGTERM')
await new Promise((r) => child.once('exit', r))
