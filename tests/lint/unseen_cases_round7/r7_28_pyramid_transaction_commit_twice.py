# expect: forgotten-transaction
import transaction
from pyramid.view import view_config

from .models import Team, TeamMember


@view_config(route_name="team_create", renderer="json", request_method="POST")
def create_team(request):
    team = Team(name=request.json_body["name"])
    request.dbsession.add(team)  # expect-line
    transaction.commit()
    member = TeamMember(team_id=team.id, user_id=request.authenticated_userid, role="owner")
    request.dbsession.add(member)
    transaction.commit()
    return {"id": team.id}
