/** Node identifiers: one recipe in one place, written `recipe@place`. */
export type NodeId = string & { readonly __brand: 'NodeId' };

export function nodeId(recipe: string, place: string): NodeId {
  return `${recipe}@${place}` as NodeId;
}

export function parseNodeRef(ref: string, defaultPlace: string): { recipe: string; place: string } {
  const at = ref.indexOf('@');
  if (at < 0) return { recipe: ref, place: defaultPlace };
  return { recipe: ref.slice(0, at), place: ref.slice(at + 1) || defaultPlace };
}

export function splitNodeId(id: NodeId): { recipe: string; place: string } {
  const at = id.indexOf('@');
  return { recipe: id.slice(0, at), place: id.slice(at + 1) };
}
