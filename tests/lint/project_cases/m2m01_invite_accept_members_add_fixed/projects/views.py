# expect: none
# fixed shape for m2m01: the membership and the used invitation commit together
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect

from projects.models import Invitation


@login_required
def accept_invitation(request, token):
    invitation = get_object_or_404(Invitation, token=token)
    project = invitation.project
    if request.user.email.lower() != invitation.email.lower():
        return redirect("invitation-mismatch")
    with transaction.atomic():
        project.members.add(request.user)
        invitation.delete()
    return redirect("project-detail", pk=project.pk)
