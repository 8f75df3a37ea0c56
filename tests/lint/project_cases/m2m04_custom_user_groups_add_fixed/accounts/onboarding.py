# expect: none
# fixed shape for m2m04: the group and the used invite commit together
from django.contrib.auth.models import Group
from django.db import transaction

from accounts.models import StaffInvite, User


@transaction.atomic
def complete_staff_onboarding(user_id, invite_id):
    user = User.objects.get(pk=user_id)
    invite = StaffInvite.objects.get(pk=invite_id, email=user.email)
    group = Group.objects.get(name=invite.group_name)
    user.groups.add(group)
    invite.delete()
