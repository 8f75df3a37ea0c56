# expect: none
# fixed shape for r8_39: change_role() raises MembershipError subclasses like the other
# methods
from django.db import transaction
from django.utils import timezone

from orgs.models import Invitation, Membership


class MembershipError(Exception):
    code = "membership_error"


class DomainNotAllowed(MembershipError):
    code = "domain_not_allowed"


class InvitationNotPending(MembershipError):
    code = "invitation_not_pending"


class UnknownRole(MembershipError):
    code = "unknown_role"


class OwnRoleChange(MembershipError):
    code = "own_role_change"


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

    def change_role(self, membership: Membership, role: str) -> Membership:
        if role not in ROLES:
            raise UnknownRole(role)
        if membership.user_id == self.actor.pk:
            raise OwnRoleChange(membership.pk)
        membership.role = role
        membership.save(update_fields=["role"])
        return membership
