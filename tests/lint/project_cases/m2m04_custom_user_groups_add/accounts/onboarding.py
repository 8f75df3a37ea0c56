# expect: forgotten-transaction
# pattern: the custom user model inherits the groups many-to-many from Django's
#          AbstractUser; adding the group and deleting the invite are two autocommit
#          writes, so a failure between them leaves an invite that grants the group again
from django.contrib.auth.models import Group

from accounts.models import StaffInvite, User


def complete_staff_onboarding(user_id, invite_id):
    user = User.objects.get(pk=user_id)
    invite = StaffInvite.objects.get(pk=invite_id, email=user.email)
    group = Group.objects.get(name=invite.group_name)
    user.groups.add(group)  # expect-line
    invite.delete()
