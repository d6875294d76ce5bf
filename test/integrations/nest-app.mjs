// The NestJS app the nest tests share, for Nest 11 (devDependencies) and Nest 10 (the
// test/fixtures/nest10 workspace), with the Express or the Fastify adapter. Decorators are
// applied as functions: the tests are plain JavaScript.
import 'reflect-metadata'
import { createRequire } from 'node:module'
import { fixture } from '../helpers.mjs'
import { setupNestErrorHandler } from 'xrayradar'

const require11 = createRequire(import.meta.url)
const require10 = createRequire(fixture('nest10/package.json'))

/** Nest's packages of one major, each from its own install. */
export function loadNest (major) {
  const req = major === 10 ? require10 : require11
  const nest = {
    major,
    core: req('@nestjs/core'),
    common: req('@nestjs/common'),
    platforms: { express: req('@nestjs/platform-express'), fastify: req('@nestjs/platform-fastify') }
  }
  if (!nest.core.NestFactory || !String(req('@nestjs/core/package.json').version).startsWith(`${major}.`)) throw new Error(`not Nest ${major}`)
  return nest
}

/** What each path does and whether its error is reported by default. */
export const PATHS = {
  '/api/users/7': { reported: true, route: 'GET /api/users/:id', message: 'user 7 broke' },
  '/api/users/7/forbidden': { reported: false, message: 'not yours' }, // HttpException 403
  '/api/down': { reported: true, route: 'GET /api/down', message: 'down for maintenance' }, // HttpException 503
  '/api/internal': { reported: true, route: 'GET /api/internal', message: 'Internal Server Error' }, // InternalServerErrorException
  '/api/gone': { reported: false, message: 'Not Found' }, // NotFoundException
  '/api/missing': { reported: false }, // no such route: Nest's own 404
  '/api/echo': { reported: false, method: 'POST', body: '{not json' }, // the body parser's 400
  '/api/ok': { reported: false }
}

/** Builds the app module of one major (decorators applied as functions). */
function appModule (nest) {
  const { Controller, Get, Post, Param, Body, Module, HttpException, InternalServerErrorException, NotFoundException } = nest.common
  const method = (decorator, cls, name) => decorator(cls.prototype, name, Object.getOwnPropertyDescriptor(cls.prototype, name))

  class UsersController {
    async get (id) { throw new Error(`user ${id} broke`) }
    async forbidden () { throw new HttpException('not yours', 403) }
  }
  Controller('users')(UsersController)
  method(Get(':id'), UsersController, 'get')
  Param('id')(UsersController.prototype, 'get', 0)
  method(Get(':id/forbidden'), UsersController, 'forbidden')

  class MiscController {
    down () { throw new HttpException('down for maintenance', 503) }
    internal () { throw new InternalServerErrorException() }
    gone () { throw new NotFoundException() }
    echo (body) { return body }
    ok () { return { ok: true } }
  }
  Controller()(MiscController)
  method(Get('down'), MiscController, 'down')
  method(Get('internal'), MiscController, 'internal')
  method(Get('gone'), MiscController, 'gone')
  method(Post('echo'), MiscController, 'echo')
  Body()(MiscController.prototype, 'echo', 0)
  method(Get('ok'), MiscController, 'ok')

  class AppModule {}
  Module({ controllers: [UsersController, MiscController] })(AppModule)
  return AppModule
}

/**
 * Creates, sets up and starts the app on 127.0.0.1:0; returns { app, base }.
 * sdk: options for setupNestErrorHandler, or null for none; before(app) runs after create.
 */
export async function startNestApp (t, nest, adapter, sdk, before = () => {}) {
  const { NestFactory } = nest.core
  const platform = adapter === 'fastify' ? new nest.platforms.fastify.FastifyAdapter() : new nest.platforms.express.ExpressAdapter()
  const app = await NestFactory.create(appModule(nest), platform, { logger: false })
  app.setGlobalPrefix('api')
  if (sdk !== null) setupNestErrorHandler(app, sdk)
  before(app)
  await app.listen(0, '127.0.0.1')
  t.teardown(() => app.close())
  const { port } = app.getHttpServer().address()
  return { app, base: `http://127.0.0.1:${port}` }
}
