# expect: none
# fixed shape for si05: every service returns its membership or raises MembershipError
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

    def execute(self):
        membership = self.team.memberships.filter(user=self.user).first()
        if membership is None:
            raise MembershipError("not a member")
        if membership.role == "owner":
            raise MembershipError("the owner cannot be removed")
        membership.delete()
        return membership


class ChangeRole:
    def __init__(self, membership, role):
        self.membership = membership
        self.role = role

    def execute(self):
        if self.role not in ("member", "admin"):
            raise MembershipError(f"unknown role {self.role!r}")
        self.membership.role = self.role
        return self.membership
