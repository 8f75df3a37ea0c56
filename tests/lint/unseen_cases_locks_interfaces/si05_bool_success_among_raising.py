# expect: non-uniform-interface
# pattern: membership services return the membership and raise on failure, except one
#          that reports failure as (False, message); a caller that ignores the return
#          value carries on as if the member had been removed
class MembershipError(Exception):
    pass


class AddMember:
    def __init__(self, team, user):
        self.team = team
        self.user = user

    def execute(self):
        if self.team.is_full:
            raise MembershipError(f"team {self.team.pk} is full")
        return self.team.memberships.create(user=self.user)


class RemoveMember:
    def __init__(self, team, user):
        self.team = team
        self.user = user

    def execute(self):  # expect-line
        membership = self.team.memberships.filter(user=self.user).first()
        if membership is None:
            return False, "not a member"
        if membership.role == "owner":
            return False, "the owner cannot be removed"
        membership.delete()
        return True, ""


class ChangeRole:
    def __init__(self, membership, role):
        self.membership = membership
        self.role = role

    def execute(self):
        if self.role not in ("member", "admin"):
            raise MembershipError(f"unknown role {self.role!r}")
        self.membership.role = self.role
        return self.membership
