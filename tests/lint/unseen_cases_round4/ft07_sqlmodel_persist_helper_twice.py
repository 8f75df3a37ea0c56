# expect: forgotten-transaction
# pattern: a generic persist() helper commits every object it is given, and the service
#          calls it twice; a failing membership insert leaves a team with no owner
from sqlmodel import Field, Session, SQLModel


class Team(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True)


class Membership(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    team_id: int = Field(foreign_key="team.id")
    user_id: int
    role: str


def persist(session: Session, obj):
    session.add(obj)
    session.commit()
    session.refresh(obj)
    return obj


def create_team(session: Session, name: str, owner_id: int) -> Team:
    team = persist(session, Team(name=name))  # expect-line
    persist(session, Membership(team_id=team.id, user_id=owner_id, role="owner"))
    return team
