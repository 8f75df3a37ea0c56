# expect: non-uniform-interface
# pattern: FastAPI service functions return a pydantic model and raise DomainError, except
#          transfer_ownership(), which returns {"ok": ..., "error": ...}
from pydantic import BaseModel, ConfigDict
from sqlalchemy.ext.asyncio import AsyncSession

from repos.models import Repository, User


class DomainError(Exception):
    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


class RepoOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    owner_id: int
    archived: bool


async def get_repository(session: AsyncSession, repo_id: int) -> RepoOut:
    repo = await session.get(Repository, repo_id)
    if repo is None:
        raise DomainError("not_found", f"repository {repo_id} not found")
    return RepoOut.model_validate(repo)


async def archive_repository(session: AsyncSession, repo_id: int) -> RepoOut:
    async with session.begin():
        repo = await session.get(Repository, repo_id, with_for_update=True)
        if repo is None:
            raise DomainError("not_found", f"repository {repo_id} not found")
        repo.archived = True
        return RepoOut.model_validate(repo)


async def transfer_ownership(session: AsyncSession, repo_id: int, new_owner_id: int) -> dict:  # expect-line
    async with session.begin():
        repo = await session.get(Repository, repo_id, with_for_update=True)
        if repo is None:
            return {"ok": False, "error": f"repository {repo_id} not found"}
        new_owner = await session.get(User, new_owner_id)
        if new_owner is None:
            return {"ok": False, "error": f"user {new_owner_id} not found"}
        repo.owner_id = new_owner.id
        return {"ok": True, "repository": RepoOut.model_validate(repo)}
