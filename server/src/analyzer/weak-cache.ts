// A value computed once per tuple of objects (a SourceFile, a model, a config, a checker), held
// only as long as every one of them is alive: nested WeakMaps, so a tsserver that hands the same
// SourceFile to a new program and checker on every edit drops the old checker's entries with it.

export class WeakCache<V> {
  private readonly root = new WeakMap<object, Node<V>>();

  get(keys: readonly [object, ...object[]], compute: () => V): V {
    let level = this.root;
    let node: Node<V> | undefined;
    for (const key of keys) {
      node = level.get(key);
      if (!node) level.set(key, (node = { next: new WeakMap() }));
      level = node.next;
    }
    if (!("value" in node!)) node!.value = compute();
    return node!.value as V;
  }
}

interface Node<V> {
  next: WeakMap<object, Node<V>>;
  value?: V;
}
