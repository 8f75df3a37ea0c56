# expect: missing-lock
# The test skips a needless write of `state`, but it also guards `holder`: two callers
# both see the desk free, both hold it, and the later holder wins.
from offices.models import Desk


def hold_desk(desk_id, person):
    desk = Desk.objects.get(pk=desk_id)  # expect-line
    if desk.state != "held":
        desk.state = "held"
        desk.holder = person
        desk.save()
