/**
 * The instance's data as an evaluation sees it: a view the library cannot change. JSONata writes
 * into what it is given in places (`keepSingleton` on a list, `undefined` pushed onto an empty
 * list it groups, `token`/`position` on an object it is asked to call); through the view, each
 * object it writes into gets a copy of its own on the first write, made then and seen by that
 * evaluation only. Reading costs a lookup per object reached; nothing is copied up front.
 */
export function dataView<T>(value: T, views: WeakMap<object, object> = new WeakMap()): T {
  if (value === null || typeof value !== 'object') return value;
  const known = views.get(value);
  if (known) return known as T;
  const view = new Proxy(value as object, copyOnWrite(value as object, views));
  views.set(value as object, view);
  return view as T;
}

function copyOnWrite(target: object, views: WeakMap<object, object>): ProxyHandler<object> {
  let own: object | undefined;
  const current = (): object => own ?? target;
  const writable = (): object => (own ??= Array.isArray(target) ? [...target] : { ...target });
  return {
    get: (_t, key) => dataView(Reflect.get(current(), key), views),
    has: (_t, key) => Reflect.has(current(), key),
    ownKeys: () => Reflect.ownKeys(current()),
    getOwnPropertyDescriptor: (_t, key) => {
      const d = Reflect.getOwnPropertyDescriptor(current(), key);
      return d && 'value' in d ? { ...d, value: dataView(d.value, views) } : d;
    },
    set: (_t, key, value) => Reflect.set(writable(), key, value),
    defineProperty: (_t, key, descriptor) => Reflect.defineProperty(writable(), key, descriptor),
    deleteProperty: (_t, key) => Reflect.deleteProperty(writable(), key),
  };
}
