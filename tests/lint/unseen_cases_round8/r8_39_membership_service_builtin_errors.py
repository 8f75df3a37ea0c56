# expect: non-uniform-interface
# pattern: membership services raise MembershipError subclasses, which the API turns
#          into 400 answers with an error code, except change_role(), which raises the
#          built-in ValueError and PermissionError; those reach the client as a 500
from django.db import transaction
from django.utils import timezone

from orgs.models import Invitation, Membership


class MembershipError(Exception):
    code = "membership_error"


class DomainNotAllowed(MembershipError):
    code = "domain_not_allowed"


class InvitationNotPending(MembershipError):
    code = "invitation_not_pending"


ROLES = {"owner", "admin", "member", "viewer"}


class MembershipService:
    def __init__(self, organization, actor):
        self.organization = organization
        self.actor = actor

    def invite(self, email: str, role: str) -> Invitation:
        domain = email.rsplit("@", 1)[-1].lower()
        if self.organization.allowed_domains and domain not in self.organization.allowed_domains:
            raise DomainNotAllowed(domain)
        return Invitation.objects.create(organization=self.organization, email=email, role=role, invited_by=self.actor)

    def accept(self, invitation: Invitation, user) -> Membership:
        with transaction.atomic():
            updated = Invitation.objects.filter(pk=invitation.pk, accepted_at__isnull=True).update(
                accepted_at=timezone.now()
            )
            if not updated:
                raise InvitationNotPending(invitation.pk)
            return Membership.objects.create(organization=self.organization, user=user, role=invitation.role)

    def change_role(self, membership: Membership, role: str) -> Membership:  # expect-line
        if role not in ROLES:
            raise ValueError(f"unknown role {role!r}")
        if membership.user_id == self.actor.pk:
            raise PermissionError("members cannot change their own role")
        membership.role = role
        membership.save(update_fields=["role"])
        return membership
