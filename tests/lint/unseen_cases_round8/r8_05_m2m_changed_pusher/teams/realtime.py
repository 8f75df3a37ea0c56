# expect: side-effect-in-transaction
# pattern: team.members.add() in an @atomic service fires m2m_changed; the receiver
#          pushes the change to browsers through Pusher before COMMIT, so clients reload
#          a member list that does not have the new members yet
import pusher
from django.conf import settings

client = pusher.Pusher(
    app_id=settings.PUSHER_APP_ID,
    key=settings.PUSHER_KEY,
    secret=settings.PUSHER_SECRET,
    cluster=settings.PUSHER_CLUSTER,
    ssl=True,
)


def broadcast_membership(team_id, user_ids, action):
    client.trigger(  # expect-line
        f"private-team-{team_id}",
        "membership-changed",
        {"users": user_ids, "action": action},
    )
