# expect: none
"""Tag maintenance for the notes app, stored in SQLite.

Renaming a tag creates the new name, moves every note to it and drops the old
one.
"""

import aiosqlite


async def rename_tag(path: str, old: str, new: str) -> None:
    async with aiosqlite.connect(path) as db:
        await db.execute("INSERT INTO tags (name) VALUES (?)", (new,))
        await db.execute("UPDATE note_tags SET tag = ? WHERE tag = ?", (new, old))
        await db.execute("DELETE FROM tags WHERE name = ?", (old,))
        await db.commit()
