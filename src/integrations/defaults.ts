import type { Integration } from '../shared/integration'
import { httpIntegration } from './http'
import { consoleIntegration } from './logging/console'

/** The integrations init() sets up unless defaultIntegrations: false (fresh objects per client). */
export function getDefaultIntegrations (): Integration[] {
  return [
    httpIntegration(),
    consoleIntegration()
  ]
}
