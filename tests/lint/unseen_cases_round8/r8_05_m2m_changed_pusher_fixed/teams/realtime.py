# expect: none
# fixed shape for r8_05: the receiver defers the push to COMMIT on the database that
# sent the signal
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
    client.trigger(
        f"private-team-{team_id}",
        "membership-changed",
        {"users": user_ids, "action": action},
    )
