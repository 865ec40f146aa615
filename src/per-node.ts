/**
 * Facts of a parsed operation, computed once per document instead of on every request. Apollo
 * Server keeps each query text's parsed and validated DocumentNode in its document store and hands
 * that same object to every request with the same text, so whatever depends on a document's nodes
 * alone (not on the variables) can be kept in a WeakMap keyed on the node: it lives as long as the
 * store keeps the document and needs no eviction of its own. The same holds for an object that is
 * itself kept with a node (a field's platform selection, say). Further arguments must be fixed by the
 * node (the document an operation node belongs to, say): they are not part of the key. A transport
 * that parses every operation afresh (graphql-ws) computes it each time, with the same result.
 */
export function perNode<K extends object, A extends unknown[], V>(compute: (node: K, ...rest: A) => V): (node: K, ...rest: A) => V {
  const cache = new WeakMap<K, V>();
  return (node, ...rest) => {
    if (cache.has(node)) return cache.get(node) as V;
    const value = compute(node, ...rest);
    cache.set(node, value);
    return value;
  };
}
