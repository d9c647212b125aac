/** A slot as selection sees it: who it carries now. */
export interface SlotHolder {
  participantId: string | null;
}

/** A change selection asks for: put `source` (or nothing) into `slot`. */
export interface SlotChange<S, P> {
  slot: S;
  source: P | null;
}

/**
 * Decides which sources fill a receiver's slots. `ranked` lists the eligible sources, best
 * first. Slots whose holder is no longer eligible are emptied; empty slots take the best
 * unplaced sources; when every slot is taken, the weakest holder gives way only to a better
 * ranked challenger that `beats` it, so small changes in rank do not make slots flap.
 * Returns the changes in the order to apply them; `slots` is not modified.
 */
export function selectSlots<S extends SlotHolder, P extends { participantId: string }>(
  slots: readonly S[],
  ranked: readonly P[],
  beats: (challenger: P, holder: P) => boolean,
): SlotChange<S, P>[] {
  const rank = new Map(ranked.map((p, i) => [p.participantId, i]));
  const byId = new Map(ranked.map((p) => [p.participantId, p]));
  const holder = new Map<S, string | null>(slots.map((s) => [s, s.participantId]));
  const changes: SlotChange<S, P>[] = [];
  const put = (slot: S, source: P | null) => {
    holder.set(slot, source?.participantId ?? null);
    changes.push({ slot, source });
  };
  for (const s of slots) {
    const id = holder.get(s)!;
    if (id !== null && !byId.has(id)) put(s, null);
  }
  for (const source of ranked) {
    if ([...holder.values()].includes(source.participantId)) continue;
    const free = slots.find((s) => holder.get(s) === null);
    if (free) {
      put(free, source);
      continue;
    }
    let weakest: S | null = null;
    for (const s of slots) if (!weakest || rank.get(holder.get(s)!)! > rank.get(holder.get(weakest)!)!) weakest = s;
    if (!weakest) break;
    const current = byId.get(holder.get(weakest)!)!;
    if (rank.get(source.participantId)! < rank.get(current.participantId)! && beats(source, current)) put(weakest, source);
  }
  return changes;
}
