/**
 * The instance's data as an evaluation sees it: a view the library cannot change. JSONata writes
 * into what it is given in places (`keepSingleton` on a list, `undefined` pushed onto an empty
 * list it groups, `token`/`position` on an object it is asked to call); through the view, each
 * object it writes into gets a copy of its own on the first write, made then and seen by that
 * evaluation only. Reading costs a lookup per object reached; nothing is copied up front.
 */

/** Read through a view, gives what it shows (for walks that only read: much faster than through traps). */
const SHOWN = Symbol('shown');

/** What `value` shows if it is a view, else `value` itself; its contents are the data's own. */
export function shownBy<T>(value: T): T {
  return value !== null && typeof value === 'object' ? ((value as { [SHOWN]?: T })[SHOWN] ?? value) : value;
}

/** The views of one evaluation, by the object they show: one view per object, however reached. */
export type Views = Map<object, object>;

export function dataView<T>(value: T, views: Views): T {
  if (value === null || typeof value !== 'object') return value;
  const known = views.get(value);
  if (known) return known as T;
  const view = new Proxy(value as object, new CopyOnWrite(value as object, views));
  views.set(value as object, view);
  return view as T;
}

/** A proxy handler of prototype methods: a view costs two objects, not a closure per trap. */
class CopyOnWrite implements ProxyHandler<object> {
  private own: object | undefined;

  constructor(
    private readonly target: object,
    private readonly views: Views,
  ) {}

  private current(): object {
    return this.own ?? this.target;
  }

  private writable(): object {
    return (this.own ??= Array.isArray(this.target) ? [...this.target] : { ...this.target });
  }

  get(_t: object, key: string | symbol): unknown {
    if (key === SHOWN) return this.current();
    return dataView(Reflect.get(this.current(), key), this.views);
  }

  has(_t: object, key: string | symbol): boolean {
    return Reflect.has(this.current(), key);
  }

  ownKeys(): (string | symbol)[] {
    return Reflect.ownKeys(this.current());
  }

  getOwnPropertyDescriptor(_t: object, key: string | symbol): PropertyDescriptor | undefined {
    const d = Reflect.getOwnPropertyDescriptor(this.current(), key);
    return d && 'value' in d ? { ...d, value: dataView(d.value, this.views) } : d;
  }

  set(_t: object, key: string | symbol, value: unknown): boolean {
    return Reflect.set(this.writable(), key, value);
  }

  defineProperty(_t: object, key: string | symbol, descriptor: PropertyDescriptor): boolean {
    return Reflect.defineProperty(this.writable(), key, descriptor);
  }

  deleteProperty(_t: object, key: string | symbol): boolean {
    return Reflect.deleteProperty(this.writable(), key);
  }
}
