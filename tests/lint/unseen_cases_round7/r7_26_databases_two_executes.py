# expect: forgotten-transaction
"""Moderation actions of the forum.

A ban flags the user and records the moderator and the reason, which the
appeals page lists.
"""

from databases import Database

database = Database("postgresql://localhost/forum")


async def ban_user(user_id: int, moderator_id: int, reason: str) -> None:
    await database.execute("UPDATE users SET banned = TRUE WHERE id = :id", {"id": user_id})  # expect-line
    await database.execute(
        "INSERT INTO bans (user_id, moderator_id, reason) VALUES (:u, :m, :r)",
        {"u": user_id, "m": moderator_id, "r": reason},
    )
