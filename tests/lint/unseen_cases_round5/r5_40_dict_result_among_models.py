# expect: non-uniform-interface
# pattern: services return pydantic models, except one that returns a plain dict with the
#          same data; callers use attribute access and crash on that one
from pydantic import BaseModel


class MemberOut(BaseModel):
    id: int
    email: str


class CreateMember:
    def __init__(self, repository):
        self.repository = repository

    def execute(self, email: str) -> MemberOut:
        row = self.repository.insert(email=email)
        return MemberOut(id=row.id, email=row.email)


class RenameMember:
    def __init__(self, repository):
        self.repository = repository

    def execute(self, member_id: int, email: str) -> MemberOut:
        row = self.repository.update(member_id, email=email)
        return MemberOut(id=row.id, email=row.email)


class FetchMember:
    def __init__(self, repository):
        self.repository = repository

    def execute(self, member_id: int) -> dict:  # expect-line: a dict where the others return MemberOut
        row = self.repository.get(member_id)
        return {"id": row.id, "email": row.email}
