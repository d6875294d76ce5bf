import type { Integration, IntegrationClient, IntegrationsOption } from '../shared/integration'
import { describeThrown } from '../capture/normalize'
import { registerClient } from './active-client'
import { ConfigurationError } from '../shared/errors'

// Sets a client's integrations up: the defaults (unless defaultIntegrations: false) and the
// user's, resolved into one list in which a name appears once (the last listed wins, so a
// user's httpIntegration({ … }) replaces the default one). An integration that throws while
// setting up is skipped with one stderr line: a broken integration never stops init().

const setUpOnce = new Set<string>()

export function resolveIntegrations (defaults: Integration[], given: IntegrationsOption | null, useDefaults: boolean): Integration[] {
  const base = useDefaults ? defaults : []
  let list: unknown
  try {
    list = given === null ? base : typeof given === 'function' ? given(base) : [...base, ...given]
  } catch (err) {
    throw new ConfigurationError(`the integrations function threw (${describeThrown(err)}); it is given the default integrations and must return a list, such as (defaults) => [...defaults, pinoIntegration()].`)
  }
  if (!Array.isArray(list)) throw new ConfigurationError('the integrations function must return a list of integrations, such as (defaults) => [...defaults, pinoIntegration()]; it returned something else.')
  const byName = new Map<string, Integration>()
  for (const item of list as unknown[]) {
    const i = item as Integration
    if (i === null || typeof i !== 'object' || typeof i.name !== 'string') continue
    byName.delete(i.name)
    byName.set(i.name, i)
  }
  return [...byName.values()]
}

/** Runs setupOnce/setup; returns the teardowns (newest first is the caller's order to run them). */
export function setupIntegrations (client: IntegrationClient, list: Integration[]): Array<() => void> {
  const teardowns: Array<() => void> = [registerClient(client)]
  for (const integration of list) {
    try {
      if (typeof integration.setupOnce === 'function' && !setUpOnce.has(integration.name)) {
        setUpOnce.add(integration.name)
        integration.setupOnce()
      }
      if (typeof integration.setup === 'function') {
        const undo = integration.setup(client)
        if (typeof undo === 'function') teardowns.push(undo)
      }
    } catch (err) {
      process.stderr.write(`[xrayradar] integration "${integration.name}" failed to set up (${describeThrown(err)}); it is off for this client.\n`)
    }
  }
  return teardowns
}
