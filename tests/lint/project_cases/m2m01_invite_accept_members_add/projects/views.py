# expect: forgotten-transaction
# pattern: accepting an invitation adds the user to the project's many-to-many members and
#          then deletes the invitation, each in its own autocommit transaction; a failure
#          between the two leaves a member whose invitation can be accepted again
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect

from projects.models import Invitation


@login_required
def accept_invitation(request, token):
    invitation = get_object_or_404(Invitation, token=token)
    project = invitation.project
    if request.user.email.lower() != invitation.email.lower():
        return redirect("invitation-mismatch")
    project.members.add(request.user)  # expect-line
    invitation.delete()
    return redirect("project-detail", pk=project.pk)
