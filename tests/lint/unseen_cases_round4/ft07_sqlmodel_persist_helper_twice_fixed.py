# expect: none
# fixed shape: the team is flushed for its id and both rows commit once
from sqlmodel import Field, Session, SQLModel


class Team(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True)


class Membership(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    team_id: int = Field(foreign_key="team.id")
    user_id: int
    role: str


def create_team(session: Session, name: str, owner_id: int) -> Team:
    team = Team(name=name)
    session.add(team)
    session.flush()
    session.add(Membership(team_id=team.id, user_id=owner_id, role="owner"))
    session.commit()
    session.refresh(team)
    return team
