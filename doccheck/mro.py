"""C3 linearisation (Python's method resolution order), shared by the code model and the signature checks.

The two callers linearise different records (`project.Definition` over libcst trees, the signature
checker's `_Class` over ``ast`` trees); `key` names an entry, so both merge with the same rule.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable


def c3_merge(sequences: list[list], key: Callable[[object], Hashable]) -> list | None:
    """The C3 merge of `sequences` (each base's linearisation, then the bases themselves); None when no
    consistent order exists (Python raises TypeError for such a class)."""
    seqs = [list(s) for s in sequences if s]
    result = []
    while seqs:
        for seq in seqs:
            head = key(seq[0])
            if not any(head in [key(x) for x in other[1:]] for other in seqs):
                break
        else:
            return None
        result.append(seq[0])
        seqs = [[x for x in s if key(x) != head] for s in seqs]
        seqs = [s for s in seqs if s]
    return result
