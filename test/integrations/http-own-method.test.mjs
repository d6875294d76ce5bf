// How the HTTP integration puts its methods on Node's objects and takes them back.
import t from 'tap'
import { replaceMethod, setOwnMethod } from '../../dist/integrations/http/own-method.js'

t.test('an own method: replaced with make(own), hidden from Object.keys, put back by the undo', async (t) => {
  const original = function on () { return 'original' }
  const target = { on: original }
  let seen
  const undo = replaceMethod(target, 'on', (own) => { seen = own; return function ours () { return 'ours:' + own() } })
  t.equal(seen, original, 'make() gets the own method it replaces')
  t.equal(target.on(), 'ours:original')
  t.same(Object.keys(target), [], 'the replacement is not enumerable')
  undo()
  t.equal(target.on, original, 'the undo puts the original back')
  t.same(Object.keys(target), ['on'], 'as the enumerable property it was')
})

t.test('an inherited method: make() gets undefined, the undo deletes the own property', async (t) => {
  const parent = { on () { return 'parent' } }
  const target = Object.create(parent)
  let seen = 'not called'
  const undo = replaceMethod(target, 'on', (own) => { seen = own; return function ours () { return 'ours' } })
  t.equal(seen, undefined, 'make() gets undefined where the method is inherited')
  t.equal(target.on(), 'ours')
  undo()
  t.equal(Object.hasOwn(target, 'on'), false, 'no own property after the undo')
  t.equal(target.on(), 'parent', 'the inherited method shows again')
})

t.test('code that wrapped the method after us keeps its wrapper at the undo', async (t) => {
  const target = { on () { return 'original' } }
  const undo = replaceMethod(target, 'on', (own) => function ours () { return 'ours:' + own() })
  const ours = target.on
  const later = function later () { return 'later:' + ours() }
  target.on = later
  undo()
  t.equal(target.on, later, 'the later wrapper stays')
  t.equal(target.on(), 'later:ours:original', 'and still calls ours')
})

t.test('a property that cannot be defined throws and changes nothing', async (t) => {
  const original = function on () {}
  const target = Object.freeze({ on: original })
  t.throws(() => replaceMethod(target, 'on', () => function ours () {}), TypeError)
  t.equal(target.on, original)
  const sealed = Object.preventExtensions({})
  t.throws(() => setOwnMethod(sealed, 'emit', function emit () {}), TypeError)
  t.equal(Object.hasOwn(sealed, 'emit'), false)
})
