"""Custom context keys that look like misspellings of built-in ones.

The spec loader rejects such a key in ``context.requires``, and :meth:`Context.replace`
(so :func:`bind_context`) rejects it as a keyword, by the same rule. The rule lives in
the runtime package because the runtime must not import the spec loader, and this
module imports nothing else of opsgen.
"""

from __future__ import annotations

from collections.abc import Iterable

#: Words shorter than this are left alone: `ip` and `id` are one letter apart but mean different things.
_NEAR_MISS_MIN_WORD = 4


def near_builtin_context_key(key: str, builtin_keys: Iterable[str]) -> str | None:
    """Return the key of ``builtin_keys`` that ``key``, a custom one, looks like a misspelling of, or None.

    ``key`` is a misspelling when it is a built-in key with underscores left out or added
    (``requestid``). It is one too when the two differ in one word only, that word has
    at least 4 letters in both and starts with the same letter, and the two spellings of
    the word are one edit apart (``organisation``, ``actr``, ``reqeust_id``). Typing errors seldom change the first
    letter, so ``factor`` is a word of its own. A key with a word more or less
    (``organization_id``), a changed short word (``request_ip``) or a word two edits
    away (``requester_id``, ``correction_id``) is a custom key.
    """
    words = key.split("_")
    for builtin in sorted(builtin_keys):
        if key.replace("_", "") == builtin.replace("_", ""):
            return builtin
        builtin_words = builtin.split("_")
        if len(words) != len(builtin_words):
            continue
        differing = [(ours, theirs) for ours, theirs in zip(words, builtin_words) if ours != theirs]
        if len(differing) != 1:
            continue
        ours, theirs = differing[0]
        if min(len(ours), len(theirs)) < _NEAR_MISS_MIN_WORD or ours[0] != theirs[0]:
            continue
        if _one_edit_apart(ours, theirs):
            return builtin
    return None


def _one_edit_apart(first: str, second: str) -> bool:
    """Return whether two different words are at Damerau-Levenshtein distance 1.

    That is one letter inserted, deleted or substituted, or two adjacent letters transposed.
    """
    if len(first) > len(second):
        first, second = second, first
    if len(second) - len(first) > 1:
        return False
    start = 0
    while start < len(first) and first[start] == second[start]:
        start += 1
    if len(first) < len(second):
        return first[start:] == second[start + 1:]
    if first[start + 1:] == second[start + 1:]:
        return True
    swapped = start + 1 < len(first) and first[start] == second[start + 1] and first[start + 1] == second[start]
    return swapped and first[start + 2:] == second[start + 2:]
